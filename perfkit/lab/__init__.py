"""The cache and rate-limit lab (notebook 05), measured on the reference service.

Each experiment runs against a service of its own on an embedded Redis::

    with lab_service() as svc:                         # the reference service, its own Redis
        cache = measure_cold_warm(svc, keys=10)        # cold vs warm per cached endpoint
        cache.summary()                                # cold/warm p50 and the cut in %
        drill = run_drill(svc, rate=60, phase_s=2)     # stop Redis under load, start it again
        drill.phases()                                 # 5xx, latency, backends per phase

    policy = LabPolicy(limit=10, window=1.0)
    with enforcing_service(policy) as svc:             # one small policy per algorithm
        samples = drive(svc, policy, overload=3, duration=4)
    accuracy(samples, policy, 4)                       # admitted per window vs the limit
    measure_window_bounds(limit=10, window=1.0)        # the most admitted in any window
"""

from perfkit.lab.cache_lab import CacheLab, cold_warm_summary, measure_cold_warm, namespace_delta
from perfkit.lab.charts import admitted_chart, cold_warm_chart, drill_chart
from perfkit.lab.limiter_lab import (
    LabPolicy,
    accuracy,
    admitted_over_time,
    drive,
    enforcing_service,
    max_admitted,
)
from perfkit.lab.outage import Drill, phase_table, run_drill
from perfkit.lab.pacer import Event, Request, send_paced
from perfkit.lab.service import LabService, lab_service
from perfkit.lab.window_bound import measure_window_bounds

__all__ = [
    "CacheLab",
    "Drill",
    "Event",
    "LabPolicy",
    "LabService",
    "Request",
    "accuracy",
    "admitted_chart",
    "admitted_over_time",
    "cold_warm_chart",
    "cold_warm_summary",
    "drill_chart",
    "drive",
    "enforcing_service",
    "lab_service",
    "max_admitted",
    "measure_cold_warm",
    "measure_window_bounds",
    "namespace_delta",
    "phase_table",
    "run_drill",
    "send_paced",
]
