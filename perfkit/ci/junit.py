"""JUnit XML, the report format every CI shows: one ``testsuite`` per outcome, one
``testcase`` per check, a ``failure`` carrying the measured value and the limit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from perfkit.ci.checks import Outcome


def render_junit(outcomes: Sequence[Outcome], *, timestamp: datetime, seconds: float = 0.0) -> str:
    """The document: ``testsuites`` > ``testsuite`` > ``testcase`` (> ``failure``)."""
    root = ET.Element("testsuites", name="perfkit")
    for outcome in outcomes:
        suite = ET.SubElement(root, "testsuite", name=f"perfkit {outcome.suite}",
                              tests=str(len(outcome.checks)),
                              failures=str(len(outcome.failures)), errors="0", skipped="0",
                              time=f"{seconds:.3f}",
                              timestamp=timestamp.strftime("%Y-%m-%dT%H:%M:%S"))  # fmt: skip
        for check in outcome.checks:
            case = ET.SubElement(suite, "testcase", classname=f"perfkit.{outcome.suite}",
                                 name=check.name, time="0")  # fmt: skip
            if not check.passed:
                failure = ET.SubElement(case, "failure", message=check.message, type=outcome.suite)
                failure.text = check.message
            else:
                ET.SubElement(case, "system-out").text = check.message
    root.set("tests", str(sum(len(o.checks) for o in outcomes)))
    root.set("failures", str(sum(len(o.failures) for o in outcomes)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
