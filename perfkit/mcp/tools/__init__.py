"""The MCP tools, one module per group; each has ``register(server, context)``."""
