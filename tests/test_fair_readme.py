"""The README's FAIR tables are what `bridge fair` says of the demo artefacts, before publishing and after."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bridge.fair import assess_path
from bridge.fair.online import FairOptions, assess_many
from bridge.fair.report import render_before_after
from bridge.publish import publish
from bridge.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_shows_the_current_tables(sandbox, sandbox_settings: Settings, fixtures_dir: Path) -> None:
    profile = sandbox_settings.profile()
    text = README.read_text(encoding="utf-8")
    for name, doi in (("plant-classifier", True), ("monitoring-logs", False)):
        before = assess_path(fixtures_dir / name, sandbox_settings)
        receipt = publish(fixtures_dir / name, sandbox_settings, doi=doi)
        (after,), _ = asyncio.run(assess_many(profile, [(receipt["doi"] or receipt["handle"], {})], FairOptions()))
        table = render_before_after(name, before, after)
        assert table in text, f"the README's table of {name} is out of date; it should read:\n{table}"
        assert before.score >= 90 and after.essential()["failed"] == 0
