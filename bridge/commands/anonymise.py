"""`bridge anonymise SRC DEST`: write an anonymised copy that passes the privacy gate, with its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bridge.commands.output import emit_json, out_console, run

KEY_NAME = "anonymise.key"


def register(app: typer.Typer) -> None:
    app.command("anonymise")(anonymise)


def anonymise(
    src: Annotated[Path, typer.Argument(help="The artefact folder to anonymise (left unchanged).")],
    dest: Annotated[Path, typer.Argument(help="The new folder for the anonymised copy (must not exist or be empty).")],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help=f"The secret key (created, mode 0600, if missing); kept outside SRC and DEST. "
            f"Default: {KEY_NAME} in BRIDGE_HOME.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
) -> None:
    """Replace addresses (Crypto-PAn), e-mails, user names, home directories and MACs (HMAC) by keyed pseudonyms."""
    from bridge.privacy.anonymise import anonymise as run_anonymise
    from bridge.privacy.gate import REPORT_NAME
    from bridge.settings import ensure_home, load_settings

    def work() -> None:
        key = key_file if key_file is not None else ensure_home(load_settings()) / KEY_NAME
        done = run_anonymise(src, dest, key)
        if as_json:
            emit_json({**done.report, "dest": str(done.dest), "key_file": str(done.key_file),
                       "key_created": done.key_created, "methods_merged": done.methods_merged,
                       "skipped_links": done.skipped})  # fmt: skip
            return
        counts = ", ".join(f"{kind} {n}" for kind, n in done.report["counts"].items()) or "no personal data found"
        out_console.print(f"anonymised {src} -> {done.dest}: {counts}", markup=False)
        out_console.print(f"  {len(done.report['files'])} file(s); report {done.dest / REPORT_NAME}", markup=False)
        created = " (created; keep it safe and outside the data)" if done.key_created else ""
        out_console.print(f"  key {done.key_file}{created}, fingerprint {done.report['key_fingerprint']}", markup=False)
        if done.methods_merged:
            out_console.print("  the methods text was appended to methods in publish.yaml", markup=False)
        else:
            out_console.print("  no publish.yaml: copy 'methods' from the report into your metadata", markup=False)
        for link in done.skipped:
            out_console.print(f"  skipped symbolic link {link}", markup=False)

    run(work)
