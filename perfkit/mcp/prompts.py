"""Prompts an assistant can offer its user; each says which tools answer it."""

from __future__ import annotations

from mcp.server import MCPServer


def register(server: MCPServer) -> None:
    @server.prompt(title="Review the latest performance run")
    def review_latest_run(target: str = "") -> str:
        """Is the latest run healthy, and did it get slower than the one before?"""
        scope = f" of target {target!r}" if target else ""
        return (
            f"Review the latest performance run{scope}. Call list_runs to see it and the runs "
            "before it, then health_report on it for the health score, its deductions, alerts "
            "and recommendations, and compare_runs (base 'previous', candidate 'latest') for "
            "what changed. Lead with its outcome and headline ('environment changed' asks for a "
            "re-run and blames no code; 'not enough history' is no verdict); name each endpoint "
            "and metric that moved with its figures and the evidence; say when the evidence is "
            "weak; end with the recommendations that matter most, in order."
        )

    @server.prompt(title="Explain this regression")
    def explain_regression(base: str = "previous", candidate: str = "latest") -> str:
        """Where did the candidate get slower than the base, since when, and which commit?"""
        return (
            f"Explain the regression between run {base!r} (base) and run {candidate!r} "
            "(candidate). Call compare_runs with those runs for the endpoints and metrics that "
            "regressed and their evidence (when its outcome is 'environment changed', say the "
            "machine moved and ask for a re-run instead), then trends for those endpoints to find "
            "the change point and the commit where the level moved. Quote each regressed "
            "endpoint's profile line when it has one (the function that gained CPU; profile_diff "
            "gives its frames). Say what moved, by how much, from which run and commit on, how "
            "sure the evidence is, and what to look at first."
        )
