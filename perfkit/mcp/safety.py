"""What leaves the server: no secret in any output, library errors as tool errors.

`Redactor` knows the secret values of the configuration (the Redis password, whether in
``REDIS_URL`` or ``REDIS_PASSWORD``, and every ``PERFKIT_*`` variable named like a token,
password or secret) and replaces them, and the password of any URL, with ``***``.
`Guard.errors` turns a `PerfkitError` (bad input the caller can fix) into an MCP tool
error with that one-line message, scrubbed; anything else is left to the SDK, which
answers ``Error executing tool <name>`` and logs the traceback on the server's stderr,
never to the client.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import BaseModel

from perfkit.config import Settings
from perfkit.errors import InputError, PerfkitError

M = TypeVar("M", bound=BaseModel)
MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/\s:@]*):[^@\s/]*@")
_SECRET_NAMES = ("TOKEN", "PASSWORD", "SECRET")
#: shorter values would mask ordinary text; URL passwords are masked whatever their length
_MIN_SECRET_LENGTH = 4


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


class Redactor:
    def __init__(self, secrets: set[str]) -> None:
        found = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        # the longest first, so a secret containing another is masked whole
        self._secrets = sorted(found, key=len, reverse=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Redactor:
        values = {settings.redis_password, _url_password(settings.redis_url)}
        values |= {
            value
            for name, value in settings.extra.items()
            if any(word in name for word in _SECRET_NAMES)
        }
        return cls({v for v in values if v})

    def text(self, text: str) -> str:
        text = _USERINFO.sub(rf"\g<scheme>\g<user>:{MASK}@", text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def scrub(self, value: object) -> object:
        """A copy of a JSON-like value with every string (keys too) passed through `text`."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value


class Guard:
    """Wraps each tool and resource body (see the module docstring)."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    @contextlib.contextmanager
    def tool(self) -> Iterator[None]:
        try:
            yield
        except PerfkitError as exc:
            raise ToolError(self.redactor.text(str(exc))) from None

    @contextlib.contextmanager
    def resource(self) -> Iterator[None]:
        try:
            yield
        except InputError as exc:
            raise ResourceNotFoundError(self.redactor.text(str(exc))) from None
        except PerfkitError as exc:
            raise ResourceError(self.redactor.text(str(exc))) from None

    def clean(self, model: M) -> M:
        """``model`` with every string scrubbed (structured and text content alike)."""
        return type(model).model_validate(self.redactor.scrub(model.model_dump(mode="json")))
