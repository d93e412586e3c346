"""`bridge publish`: validate, derive the deposit key, reserve the DOI, deposit through a target, verify, receipt.

The order makes every step safe to repeat. The deposit key (metadata digest + file checksums) is looked up
remotely before anything is written, so an identical re-run, on this machine or a fresh CI runner, ends with
the existing item. The DOI is derived from the key and reserved as a draft before the deposit (so it is in
the deposited metadata), then published with the landing page only once the item is archived, read back and
every bitstream's MD5 matches the local one. The ledger records each step before and after it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.crosswalk import build_record, to_dspace
from bridge.doi import DoiClient, doi_for
from bridge.errors import BridgeError, ConfigError, RepositoryError, UsageError
from bridge.fsutil import check_output_path
from bridge.ledger import Ledger, open_ledger
from bridge.pid import check_doi, check_handle
from bridge.receipt import (
    assert_no_secrets,
    build_receipt,
    deposit_key,
    landing_url,
    metadata_digest,
    repository_urls,
    write_receipt,
)
from bridge.settings import Profile, Settings, ensure_home
from bridge.targets import (
    DEFAULT_TARGET,
    KEY_PREFIX,
    Deposited,
    DepositPlan,
    DepositTarget,
    Journal,
    Lookup,
    PlannedFile,
    TargetSpec,
    bitstream_names,
    check_limits,
    make_target,
    target_for,
    target_spec,
)
from bridge.validate import Validated, validate_artifact

KEY_FIELD = "dc.identifier.other"


def publish(
    path: Path,
    settings: Settings,
    *,
    profile: str | None = None,
    collection: str | None = None,
    doi: bool = False,
    new_version_of: str | None = None,
    dry_run: bool = False,
    target: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
    receipt_path: Path | None = None,
    validated: Validated | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Publish an artefact folder and return its receipt (also stored in the ledger and, if asked, a file).

    `validated` is a validation of `path` already made (its checksums are the ones the upload is checked
    against, so each file is read and hashed once); without it the folder is validated here, with ``kind``
    (--kind) naming the crosswalk when the folder's files do not.
    """
    if receipt_path is not None:
        check_output_path(receipt_path, "--receipt", create_folders=True)  # a deposit must not end unrecorded
    validated = validated or validate_artifact(path, settings, kind=kind)
    # Before anything is written: a deposit past the target's limits would be refused half-way.
    check_limits(target_for(settings, profile, target), [(f.path, f.size) for f in validated.artifact.files])
    if dry_run:
        receipt = plan_only(validated, settings, profile, collection, doi, new_version_of, target)
    else:
        ensure_home(settings)
        from bridge.embedded import resolve_repository

        with resolve_repository(settings, profile) as resolved:
            prof = resolved.profile
            name = target or prof.target
            doi_client = DoiClient(prof) if doi else None  # checks the DataCite settings before any write
            if confirm is not None and not prof.sandbox:
                plan = plan_only(validated, settings, profile, collection, doi, new_version_of, name, prof)
                if not confirm(plan):
                    raise BridgeError("publish cancelled: nothing was deposited")
            spool = settings.home / "spool"
            with open_ledger(settings) as ledger:
                chosen = make_target(prof, name, spool_dir=spool)
                try:
                    run = _Run(validated, prof, target_spec(name), chosen, ledger, doi_client, settings, progress)
                    receipt = run.publish(collection or prof.collection, new_version_of)
                finally:
                    chosen.close()
    if receipt_path is not None and not dry_run:  # a dry run writes nothing, not even the receipt file
        write_receipt(receipt_path, receipt)
    return receipt


def key_of(validated: Validated) -> tuple[str, str]:
    """Return (metadata digest, deposit key) of a validated artefact."""
    stable = validated.artifact.metadata.date_released is not None
    digest = metadata_digest(validated.record, year_is_stable=stable)
    return digest, deposit_key(digest, validated.artifact.files)


def planned_files(validated: Validated, spec: TargetSpec) -> list[PlannedFile]:
    """Return the files to deposit with their repository names (SWORD zips keep folders, REST does not)."""
    files = validated.artifact.files
    names = bitstream_names([f.path for f in files], keep_dirs=spec.capabilities.keeps_folders)
    root = validated.artifact.root
    return [
        PlannedFile(
            path=f.path,
            source=root / f.path,
            name=names[f.path],
            size=f.size,
            md5=f.md5.lower(),
            sha256=f.sha256,
            media_type=f.media_type,
        )
        for f in files
    ]


