"""The verify check table: a new check is one registered function, and the standard ones keep report order."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.ledger import Ledger
from bridge.verify import CHECK_TABLE, CHECKS, Check, Options, Result, VerifySubject, verify_profile
from bridge.verify.checklist import check
from bridge.verify.http_checks import Context


def test_standard_checks_in_report_order() -> None:
    assert CHECKS == ("handle", "doi", "datacite", "landing", "oai_dc", "oai_datacite", "checksums")
    assert CHECK_TABLE["datacite"].origins == ("deposit", "pid")  # harvested DOIs are not compared
    assert CHECK_TABLE["landing"].phase > CHECK_TABLE["handle"].phase


def test_applies_to_subjects_that_have_what_it_needs() -> None:
    entry = CHECK_TABLE["checksums"]
    assert entry.applies(VerifySubject("deposit", handle="1/2", receipt={}))
    assert not entry.applies(VerifySubject("harvested", handle="1/2"))


def test_a_registered_function_runs_for_every_subject_it_applies_to(tmp_path: Path) -> None:
    """Register a check from this test module only, verify PIDs of a real sandbox, and see its results."""
    from bridge.embedded import sandbox_profile
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.seed import seed_store
    from bridge.sandbox.server import running_sandbox

    seen: list[tuple[str, list[str]]] = []

    async def title_case(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
        seen.append((subject.pid, [r.check for r in earlier]))
        ok = ctx.profile.sandbox
        return Result(subject.pid, "extra", "passed" if ok else "failed", "ran", subject=subject.origin)

    extra = Check("extra", title_case, needs=("handle",), phase=3)
    config = SandboxConfig(data_dir=tmp_path / "sandbox")
    with (
        running_sandbox(config, env={}) as sandbox,
        Ledger(tmp_path / "ledger.sqlite") as ledger,
        CHECK_TABLE.registered(extra),
    ):
        seed_store(sandbox.store, 3, seed=1)
        handles = [r["handle"] for r in sandbox.store.query("SELECT handle FROM item WHERE in_archive = 1")]
        report = verify_profile(sandbox_profile(sandbox), ledger, Options(pids=handles, store=False))
    assert "extra" not in CHECK_TABLE  # the table is restored
    extras = [r for r in report.results if r.check == "extra"]
    assert sorted(r.pid for r in extras) == sorted(handles) and all(r.status == "passed" for r in extras)
    # a later phase sees what the earlier phases found for the same subject
    assert all(checks == ["handle", "landing"] for _, checks in seen)
    assert report.sorted()[-1].check == "extra"  # registered last, so reported last


def test_a_duplicate_check_id_is_refused() -> None:
    with pytest.raises(ValueError, match="verify check 'handle' is already registered"):

        @check("handle")
        async def again(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
            return None
