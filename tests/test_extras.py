"""A command whose extra is missing names the extra, in one line (the wheel test runs the
real thing in a venv without extras: tests/project/test_installed_wheel.py)."""

from __future__ import annotations

from perfkit.extras import missing_extra


def test_a_missing_library_names_its_extra_and_the_command() -> None:
    error = missing_extra(ModuleNotFoundError(name="pandas"), "`perfkit compare`", "compare")
    assert str(error) == (
        "`perfkit compare` needs the 'analysis' extra (pandas is not installed): "
        "pip install 'perfkit[analysis]'"
    )


def test_a_command_of_a_larger_extra_names_that_one() -> None:
    """`perfkit report` misses pandas first, but needs the notebooks: one install."""
    error = missing_extra(ModuleNotFoundError(name="pandas.core"), "`perfkit report`", "report")
    assert error is not None and "pip install 'perfkit[notebooks]'" in str(error)


def test_a_library_of_no_extra_is_not_disguised() -> None:
    assert missing_extra(ModuleNotFoundError(name="perfkit_typo")) is None
