"""The exceptions perfkit raises.

Hierarchy::

    PerfkitError                 anything the user can fix; the CLI prints it on one line, exit 2
    ├── ConfigError              an environment variable or option has a bad value
    ├── RedisUnavailable         Redis could not be reached or answered with an error
    ├── EmbeddedServerError      the private Redis-compatible server could not start
    └── InputError               a file or argument the user gave is malformed

Third-party errors (redis, httpx) are translated into these where they enter perfkit,
so callers never need to import another library's exception types.
"""

from __future__ import annotations


class PerfkitError(Exception):
    """Base class: a problem with a one-line explanation the user can act on."""


class ConfigError(PerfkitError):
    """A configuration value is invalid; the message names the variable and the value."""


class RedisUnavailable(PerfkitError):
    """Redis did not answer, or answered with an error."""


class EmbeddedServerError(PerfkitError):
    """The embedded Redis-compatible server could not be found or started."""


class InputError(PerfkitError):
    """A file or argument given by the user is malformed."""
