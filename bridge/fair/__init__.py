"""`bridge fair`: FAIR assessment with the RDA indicators, before publishing (offline) and after (a PID, or all).

One indicator is one small function in the module of its principle (``findable``, ``accessible``,
``interoperable``, ``reusable``), registered in ``bridge.fair.model.INDICATORS`` with its RDA id, FAIR EVA
weight (Essential 20, Important 15, Useful 10), the F-UJI metrics it corresponds to, the evidence it reads
and its advice. A community adds a check by adding a decorated function. Evidence is gathered once per
subject (``bridge.fair.evidence`` offline, ``bridge.fair.online`` over HTTP); an indicator whose evidence
could not be fetched is ``indeterminate`` and left out of the totals, never scored 0. The JSON shape is in
``bridge.fair.report``.
"""

from __future__ import annotations

from bridge.fair.assess import assess, assess_path
from bridge.fair.model import INDICATORS, FairReport, Indicator, IndicatorResult, Outcome

__all__ = ["INDICATORS", "FairReport", "Indicator", "IndicatorResult", "Outcome", "assess", "assess_path"]
