"""`bridge verify --fair`: a FAIR check per subject in verify's run, failing on an Essential failure or a regression.

The check shares verify's fetcher (its cache makes the Handle API and landing-page requests free) and writes one
result per subject: ``fair`` passed/failed with a detail such as ``FAIR 96.8% (baseline 97.2%); Essential 20/20``.
A regression is a score below the subject's baseline, the score of its latest passing ``fair`` result in the
profile's earlier runs; verify's history then reports it as newly broken, and as fixed once the score is back.
"""

from __future__ import annotations

import re
import time
from typing import Any

from bridge.fair.assess import assess
from bridge.fair.batch import deposited_md5
from bridge.fair.online import Gatherer
from bridge.ledger import open_ledger
from bridge.settings import Settings
from bridge.verify.checklist import Check
from bridge.verify.history import LOOKBACK_RUNS
from bridge.verify.model import Result, VerifySubject

CHECK_ID = "fair"
TOLERANCE = 0.5  # points of the weighted score: rounding noise, not a regression
_SCORE = re.compile(r"^FAIR (\d+(?:\.\d+)?)%")


def baselines(settings: Settings, profile: str) -> dict[str, float]:
    """Return each PID's score in its latest passing `fair` result of the profile's earlier verify runs."""
    with open_ledger(settings) as ledger:
        ids = ledger.verify_run_ids(profile, 1 << 62, LOOKBACK_RUNS)
        out: dict[str, float] = {}
        for row in ledger.verify_results(ids):  # newest run first
            if row["check_name"] != CHECK_ID or row["status"] != "passed" or row["pid"] in out:
                continue
            match = _SCORE.match(str((row.get("detail") or {}).get("detail") or ""))
            if match:
                out[row["pid"]] = float(match.group(1))
        return out


def fair_check(settings: Settings, *, phase: int = 3) -> Check:
    """Return the `fair` verify check (register it for one run with ``CHECKS.registered``)."""
    state: dict[Any, Any] = {}  # "baselines", and one Gatherer per fetcher by id()

    async def run(ctx: Any, subject: VerifySubject, earlier: list[Result]) -> Result:
        started = time.perf_counter()
        if "baselines" not in state:
            state["baselines"] = baselines(settings, ctx.profile.name)
        gatherer = state.get(id(ctx.fetcher)) or Gatherer(ctx.fetcher, ctx.profile)
        state[id(ctx.fetcher)] = gatherer
        ev = await gatherer.gather(
            subject.pid,
            handle=subject.handle,
            doi=subject.doi,
            landing=subject.landing_url,
            md5s=deposited_md5(subject.receipt),
        )
        report = assess(ev)
        e, score = report.essential(), report.score
        before = state["baselines"].get(subject.pid)
        dropped = score is not None and before is not None and score < before - TOLERANCE
        failing = [r.indicator.id for r in report.results if r.status == "fail"]
        detail = f"FAIR {score:.1f}%" if score is not None else "FAIR n/a"
        if before is not None:
            detail += f" (baseline {before:.1f}%)"
        detail += f"; Essential {e['passed']}/{e['total']}"
        if failing:
            detail += f"; failing: {', '.join(failing)}"
        if dropped:
            detail += "; the score dropped"
        ok = report.ok and not dropped
        return Result(
            subject.pid,
            CHECK_ID,
            "passed" if ok else "failed",
            detail,
            ev.landing_url,
            seconds=time.perf_counter() - started,
            subject=subject.origin,
        )

    return Check(CHECK_ID, run, phase=phase)
