"""Offline commands: validate an artefact, map it to a metadata format, list the crosswalks."""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from bridge.commands.output import emit_json, err_console, human_size, out_console, run
from bridge.commands.publish import TargetChoice
from bridge.errors import MetadataError
from bridge.fsutil import check_output_path, write_atomic


class OutputFormat(enum.StrEnum):
    """The renderings `bridge map --to` produces."""

    datacite_xml = "datacite-xml"
    datacite_json = "datacite-json"
    oai_dc = "oai_dc"
    oai_datacite = "oai_datacite"
    dspace = "dspace"


KindOption = Annotated[
    str | None,
    typer.Option("--kind", help="The crosswalk (see 'bridge mappings') when no publish.yaml says it; wins over files."),
]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("validate")(validate)
    app.command("map")(map_artifact)
    app.command("mappings")(mappings)


def init(
    path: Annotated[Path, typer.Argument(help="The artefact folder.")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="The crosswalk (see 'bridge mappings'); needed unless a model card.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was written as JSON.")] = False,
) -> None:
    """Write a commented publish.yaml pre-filled from the folder's metadata files, marking what you must decide."""
    from bridge.init import init_folder
    from bridge.settings import load_settings

    def work() -> None:
        result = init_folder(path, load_settings(), kind=kind)
        if as_json:
            emit_json(result.as_dict())
            return
        said = ", ".join(result.sources) or "no other metadata file"
        out_console.print(f"wrote {result.path} (kind {result.kind}) from {said}", markup=False)
        out_console.print(f"  decide: {', '.join(result.decide)} (lines marked DECIDE), then: bridge validate {path}")

    run(work)


def validate(
    path: Annotated[Path, typer.Argument(help="The artefact folder (data files plus metadata files).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")] = False,
    kind: KindOption = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Check the limits of this profile's target too (default: the default one)."),
    ] = None,
    target: Annotated[
        TargetChoice | None, typer.Option("--target", help="Check the limits of this deposit protocol instead.")
    ] = None,
) -> None:
    """Check an artefact offline: metadata, files, privacy gate, the DataCite record and the target's limits."""
    from bridge.settings import load_settings
    from bridge.targets import check_limits, target_for
    from bridge.validate import validate_artifact

    def work() -> None:
        settings = load_settings()
        try:
            result = validate_artifact(path, settings, kind=kind)
            spec = target_for(settings, profile, target.value if target else None)
            check_limits(spec, [(f.path, f.size) for f in result.artifact.files])
        except MetadataError as exc:
            if as_json:
                emit_json({"valid": False, "path": str(path), "problems": [p.as_dict() for p in exc.problems]})
            raise
        limits = {k: v for k, v in dataclasses.asdict(spec.capabilities.limits).items() if v is not None}
        if as_json:
            emit_json({**result.report(), "target": {"name": spec.name, "limits": limits}})
            return
        md, files = result.artifact.metadata, result.artifact.files
        size = sum(f.size for f in files)
        what = f"{escape(str(path))}: {result.mapping.name} artefact “{escape(md.title)}”"
        out_console.print(f"[green]valid[/green] {what}")
        out_console.print(f"  metadata from {', '.join(result.artifact.sources)}", markup=False)
        out_console.print(f"  {len(files)} file(s), {human_size(size)}")
        for f in files:
            extra = f", {f.tensors} tensors, {f.parameters:,} parameters" if f.tensors is not None else ""
            out_console.print(f"    {f.path}  {human_size(f.size)}  {f.media_type}{extra}  md5 {f.md5}", markup=False)
        if result.mapping.privacy_gate:
            n, p = len(result.allowed_findings), sum(result.pseudonyms.values())
            note = f"{n} finding(s) allowed by privacy_exception" if n else "clean"
            if p:
                note += f"; {p} pseudonymised address(es) written by bridge anonymise"
            out_console.print(f"  privacy gate: {note}")
        shown = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in limits.items()) or "none known"
        out_console.print(f"  within the limits of the {spec.name} target ({shown})", markup=False)
        for warning in result.warnings:
            err_console.print(f"  warning: {warning}", markup=False)

    run(work)


def map_artifact(
    path: Annotated[Path, typer.Argument(help="The artefact folder.")],
    to: Annotated[OutputFormat, typer.Option("--to", help="The rendering to produce.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    kind: KindOption = None,
) -> None:
    """Render an artefact's metadata as DataCite XML/JSON, oai_dc, oai_datacite or a DSpace metadata map."""
    from bridge.crosswalk import to_datacite_json, to_datacite_xml, to_dspace, to_oai_datacite, to_oai_dc
    from bridge.settings import load_settings
    from bridge.validate import validate_artifact

    def work() -> None:
        if output is not None:
            check_output_path(output, "--output")
        result = validate_artifact(path, load_settings(), kind=kind)
        record, mapping = result.record, result.mapping
        data: bytes
        # Before publication there is usually no DOI yet: render the "(:tba)" preview identifier.
        preview = "doi" not in record
        if to is OutputFormat.datacite_xml:
            data = to_datacite_xml(record, preview=preview)
        elif to is OutputFormat.oai_datacite:
            data = to_oai_datacite(record, preview=preview)
        elif to is OutputFormat.oai_dc:
            data = to_oai_dc(record, mapping)
        elif to is OutputFormat.datacite_json:
            data = _json_bytes(to_datacite_json(record))
        else:
            data = _json_bytes(to_dspace(record, mapping))
        if output is None:
            typer.echo(data.decode("utf-8"), nl=not data.endswith(b"\n"))
        else:
            write_atomic(output, data, what="the rendering", hint="choose another --output path")

    run(work)


def mappings(
    as_json: Annotated[bool, typer.Option("--json", help="Print the crosswalks as JSON.")] = False,
) -> None:
    """List the crosswalks (one per use case) and where each comes from."""
    from rich.table import Table

    from bridge.crosswalk import list_mappings
    from bridge.settings import load_settings

    def work() -> None:
        found = list_mappings(load_settings().mappings_dirs)
        rows: list[dict[str, Any]] = [
            {
                "name": m.name,
                "title": m.title,
                "resource_type_general": m.resource_type_general,
                "resource_type": m.resource_type,
                "privacy_gate": m.privacy_gate,
                "file": str(m.source) if getattr(m, "source", None) else None,
            }
            for m in found
        ]
        if as_json:
            emit_json(rows)
            return
        table = Table()
        table.add_column("kind", no_wrap=True)
        table.add_column("resourceTypeGeneral", no_wrap=True)
        table.add_column("title")
        table.add_column("privacy gate")
        for r in rows:
            table.add_row(r["name"], r["resource_type_general"], r["title"], "yes" if r["privacy_gate"] else "")
        out_console.print(table)
        dirs = sorted({str(Path(r["file"]).parent) for r in rows if r["file"]})
        out_console.print(f"from {', '.join(dirs)}", markup=False)

    run(work)


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
