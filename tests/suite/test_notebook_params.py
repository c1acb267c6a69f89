from __future__ import annotations

import pytest

from perfkit.reports.notebook import ParameterError, snapshot, validate


def test_declared_parameters_pass_and_ints_count_as_floats() -> None:
    namespace: dict[str, object] = {"pd": object()}
    before = snapshot(namespace)
    namespace.update(target="http://x", duration=5, users=4)
    assert validate(namespace, before, target=str, duration=float, users=int) == {
        "target": "http://x",
        "duration": 5.0,
        "users": 4,
    }


def test_an_unknown_injected_name_is_refused_by_name() -> None:
    namespace: dict[str, object] = {}
    before = snapshot(namespace)
    namespace.update(duration=5.0, durration=9.0)
    with pytest.raises(ParameterError, match="durration") as info:
        validate(namespace, before, duration=float)
    assert "takes: duration" in str(info.value)


@pytest.mark.parametrize(
    ("value", "kind"), [("5", float), (True, int), (1.5, int), (3, str), ("yes", bool)]
)
def test_a_wrong_type_names_the_parameter(value: object, kind: type) -> None:
    namespace: dict[str, object] = {}
    before = snapshot(namespace)
    namespace["p"] = value
    with pytest.raises(ParameterError, match=r"parameter 'p' must be"):
        validate(namespace, before, p=kind)
