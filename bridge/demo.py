"""`bridge demo`: the whole publish → harvest → verify loop on the embedded sandbox, for a newcomer.

It starts the sandbox with its data under BRIDGE_HOME (so everything can be looked at afterwards with
``bridge sandbox serve``, ``bridge records`` and ``bridge verify``), publishes the two example artefacts
(the model weights with a DOI, the anonymised logs with a Handle only), harvests them back over OAI-PMH in
oai_dc and oai_datacite, and verifies their PIDs. A configured profile is never used: the demo only ever
writes to the local sandbox. Running it again is harmless: publishing is idempotent (already-published).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.errors import ConfigError
from bridge.resources import demo_dir
from bridge.settings import Settings, ensure_home

# (fixture folder, reserve a DOI)
ARTEFACTS = (("plant-classifier", True), ("monitoring-logs", False))
HARVEST_PREFIXES = ("oai_dc", "oai_datacite")
Say = Callable[[str], None]


def fixtures_folder(fixtures: Path | None = None) -> Path:
    """Return the folder holding the demo artefacts, or raise with where they were looked for."""
    folder = fixtures or demo_dir()
    missing = [name for name, _ in ARTEFACTS if not (folder / name).is_dir()]
    if missing:
        raise ConfigError(
            f"the demo artefacts {', '.join(missing)} are not in {folder}",
            hint="reinstall oai-bridge (its wheel carries the demo artefacts), or give --fixtures <folder>",
        )
    return folder


def run_demo(settings: Settings, *, fixtures: Path | None = None, say: Say | None = None) -> dict[str, Any]:
    """Publish, harvest and verify the example artefacts on the embedded sandbox; return what happened."""
    from bridge.embedded import resolve_repository
    from bridge.fair import assess_path
    from bridge.ledger import open_ledger
    from bridge.publish import publish
    from bridge.validate import validate_artifact
    from bridge.verify import Options, verify_profile

    started = time.perf_counter()
    say = say or (lambda _: None)
    folder = fixtures_folder(fixtures)
    ensure_home(settings)
    receipts_dir = settings.home / "demo"
    embedded = settings.model_copy(update={"profiles": {}, "default_profile": None})
    with resolve_repository(embedded, None) as repository:
        profile = repository.profile
        base = profile.landing_base or ""
        say(f"sandbox repository running at {base} (data in {settings.sandbox_dir})")
        # The running sandbox as a profile, so publish, harvest and verify all talk to this one server.
        here = settings.model_copy(update={"profiles": {profile.name: profile}, "default_profile": profile.name})
        published = []
        fair_before = {}
        for name, with_doi in ARTEFACTS:
            validated = validate_artifact(folder / name, settings)  # once, for the FAIR check and the deposit
            fair_before[name] = assess_path(folder / name, settings, validated=validated)
            say(f"{name}: FAIR {fair_before[name].score:.1f}% before publishing (bridge fair {name})")
            say(f"publishing {name}" + (" with a DOI" if with_doi else ""))
            receipt_path = receipts_dir / f"{name}.receipt.json"
            receipt = publish(
                folder / name, here, profile=profile.name, doi=with_doi, receipt_path=receipt_path, validated=validated
            )
            published.append(_summary(name, receipt, receipt_path))
            say(
                f"  {receipt['status']}: Handle {receipt['handle']}"
                + (f", DOI {receipt['doi']}" if receipt.get("doi") else "")
            )
        harvests = _harvest(here, profile.oai_url or "", say)
        with open_ledger(settings) as ledger:
            say("verifying the PIDs, landing pages, harvested metadata and checksums")
            handles = [p["handle"] for p in published if p["handle"]]
            report = verify_profile(profile, ledger, Options(pids=handles), mapping_dirs=settings.mappings_dirs)
        say("assessing FAIRness of the published records (bridge fair <PID>)")
        fair = _fair(profile, published, fair_before)
        urls = repository.running.urls if repository.running is not None else {}
    return {
        "sandbox": {"urls": urls, "data_dir": str(settings.sandbox_dir), "profile": profile.name},
        "published": published,
        "harvest": harvests,
        "verify": report.as_dict(),
        "fair": fair,
        "ledger": str(settings.ledger_path),
        "receipts_dir": str(receipts_dir),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _fair(profile: Any, published: list[dict[str, Any]], before: dict[str, Any]) -> list[dict[str, Any]]:
    """Assess each published record by its DOI (else Handle); pair it with the score before publishing."""
    import asyncio

    from bridge.fair.online import FairOptions, assess_many

    subjects = [
        (p["doi"] or p["handle"], {"handle": p["handle"], "doi": p["doi"], "landing": p["landing_url"]})
        for p in published
    ]
    reports, _ = asyncio.run(assess_many(profile, subjects, FairOptions()))
    return [
        {
            "artefact": p["artefact"],
            "pid": pid,
            "before": before[p["artefact"]].score,
            "after": r.score,
            "essential_before": before[p["artefact"]].essential(),
            "essential_after": r.essential(),
            "failing_after": [x.indicator.id for x in r.results if x.status == "fail"],
        }
        for p, (pid, _), r in zip(published, subjects, reports, strict=True)
    ]


def _summary(name: str, receipt: dict[str, Any], receipt_path: Path) -> dict[str, Any]:
    return {
        "artefact": name,
        "status": receipt.get("status"),
        "title": receipt.get("title"),
        "handle": receipt.get("handle"),
        "handle_url": receipt.get("handle_url"),
        "doi": receipt.get("doi"),
        "landing_url": receipt.get("landing_url"),
        "files": len(receipt.get("files") or []),
        "receipt": str(receipt_path),
    }


def _harvest(settings: Settings, endpoint: str, say: Say) -> list[dict[str, Any]]:
    """Harvest the running sandbox's OAI-PMH endpoint in each demo prefix, as `bridge harvest --endpoint` does."""
    from bridge.harvest import HarvestOptions, harvest

    summary = harvest(settings, HarvestOptions(prefixes=HARVEST_PREFIXES), endpoint=endpoint)
    for stats in summary.scopes:
        say(
            f"harvested {stats.records} record(s) in {stats.prefix} from {endpoint}"
            + (f" ({'; '.join(stats.errors)})" if stats.errors else "")
        )
    return [stats.as_dict() for stats in summary.scopes]
