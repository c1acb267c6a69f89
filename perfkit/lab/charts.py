"""The lab's charts (static matplotlib Figures, in the style of `perfkit.reports.plots`)."""

from __future__ import annotations

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from perfkit.lab.limiter_lab import LabPolicy, admitted_over_time
from perfkit.lab.outage import PHASES, Drill
from perfkit.reports.plots import PALETTE, STYLE, legend_outside


def cold_warm_chart(samples: pd.DataFrame) -> Figure:
    """Every request's latency, cold beside warm, per cached endpoint (log scale)."""
    with matplotlib.style.context(STYLE):
        fig = Figure()
        ax = fig.add_subplot()
        endpoints = list(dict.fromkeys(samples["endpoint"]))
        for i, endpoint in enumerate(endpoints):
            for j, phase in enumerate(("cold", "warm")):
                values = samples[(samples["endpoint"] == endpoint) & (samples["phase"] == phase)]
                x = np.full(len(values), i + (j - 0.5) * 0.35)
                ax.scatter(x, values["latency_ms"], s=14, alpha=0.7, color=PALETTE[j],
                           label=phase if i == 0 else None)  # fmt: skip
                median = float(values["latency_ms"].median())
                ax.hlines(median, x[0] - 0.12, x[0] + 0.12, color="black", linewidth=2)
        ax.set_xticks(range(len(endpoints)), endpoints)
        ax.set_yscale("log")
        ax.set_ylabel("latency (ms, log scale)")
        ax.set_title("Cold (cache miss) vs warm (cache hit), median marked")
        legend_outside(ax)
        return fig


def admitted_chart(samples: pd.DataFrame, policy: LabPolicy) -> Figure:
    """Cumulative admitted requests per algorithm against the configured rate."""
    with matplotlib.style.context(STYLE):
        fig = Figure()
        ax = fig.add_subplot()
        cumulative = admitted_over_time(samples)
        for k, column in enumerate(cumulative.columns):
            ax.step(cumulative.index, cumulative[column], where="post", color=PALETTE[k],
                    label=str(column))  # fmt: skip
        end = float(samples["t_s"].max())
        t = np.linspace(0, end, 50)
        ax.plot(t, policy.limit + policy.limit * t / policy.window, "--", color="grey",
                label=f"allowance + {policy.limit}/{policy.window:g}s")  # fmt: skip
        ax.set_xlabel("seconds")
        ax.set_ylabel("admitted requests (cumulative)")
        ax.set_title("Admitted by each algorithm at 3x its limit")
        legend_outside(ax)
        return fig


def drill_chart(drill: Drill) -> Figure:
    """Latency of every request over time, failures in red, the outage shaded."""
    with matplotlib.style.context(STYLE):
        fig = Figure()
        ax = fig.add_subplot()
        s = drill.samples
        ok = s[(s["status"] > 0) & (s["status"] < 500)]
        bad = s[(s["status"] == 0) | (s["status"] >= 500)]
        ax.scatter(ok["t_s"], ok["latency_ms"], s=8, alpha=0.6, color=PALETTE[0],
                   label="answered (< 500)")  # fmt: skip
        if len(bad):
            ax.scatter(bad["t_s"], bad["latency_ms"], s=16, color=PALETTE[3], label="5xx / none")
        outage = s[s["phase"] == PHASES[1]]["t_s"]
        if len(outage):
            ax.axvspan(float(outage.min()), float(outage.max()), color="grey", alpha=0.2,
                       label="Redis stopped")  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("seconds")
        ax.set_ylabel("latency (ms, log scale)")
        ax.set_title("Redis outage drill: every request")
        legend_outside(ax)
        return fig