def version_relation(pid: str, previous: Deposited | None) -> dict[str, str]:
    """Return the IsNewVersionOf related identifier for the previous version (its DOI, else its Handle)."""
    if previous is not None:
        if previous.doi():
            return {
                "relatedIdentifier": str(previous.doi()),
                "relatedIdentifierType": "DOI",
                "relationType": "IsNewVersionOf",
            }
        if previous.handle:
            return {
                "relatedIdentifier": previous.handle,
                "relatedIdentifierType": "Handle",
                "relationType": "IsNewVersionOf",
            }
    for check, id_type in ((check_doi, "DOI"), (check_handle, "Handle")):
        try:
            return {"relatedIdentifier": check(pid), "relatedIdentifierType": id_type, "relationType": "IsNewVersionOf"}
        except ValueError:
            continue
    raise UsageError(
        f"--new-version-of {pid!r} is neither a DOI nor a Handle", hint="give e.g. 10261/123 or 10.20350/x"
    )


def deposit_record(validated: Validated, relation: dict[str, str] | None, **ids: Any) -> dict[str, Any]:
    """Return the DataCite record to deposit: the artefact's, with the given identifiers and version relation."""
    record = build_record(validated.artifact, validated.mapping, **ids)
    if relation and relation not in record.get("relatedIdentifiers", []):
        record.setdefault("relatedIdentifiers", []).append(relation)
    return record


def dspace_metadata(validated: Validated, record: dict[str, Any], key: str) -> dict[str, list[dict[str, Any]]]:
    """Return the DSpace metadata map with the deposit key in dc.identifier.other."""
    metadata = to_dspace(record, validated.mapping)
    values = metadata.setdefault(KEY_FIELD, [])
    values.append(
        {"value": KEY_PREFIX + key, "language": None, "authority": None, "confidence": -1, "place": len(values)}
    )
    return metadata


def plan_only(
    validated: Validated,
    settings: Settings,
    profile_name: str | None,
    collection: str | None,
    doi: bool,
    new_version_of: str | None,
    target: str | None,
    prof: Profile | None = None,
) -> dict[str, Any]:
    """Return what would be deposited where (the dry-run receipt); reads no network and writes nothing."""
    prof = prof or settings.profile(profile_name)
    spec = target_spec(target or (prof.target if prof else DEFAULT_TARGET))
    digest, key = key_of(validated)
    prefix = prof.doi_prefix if prof else settings.sandbox_doi_prefix
    doi_name = doi_for(prefix, key) if doi and prefix else None
    relation = version_relation(new_version_of, None) if new_version_of else None
    record = deposit_record(validated, relation, doi=doi_name)
    files = planned_files(validated, spec)
    md = validated.artifact.metadata
    return {
        "status": "dry-run",
        "profile": prof.name if prof else "sandbox",
        "target": spec.name,
        "sandbox": prof.sandbox if prof else True,
        "repository": repository_urls(prof),
        "collection": collection or (prof.collection if prof else None),
        "item_id": None,
        "handle": None,
        "handle_url": None,
        "doi": doi_name,
        "doi_url": f"https://doi.org/{doi_name}" if doi_name else None,
        "landing_url": None,
        "deposit_key": key,
        "metadata_digest": digest,
        "kind": md.kind,
        "title": md.title,
        "files": [
            {
                "name": f.name,
                "path": f.path,
                "size": f.size,
                "md5": f.md5,
                "sha256": f.sha256,
                "media_type": f.media_type,
            }
            for f in files
        ],
        "metadata": dspace_metadata(validated, record, key),
        "datacite": record,
        "new_version_of": new_version_of,
    }


def _rerun_hint(exc: BridgeError) -> str:
    """Say whether running again helps: not when the repository refused the deposit itself (a 4xx)."""
    status = exc.status if isinstance(exc, RepositoryError) else None
    if status is not None and 400 <= status < 500 and status not in (401, 403, 408, 409, 423, 429):
        return (
            "the repository refused the deposit as it is, so running the same command again will not help: "
            "change what the message names ('bridge validate --profile' checks the target's known limits)"
        )
    return "run the same command again: it resumes where it stopped"


