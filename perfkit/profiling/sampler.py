"""`RouteSampler`: a sampling profiler that tells the routes of an asyncio service apart.

Why a sampler of our own, on ``SIGALRM``:

- **Per route.** Every request runs inside `PerformanceMiddleware`'s coroutine; while a
  request runs on the event loop, that coroutine's frame is on the thread's stack below
  the route's frames. The middleware registers the frame when the request starts
  (`begin`) and hands in the route template when it ends (`end`); a sample whose stack
  passes through a registered frame belongs to that request, so to its route. Concurrent
  requests never mix, which a profiler attached from outside (py-spy) or one profiling a
  whole context (pyinstrument) cannot tell apart.
- **Unbiased, bounded cost.** ``setitimer(ITIMER_REAL)`` is a high-resolution timer:
  every ``interval_ms`` Python runs the handler on the main thread at the next bytecode,
  with the running frame. The samples give the *shape* (which stacks a request's time
  went to); the CPU the thread used between samples (``time.thread_time``), summed per
  route, gives the *scale*, so time the process spent descheduled on a busy machine
  does not inflate a route's figures. (Charging each sample the CPU since the previous
  one would also scale, but would credit a function's CPU to whatever runs when the
  next sample lands: a 2 ms function showed as 1.5 ms, its callers as 2.4.) A sampler
  *thread* (``sys._current_frames``) would only get the GIL when the loop thread drops
  it, mostly while it waits in ``epoll``, and would miss short bursts; ``ITIMER_PROF``
  is counted in kernel ticks (4 ms at 250 Hz) and aliases with requests of similar
  length. The cost is one handler call (a
  walk up the stack, a dict update) per interval: bounded by the rate, whatever the
  request rate; `perfkit bench profiler` measures it.
- **No dependency, nothing when off.** The middleware is given no sampler unless
  ``PERFKIT_PROFILE=true``; then the signal handler and timer exist only between
  `start` and `stop`.

Limits: only the main thread is sampled (uvicorn's event loop; sync routes that Starlette
runs in its thread pool are not seen); time a request spends awaiting I/O is not on the
loop and is not sampled; the service must not use ``SIGALRM`` itself; each worker process
keeps its own profile (serve one worker when profiling).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from perfkit.config import Settings
from perfkit.profiling.profile import ProfileSet, RouteProfile

log = logging.getLogger(__name__)
OTHER_STACKS = "(other stacks)"  # where samples go once a route has max_stacks stacks


class Bucket:
    """One request's samples: a count per stack, and the CPU µs sampled over them."""

    __slots__ = ("cpu_us", "stacks")

    def __init__(self) -> None:
        self.cpu_us = 0
        self.stacks: dict[str, int] = {}


@dataclass(frozen=True)
class ProfilerConfig:
    """``PERFKIT_PROFILE`` (off by default), its interval and its memory bound."""

    enabled: bool = False
    interval_ms: float = 4.0
    max_stacks: int = 2000  # distinct stacks kept per route

    @classmethod
    def from_settings(cls, settings: Settings) -> ProfilerConfig:
        return cls(
            enabled=settings.env_bool("PERFKIT_PROFILE", False),
            interval_ms=settings.env_float("PERFKIT_PROFILE_INTERVAL_MS", 4.0, 0.5),
            max_stacks=settings.env_int("PERFKIT_PROFILE_MAX_STACKS", 2000, 10),
        )

    def sampler(self) -> RouteSampler | None:
        """The sampler the middleware is given, or None when profiling is off."""
        return RouteSampler(self.interval_ms, self.max_stacks) if self.enabled else None


class RouteSampler:
    def __init__(self, interval_ms: float = 4.0, max_stacks: int = 2000) -> None:
        self.interval_ms = interval_ms
        self.max_stacks = max_stacks
        self.running = False
        self._active: dict[int, Bucket] = {}  # id(frame of the request's middleware call)
        self._labels: dict[CodeType, str] = {}
        self._routes: dict[str, RouteProfile] = {}
        self._unattributed = 0
        self._samples = 0
        self._last_cpu = 0.0
        self._previous: Any = None

    def start(self) -> None:
        """Installs the handler and the timer; must run on the main thread (else: a
        warning, and the service runs unprofiled)."""
        if self.running:
            return
        if threading.current_thread() is not threading.main_thread():
            log.warning("PERFKIT_PROFILE: not on the main thread, profiling stays off")
            return
        self._previous = signal.signal(signal.SIGALRM, self._on_sample)
        seconds = self.interval_ms / 1000.0
        self._samples, self._last_cpu = 0, time.thread_time()
        signal.setitimer(signal.ITIMER_REAL, seconds, seconds)
        self.running = True

    def stop(self) -> None:
        if not self.running:
            return
        signal.setitimer(signal.ITIMER_REAL, 0.0, 0.0)
        signal.signal(signal.SIGALRM, self._previous or signal.SIG_DFL)
        self.running = False

    def begin(self, frame: FrameType) -> Bucket:
        """Registers the frame of the middleware call serving one request."""
        bucket = Bucket()
        self._active[id(frame)] = bucket
        return bucket

    def end(self, frame: FrameType, bucket: Bucket, route: str) -> None:
        """The request is over: its samples (and one request) go to ``route``."""
        self._active.pop(id(frame), None)
        profile = self._routes.get(route)
        if profile is None:
            profile = self._routes[route] = RouteProfile()
        profile.requests += 1
        profile.cpu_us += bucket.cpu_us
        stacks = profile.stacks
        for stack, count in bucket.stacks.items():
            key = stack if stack in stacks or len(stacks) < self.max_stacks else OTHER_STACKS
            stacks[key] = stacks.get(key, 0) + count

    def _label(self, frame: FrameType) -> str:
        code = frame.f_code
        label = self._labels.get(code)
        if label is None:
            module = frame.f_globals.get("__name__", "?")
            label = self._labels[code] = f"{module}.{code.co_qualname}"
        return label

    def _on_sample(self, signum: int, frame: FrameType | None) -> None:
        self._samples += 1
        now = time.thread_time()
        weight = int((now - self._last_cpu) * 1e6)  # CPU µs since the previous sample
        self._last_cpu = now
        active = self._active
        if active:
            labels: list[str] = []
            while frame is not None:
                bucket = active.get(id(frame))
                if bucket is not None:
                    labels.reverse()
                    stack = ";".join(labels)
                    bucket.stacks[stack] = bucket.stacks.get(stack, 0) + 1
                    bucket.cpu_us += weight
                    return
                labels.append(self._label(frame))
                frame = frame.f_back
        self._unattributed += weight

    def snapshot(self, reset: bool = False) -> ProfileSet:
        """The profile so far (a copy); ``reset`` starts a new one, e.g. per trial."""
        routes, unattributed, samples = self._routes, self._unattributed, self._samples
        if reset:
            self._routes, self._unattributed, self._samples = {}, 0, 0
        copied = {n: RouteProfile(p.requests, dict(p.stacks), p.cpu_us) for n, p in routes.items()}
        return ProfileSet(self.interval_ms, copied, unattributed, samples)

    async def serve(self, query: bytes, send: Any) -> None:
        """The ASGI response of ``GET /_perfkit/profile[?reset=1]``: the profile as JSON."""
        data = self.snapshot(reset=b"reset=1" in query.split(b"&")).to_dict()
        data["pid"] = os.getpid()
        body = json.dumps(data).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
