from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from perfkit.errors import InputError
from perfkit.loadgen.scenario import default_scenario_path, load_scenario, parse_scenario


def test_the_default_scenario_covers_the_reference_service() -> None:
    scenario = load_scenario(default_scenario_path())
    paths = {e.path for e in scenario.endpoints}
    assert {"/health", "/ready", "/api/health", "/api/cache/stats", "/api/chat"} <= paths
    assert {e.category for e in scenario.endpoints} == {"health", "api", "critical"}
    chat = next(e for e in scenario.endpoints if e.path == "/api/chat")
    assert chat.method == "POST" and chat.body is not None
    features = next(e for e in scenario.endpoints if e.name == "audio-features")
    assert features.target.startswith("/api/spotify/audio-features?ids=")


def test_weights_give_exact_shares() -> None:
    scenario = parse_scenario(
        {"name": "w", "endpoints": [{"name": "a", "path": "/a"},
                                    {"name": "b", "path": "/b", "weight": 3}]},
        "t",
    )  # fmt: skip
    picks = Counter(itertools.islice(scenario.schedule(), 200))
    assert picks == {0: 50, 1: 150}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'name = "x"\n[[endpoints]]\npath = "/a"\nname = "a"\ntimout = 3\n',
            "unknown field 'timout'",
        ),
        ('name = "x"\nendpoints = []\n', "no endpoints yet"),
        ('name = "x"\n[[endpoints]]\nname = "a"\npath = "a"\n', "must start with '/'"),
        ('name = "x"\n[[endpoints]]\nname = "a"\npath = "/a"\nweight = 0\n', "'weight'"),
        ('name = "x"\n[[endpoints]]\nname = "a"\npath = "/a"\ncategory = "vip"\n', "category"),
        ('name = "x"\n[[endpoints]]\nname = "a"\npath = "/a"\nexpect = [42]\n', "'expect'"),
        (
            'name = "x"\n[[endpoints]]\nname = "a"\npath = "/a"\n[[endpoints]]\nname = "a"\n'
            'path = "/b"\n',
            "used twice",
        ),
        ("name = [", "cannot be read"),
    ],
)
def test_bad_scenarios_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_scenario(path)


def test_a_missing_scenario_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")