class _Run:
    """One publish against one resolved target."""

    def __init__(
        self,
        validated: Validated,
        profile: Profile,
        spec: TargetSpec,
        target: DepositTarget,
        ledger: Ledger,
        doi_client: DoiClient | None,
        settings: Settings,
        progress: Callable[[str, int, int], None] | None,
    ) -> None:
        self.validated, self.profile, self.spec, self.target = validated, profile, spec, target
        self.ledger, self.doi_client, self.progress = ledger, doi_client, progress
        self.digest, self.key = key_of(validated)
        self.files = planned_files(validated, spec)
        self.journal = Journal(ledger, self.key, profile.name, crash_after=settings.crash_after)
        self.path = str(validated.artifact.root)
        self.warnings: list[str] = list(validated.artifact.warnings)

    def publish(self, collection: str | None, new_version_of: str | None) -> dict[str, Any]:
        try:
            return self._publish(collection, new_version_of)
        except BridgeError as exc:
            step = self.journal.current or "publish"
            self.journal.failed(step, exc.message)
            exc.message = f"publish failed at step {step!r}: {exc.message}"
            exc.args = (exc.message,)
            exc.hint = exc.hint or _rerun_hint(exc)
            raise

    def _publish(self, collection: str | None, new_version_of: str | None) -> dict[str, Any]:
        row = self.ledger.deposit(self.key, self.profile.name)
        if row and row["state"] == "published" and row.get("receipt") and row.get("item_id"):
            self.journal.current = "read-back"
            item = self.target.read_back(row["item_id"])
            if item is not None and item.archived:
                return self.finish(item, row["receipt"].get("doi"), "already-published", row["receipt"])
        self.journal.current = "lookup"
        found = self.target.find_existing(self.key)
        if isinstance(found, Deposited):
            in_flight = row is not None and row["state"] != "published"
            return self.finish(
                found, found.doi(), "published" if in_flight else "already-published", row and row.get("receipt")
            )
        relation = self.check_version(new_version_of)
        self.ledger.save_deposit(self.key, self.profile.name, target=self.spec.name, state="depositing", path=self.path)
        earlier_doi = self.journal.value("plan", "doi")
        if earlier_doi and self.doi_client is None:
            # A killed run already wrote this DOI into the draft: finish it rather than leave it dangling.
            self.doi_client = DoiClient(self.profile)
            self.warnings.append(f"finishing DOI {earlier_doi}, reserved by an earlier run of this deposit")
        doi_name = self.doi_client.doi_for(self.key) if self.doi_client else None
        # What only this run knows, for a later run that finishes the deposit after a crash.
        self.journal.done("plan", new_version_of=new_version_of, relation=relation, doi=doi_name)
        record = deposit_record(self.validated, relation, doi=doi_name)
        if self.doi_client and doi_name:
            self.journal.started("doi-reserve", doi=doi_name)
            state = self.doi_client.reserve(record)
            self.journal.done("doi-reserve", doi=doi_name, state=state.state)
        plan = DepositPlan(
            deposit_key=self.key,
            title=self.validated.artifact.metadata.title,
            collection=collection,
            metadata=dspace_metadata(self.validated, record, self.key),
            record=record,
            files=self.files,
            doi=doi_name,
        )
        item = self.target.deposit(plan, self.journal, self.progress)
        self.ledger.save_deposit(
            self.key, self.profile.name, state="deposited", item_id=item.item_id, handle=item.handle
        )
        return self.finish(item, doi_name, "published", None, relation=relation, new_version_of=new_version_of)

    def check_version(self, new_version_of: str | None) -> dict[str, str] | None:
        """Refuse changed content under a title already deposited, unless it is declared a new version."""
        title = self.validated.artifact.metadata.title
        if new_version_of:
            self.journal.current = "resolve-previous-version"
            previous = self.target.resolve(new_version_of)
            if previous is Lookup.ABSENT:
                raise UsageError(
                    f"--new-version-of {new_version_of}: the repository has no such item",
                    hint="give the handle or DOI of the previous version as the repository shows it",
                )
            return version_relation(new_version_of, previous if isinstance(previous, Deposited) else None)
        self.journal.current = "lookup"
        clashes = [
            d.handle or d.item_id for d in self.target.find_same_title(title) if self.key not in d.deposit_keys()
        ]
        for row in self.ledger.deposits(self.profile.name):
            receipt = row.get("receipt") or {}
            if row["deposit_key"] != self.key and receipt.get("title") == title and receipt.get("handle"):
                clashes.append(receipt["handle"])
        if clashes:
            handles = sorted(set(clashes))
            raise UsageError(
                f"an item titled {title!r} with different content is already deposited ({', '.join(handles)})",
                hint=f"publish it as a new version with --new-version-of {handles[0]}, or change the title",
            )
        return None

    def verify_files(self, item: Deposited) -> None:
        """Require every bitstream's MD5 (and size) to equal the local file's; anything else is an error."""
        self.journal.current = "verify-checksums"
        remote = {f.name: f for f in item.files}
        problems = []
        for planned in self.files:
            got = remote.pop(planned.name, None)
            if got is None:
                problems.append(f"{planned.name} is missing")
            elif (got.md5 or "").lower() != planned.md5 or (got.size is not None and got.size != planned.size):
                problems.append(
                    f"{planned.name}: repository MD5 {got.md5} ({got.size} bytes), "
                    f"local {planned.md5} ({planned.size} bytes)"
                )
        problems.extend(f"{name} is not part of the artefact" for name in remote)
        if problems:
            raise RepositoryError(
                f"item {item.handle or item.item_id} does not hold the artefact's files: {'; '.join(problems)}",
                hint="the item was not reported as published; compare the folder with the repository, then run again",
            )

    def finish(
        self,
        item: Deposited,
        doi_name: str | None,
        status: str,
        previous_receipt: dict[str, Any] | None,
        *,
        relation: dict[str, str] | None = None,
        new_version_of: str | None = None,
    ) -> dict[str, Any]:
        """Verify the files, publish the DOI if it is not yet findable at the landing page, write the receipt."""
        self.verify_files(item)
        if relation is None:
            relation, earlier = self.earlier_version(previous_receipt)
            new_version_of = new_version_of or earlier
        landing = landing_url(self.profile, item)
        record = deposit_record(self.validated, relation, doi=doi_name, landing_url=landing, handle=item.handle)
        if doi_name:
            self.publish_doi(record, landing, item.handle)
            if relation and relation["relatedIdentifierType"] == "DOI":
                self.link_previous(relation["relatedIdentifier"], doi_name)
        elif self.doi_client is not None:
            self.warnings.append("the item was deposited earlier without a DOI; none was added")
        receipt = build_receipt(
            status=status,
            profile=self.profile,
            target=self.spec.name,
            item=item,
            planned=self.files,
            record=record,
            digest=self.digest,
            key=self.key,
            kind=self.validated.artifact.metadata.kind,
            title=self.validated.artifact.metadata.title,
            doi=doi_name,
            new_version_of=new_version_of,
            created=(previous_receipt or {}).get("created"),
            extra={"warnings": self.warnings} if self.warnings else None,
        )
        assert_no_secrets(receipt, self.profile)
        stored = dict(receipt, status="published")
        self.ledger.save_deposit(
            self.key,
            self.profile.name,
            target=self.spec.name,
            state="published",
            item_id=item.item_id,
            handle=item.handle,
            doi=doi_name,
            receipt=stored,
        )
        self.journal.current = None
        return receipt

    def earlier_version(self, receipt: dict[str, Any] | None) -> tuple[dict[str, str] | None, str | None]:
        """Return the version relation an earlier run deposited: from its plan record, else its receipt."""
        plan = self.journal.last("plan")
        if plan is not None and plan["status"] == "done" and plan["detail"].get("relation"):
            return plan["detail"]["relation"], plan["detail"].get("new_version_of")
        for related in ((receipt or {}).get("datacite") or {}).get("relatedIdentifiers", []):
            if related.get("relationType") == "IsNewVersionOf":
                return related, (receipt or {}).get("new_version_of")
        return None, None

    def link_previous(self, previous_doi: str, doi_name: str) -> None:
        """Add IsPreviousVersionOf <new DOI> to the previous version's DOI (best effort: a warning if refused)."""
        client = self.doi_client
        if client is None:
            return
        link = {"relatedIdentifier": doi_name, "relatedIdentifierType": "DOI", "relationType": "IsPreviousVersionOf"}
        try:
            self.journal.started("doi-link-previous", doi=previous_doi)
            client.add_related(previous_doi, link)
            self.journal.done("doi-link-previous", doi=previous_doi)
        except BridgeError as exc:
            self.journal.failed("doi-link-previous", exc.message)
            self.warnings.append(f"the previous version's DOI {previous_doi} was not linked to this one: {exc.message}")

    def publish_doi(self, record: dict[str, Any], landing: str, handle: str | None) -> None:
        client = self.doi_client
        if client is None:
            try:
                client = DoiClient(self.profile)
            except ConfigError:
                self.warnings.append(f"DOI {record['doi']} not checked: the profile has no DataCite credentials")
                return
        current = client.get(record["doi"])
        if current is not None and current.state == "findable" and current.url == landing:
            return
        # The same handle at another base URL is this item moved (or the embedded sandbox on another port).
        shown = str(current.url or "").rstrip("/") if current is not None else ""
        moved = bool(handle) and shown.endswith(f"/handle/{handle}")
        if current is not None and current.state == "findable" and current.url not in (None, landing) and not moved:
            raise RepositoryError(
                f"DOI {record['doi']} is already findable at {current.url}, not at this item's {landing}",
                hint="two repositories share one DataCite prefix; give each profile its own prefix",
            )
        self.journal.started("doi-publish", doi=record["doi"], url=landing)
        state = client.publish(record, landing)
        self.journal.done("doi-publish", doi=record["doi"], state=state.state)
