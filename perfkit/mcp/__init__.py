"""`perfkit mcp`: a Model Context Protocol server over perfkit's analysis.

Built on the official MCP Python SDK (the ``mcp`` extra). The layer is thin: each tool
validates its arguments, calls the same library functions as the CLI (`perfkit.runs`
for the history, `perfkit.analysis` for compare / trends / health, `perfkit.loadgen`
for a baseline run, `perfkit.live` for a running service) and returns their result as
structured content.

Modules: `config` (what the operator allows), `safety` (secrets never leave, library
errors become tool errors), `locate` (history folders and runs, never a path outside
them), `models` (the tools' output schemas), `tools/` (one module per group),
`resources`, `prompts`, and `server` (assembles them and serves stdio or HTTP).
"""
