"""``POST /api/performance/baseline``: a short baseline of the service against itself.

Guarded by a token from configuration (``PERFKIT_BASELINE_TOKEN``; unset disables the
trigger), one run at a time, run in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from perfkit.config import Settings
from perfkit.errors import PerfkitError
from perfkit.loadgen.baseline import RunPlan, run_and_write
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import default_scenario_path, load_scenario

logger = logging.getLogger(__name__)


class BaselineBusy(Exception):
    """A baseline is already running."""


@dataclass
class BaselineJob:
    run_id: str
    status: Literal["running", "done", "failed"]
    started_at: float
    finished_at: float | None = None
    artifacts: dict[str, str] | None = None
    result_run_id: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class BaselineJobs:
    def __init__(self, token: str | None, out_dir: Path, duration_s: float, concurrency: int):
        self.token = token
        self.out_dir = out_dir
        self.duration_s = duration_s
        self.concurrency = concurrency
        self.jobs: dict[str, BaselineJob] = {}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> BaselineJobs:
        return cls(
            token=settings.env_text("PERFKIT_BASELINE_TOKEN", "") or None,
            out_dir=Path(settings.env_text("PERFKIT_REPORTS_DIR", "reports")) / "performance",
            duration_s=settings.env_float("PERFKIT_SELF_BASELINE_DURATION", 5.0, 0.1),
            concurrency=settings.env_int("PERFKIT_SELF_BASELINE_CONCURRENCY", 4, 1),
        )

    @property
    def enabled(self) -> bool:
        return self.token is not None

    def authorized(self, presented: str | None) -> bool:
        if self.token is None or presented is None:
            return False
        return hmac.compare_digest(presented.encode(), self.token.encode())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, base_url: str) -> BaselineJob:
        if self.running:
            raise BaselineBusy
        job = BaselineJob(run_id=uuid.uuid4().hex[:12], status="running", started_at=time.time())
        self.jobs[job.run_id] = job
        plan = RunPlan(
            scenario=load_scenario(default_scenario_path()),
            load=LoadConfig(duration_s=self.duration_s, concurrency=self.concurrency, warmup_s=0.5),
            target_url=base_url,
        )
        self._task = asyncio.get_running_loop().create_task(self._run(job, plan))
        return job

    async def _run(self, job: BaselineJob, plan: RunPlan) -> None:
        try:
            paths = await asyncio.to_thread(run_and_write, plan, self.out_dir)
        except PerfkitError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # the job's boundary: report the failure, never lose it
            logger.exception("baseline %s failed", job.run_id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        else:
            job.status = "done"
            job.artifacts = {"json": str(paths.json), "summary": str(paths.summary)}
            job.result_run_id = paths.run.run_id
        job.finished_at = time.time()

    async def cancel(self) -> None:
        """Wait for a running baseline at shutdown (it is short and cannot be interrupted)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
