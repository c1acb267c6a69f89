"""Fetch the profile of a running service (``GET /_perfkit/profile``) and keep it with a run.

The service must run with ``PERFKIT_PROFILE=true`` (its measurement middleware then
samples); a target without it answers 404 and `fetch_profile` returns None, so a caller
can always ask. ``reset=True`` starts a new profile in the service, which is how one
profile per trial is taken from a service kept running across trials.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from perfkit.errors import InputError
from perfkit.profiling.profile import PROFILE_PATH, ProfileSet, profile_path_for


def fetch_profile(
    base_url: str, *, reset: bool = False, timeout_s: float = 10.0
) -> ProfileSet | None:
    """The service's profile so far, or None when it does not profile."""
    url = base_url.rstrip("/") + PROFILE_PATH + ("?reset=1" if reset else "")
    try:
        response = httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch the profile from {url}: {exc}") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise InputError(f"{url} answered {response.status_code}")
    return ProfileSet.from_dict(response.json(), url)


def keep_with_run(profile: ProfileSet, run_json: Path) -> Path:
    """Writes ``profile`` beside the run's JSON (``<stem>.profile.json.gz``)."""
    return profile.write(profile_path_for(run_json))


def _reset(url: str) -> bool:
    """Starts a new profile; False when the service does not profile or does not answer
    (the run itself then reports an unreachable target, in its own words)."""
    try:
        return fetch_profile(url, reset=True) is not None
    except InputError:
        return False


@contextlib.contextmanager
def profiles_during(urls: Sequence[str | None]) -> Iterator[list[ProfileSet | None]]:
    """Profiles of the services at ``urls`` taken over the block (each reset when the block
    starts), filled in when it ends; None for a URL that is None or does not profile."""
    profiling = [url is not None and _reset(url) for url in urls]
    found: list[ProfileSet | None] = [None] * len(urls)
    yield found
    for i, url in enumerate(urls):
        if url is not None and profiling[i]:
            found[i] = fetch_profile(url)
