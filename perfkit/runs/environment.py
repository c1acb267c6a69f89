"""Where a run was measured: perfkit and Python versions, host, CPU model and testbed label
(`perfkit.machine`), and where it came from
(the project's git commit and branch, the CI job: `perfkit.runs.provenance`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from perfkit import __version__
from perfkit.machine import describe_machine, testbed_label
from perfkit.project import Project
from perfkit.runs.model import Environment
from perfkit.runs.provenance import capture


def capture_environment(
    project: Path | None = None, env: Mapping[str, str] | None = None
) -> Environment:
    """This machine, and the provenance of the project (default: the one perfkit runs in)."""
    variables = os.environ if env is None else env
    origin = capture(project or Project.find().root, variables)
    here = describe_machine()
    return Environment(
        perfkit_version=__version__,
        python=here.python,
        implementation=here.implementation,
        platform=here.platform,
        machine=here.machine,
        host=here.host,
        cpu_count=here.cpu_count,
        git_commit=origin.commit,
        git_branch=origin.branch,
        ci=origin.ci,
        ci_job_url=origin.job_url,
        cpu_model=here.cpu_model,
        testbed=testbed_label(variables),
    )
