"""The generated references match the code, and the hand-written pages cannot drift from it
unnoticed: every setting has a meaning, every perfkit.toml key documented is accepted,
every command and route is on its page, README's links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfkit.config import Settings
from perfkit.errors import InputError
from perfkit.project import Project
from perfkit.service.app import create_app
from tools.docsite.cli_reference import cli_reference, command_paths
from tools.docsite.codeblocks import blocks, shell_script
from tools.docsite.hooks import expand
from tools.docsite.settings_reference import env_reference, meanings, scan, toml_reference

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def test_every_variable_the_code_reads_has_a_meaning_and_no_other() -> None:
    variables = scan()
    assert set(variables) == set(meanings()["env"])
    # the ones README's table once left out are there, with the code's defaults
    table = env_reference()
    for row in ("`PERFKIT_REGRESSION_THRESHOLD` | number | `0.1`", "`PERFKIT_APDEX_T_MS`",
                "`PERFKIT_SLO` | number, >= 0.0 | `0.999`", "`PERFKIT_MCP_TARGETS`",
                "`PERFKIT_MCP_MAX_DURATION`", "`PERFKIT_MCP_MAX_CONCURRENCY`",
                "`PERFKIT_MCP_MAX_RATE`"):  # fmt: skip
        assert row in table


def test_the_defaults_shown_are_the_ones_the_code_uses() -> None:
    variables = scan()
    settings = Settings()
    assert variables["REDIS_KEY_PREFIX"].default == settings.redis_key_prefix
    assert variables["REDIS_DEFAULT_TTL"].default == str(settings.redis_default_ttl)
    exempt = variables["PERFKIT_RATELIMIT_EXEMPT_PATHS"].default
    assert exempt == "/health,/ready,/api/health,/metrics"
    assert variables["PERFKIT_CACHE_MAX_VALUE_BYTES"].default == str(1 << 20)
    assert variables["REDIS_URL"].default == "unset"


def test_every_perfkit_toml_key_documented_is_accepted(tmp_path: Path) -> None:
    rows = re.findall(r"^\| `([\w.]+)` \|", toml_reference(), re.M)
    top = [r for r in rows if "." not in r]
    history = [r.removeprefix("history.") for r in rows if r.startswith("history.")]
    assert top and history and "service" in top
    (tmp_path / "perfkit.toml").write_text(
        "\n".join(f'{key} = "."' for key in top if key not in ("target", "service"))
        + '\ntarget = "http://127.0.0.1:1"\n[history]\n'
        + "\n".join(f"{key} = 3" if key == "keep" else f'{key} = "x"' for key in history)
        + '\n[service]\ncommand = "serve --port {port}"\n'
    )
    project = Project.find(tmp_path)
    assert project.history.keep == 3
    assert project.service is not None and project.service.command == "serve --port {port}"
    (tmp_path / "perfkit.toml").write_text('nonsense = "x"\n')
    with pytest.raises(InputError, match="unknown key"):
        Project.find(tmp_path)


def test_every_command_is_in_the_cli_reference() -> None:
    text = cli_reference()
    for path in command_paths():
        assert f"`perfkit {' '.join(path)}`" in text
    # the options README once got wrong are as the code has them
    pull = text.split("`perfkit history pull`")[1].split("\n## ")[0].split("\n### ")[0]
    assert "--keep" in pull  # since issue 24: the local history, after the pull
    push = text.split("`perfkit history push`")[1].split("\n## ")[0].split("\n### ")[0]
    assert "--keep" in push
    smoke = text.split("## `perfkit smoke`")[1].split("\n## ")[0]
    assert "--repeat" not in smoke and "--base-target" not in smoke


def test_every_route_of_the_reference_service_is_on_the_http_page() -> None:
    page = (DOCS / "reference" / "http.md").read_text()
    app = create_app(Settings(redis_url="redis://127.0.0.1:1"))
    paths = {getattr(route, "path", "") for route in app.routes}
    assert paths
    for path in paths:
        assert path in page, f"{path} is not in docs/reference/http.md"


def test_a_page_that_asks_for_an_unknown_section_fails_the_build() -> None:
    assert "perfkit baseline" in expand("<!-- generate: cli -->")
    with pytest.raises(ValueError, match="unknown generated section 'nope'"):
        expand("<!-- generate: nope -->")


def test_readme_links_resolve_and_it_stays_short() -> None:
    readme = (REPO / "README.md").read_text()
    assert 150 <= len(readme.splitlines()) <= 250
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if "://" not in target:
            assert (REPO / target).exists(), f"README links to missing {target}"
    assert "docs/tutorials/first-load-run.md" in readme


def test_the_code_block_convention(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- docs-test: skip (needs a GitLab runner) -->\n```console\n$ gitlab-runner\n```\n\n"
        "<!-- docs-test: file a.toml -->\n```toml\nx = 1\n```\n\n"
        "<!-- docs-test: exit 0 1 (a regression is fine) -->\n```console\n$ false\nout\n```\n\n"
        "```python\nprint(1)\n```\n\n```toml\ny = 2\n```\n"
    )
    skip, file, allowed, python, shown = blocks(page)
    assert skip.skip == "needs a GitLab runner" and not skip.runnable
    assert file.file == "a.toml" and not file.runnable
    assert allowed.exit_codes == (0, 1) and '" 0 1 "' in shell_script(allowed)
    assert python.runnable and python.exit_codes == (0,) and python.skip is None
    assert not shown.runnable


def test_every_skipped_block_says_why() -> None:
    pages = [*(DOCS / "tutorials").glob("*.md"), *(DOCS / "how-to").glob("*.md")]
    for page in pages:
        for block in blocks(page):  # a skip without a reason raises while parsing
            assert block.skip is None or len(block.skip) > 10, block.where
