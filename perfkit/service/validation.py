"""Validation of the reference service's inputs: a clear 400, never a 500."""

from __future__ import annotations

import re
from typing import Any

MAX_IDS = 100
MAX_MESSAGE_CHARS = 4000
_ID = re.compile(r"[A-Za-z0-9]{1,64}")


class BadRequest(Exception):
    """The request is malformed; the message says how, and is sent back with a 400."""


def parse_ids(raw: str | None) -> list[str]:
    """``ids=a,b,c``: 1..100 ASCII alphanumeric ids of up to 64 characters each."""
    if raw is None or raw.strip() == "":
        raise BadRequest("query parameter 'ids' is required: a comma-separated list of track ids")
    if len(raw) > MAX_IDS * 65:
        raise BadRequest(f"'ids' is too long: at most {MAX_IDS} ids")
    ids = raw.split(",")
    if len(ids) > MAX_IDS:
        raise BadRequest(f"'ids' has {len(ids)} entries: at most {MAX_IDS}")
    for track_id in ids:
        if not _ID.fullmatch(track_id):
            shown = track_id[:20].encode("unicode_escape").decode("ascii")
            raise BadRequest(f"'ids' entry {shown!r} is not 1-64 ASCII letters or digits")
    return ids


def parse_id(raw: str, name: str) -> str:
    """One id: 1-64 ASCII letters or digits."""
    if not _ID.fullmatch(raw):
        shown = raw[:20].encode("unicode_escape").decode("ascii")
        raise BadRequest(f"{name} {shown!r} is not 1-64 ASCII letters or digits")
    return raw


def parse_chat(body: Any) -> tuple[str, str]:
    """A chat request body: ``{"message": str, "session_id": str?}``."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object with a 'message'")
    unknown = set(body) - {"message", "session_id"}
    if unknown:
        raise BadRequest(f"unknown field(s) in the body: {', '.join(sorted(unknown))}")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise BadRequest("'message' must be a non-empty string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
    session = body.get("session_id", "anonymous")
    if not isinstance(session, str) or not _ID.fullmatch(session):
        raise BadRequest("'session_id' must be 1-64 ASCII letters or digits")
    return message, session


def parse_limit(raw: str | None, default: int = 10, maximum: int = 50) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"'limit' must be an integer from 1 to {maximum}")
    return int(raw)
