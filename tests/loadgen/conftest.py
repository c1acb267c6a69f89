from __future__ import annotations

from collections.abc import Iterator

import pytest

from perfkit.serving import serve_app
from tests.loadgen.apps import Counter, status_app


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def status_url(counter: Counter) -> Iterator[str]:
    with serve_app(status_app(counter)) as url:
        yield url
