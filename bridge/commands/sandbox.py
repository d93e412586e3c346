"""`bridge sandbox serve|seed`: run the local Digital.CSIC-style repository and fill it with test items."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bridge.commands.output import emit_json, err_console, out_console, run
from bridge.commands.progress import progress_bar
from bridge.errors import ConfigError
from bridge.fsutil import write_atomic
from bridge.settings import Settings, load_settings

if TYPE_CHECKING:
    from bridge.sandbox.app import Sandbox

DATA_HELP = "The sandbox's data folder (SQLite store, files, credentials). Default: BRIDGE_HOME/sandbox."
URL_LABELS = (
    ("rest", "DSpace REST"),
    ("sword_service_document", "SWORD v2"),
    ("oai", "OAI-PMH"),
    ("handle_api", "Handle API"),
    ("doi_api", "DataCite API"),
    ("doi_resolver_api", "DOI resolver API"),
    ("landing_base", "landing pages"),
)


def register(app: typer.Typer) -> None:
    sandbox = typer.Typer(
        name="sandbox",
        help="Run the local sandbox repository (DSpace REST, SWORD v2, OAI-PMH, Handle, DataCite) and seed it.",
        no_args_is_help=True,
    )
    sandbox.command("serve")(serve)
    sandbox.command("seed")(seed)
    app.add_typer(sandbox)


def serve(
    host: Annotated[str, typer.Option(help="Loopback address to listen on (never anything else).")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="Port to listen on; 0 picks a free one. Default: BRIDGE_SANDBOX_PORT, else 8765."
        ),
    ] = None,
    data: Annotated[Path | None, typer.Option("--data", help=DATA_HELP)] = None,
    faults: Annotated[
        str | None,
        typer.Option(
            help="Inject faults, e.g. 503=0.1,slow=0.05:2s,truncate=0.02,reset=0.01,oai:expire-tokens=50 "
            "(grammar in bridge/sandbox/faults.py). Default: BRIDGE_SANDBOX_FAULTS.",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault decisions, for reproducible runs.")] = None,
    oai_lag: Annotated[float, typer.Option(min=0, help="Seconds before new or changed items show in OAI-PMH.")] = 0.0,
    page_size: Annotated[
        int | None,
        typer.Option(min=1, help="OAI-PMH records per page. Default: BRIDGE_SANDBOX_PAGE_SIZE, else 100."),
    ] = None,
    doi_prefix: Annotated[
        str | None,
        typer.Option(
            help="DOI prefix of the sandbox's DataCite API. Default: BRIDGE_SANDBOX_DOI_PREFIX, else 10.5072."
        ),
    ] = None,
    profile_out: Annotated[
        Path | None,
        typer.Option(help="Write (or update) this bridge.toml with a profile holding every URL of this server."),
    ] = None,
    profile_name: Annotated[str, typer.Option(help="Name of the profile --profile-out writes.")] = "local",
    as_json: Annotated[bool, typer.Option("--json", help="Print the URLs as one JSON document on stdout.")] = False,
) -> None:
    """Run the sandbox repository in the foreground until Ctrl+C; print its base URLs on start.

    Accounts come from BRIDGE_SANDBOX_ADMIN_EMAIL / _PASSWORD and BRIDGE_SANDBOX_SUBMITTER_EMAIL / _PASSWORD.

    A password not set there is generated once and kept in the data folder (mode 0600); only its place is printed.
    """
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.faults import FaultInjector
    from bridge.sandbox.server import serve_forever

    def work() -> None:
        settings = load_settings()
        data_dir = _data_dir(data, settings)
        fault_spec = faults if faults is not None else settings.sandbox_faults
        fault_seed = seed
        if fault_spec:  # parse now: a bad spec is a usage error before anything listens
            fault_seed = FaultInjector.from_spec(fault_spec, seed).seed
        config = SandboxConfig(
            data_dir=data_dir,
            host=host,
            port=settings.sandbox_port if port is None else port,
            page_size=page_size or settings.sandbox_page_size,
            doi_prefix=doi_prefix or settings.sandbox_doi_prefix,
            faults=fault_spec or None,
            seed=fault_seed,
            oai_lag=oai_lag,
        )

        def started(sandbox: Sandbox) -> None:
            profile = write_profile(profile_out, profile_name, sandbox) if profile_out else None
            _announce(sandbox, profile_out, profile_name if profile else None, as_json)

        try:
            serve_forever(config, env=dict(settings.env), on_start=started)
        except KeyboardInterrupt:
            err_console.print("sandbox stopped")

    run(work)


def seed(
    items: Annotated[int, typer.Option(min=1, help="How many items to create.")],
    data: Annotated[Path | None, typer.Option("--data", help=DATA_HELP)] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; the same seed and store give the same items.")] = None,
    files: Annotated[
        float, typer.Option(min=0, max=1, help="Share of items that get a small ORIGINAL file (files are slow).")
    ] = 0.0,
    doi_prefix: Annotated[
        str | None,
        typer.Option(help="Prefix of the items' dc.identifier.doi. Default: BRIDGE_SANDBOX_DOI_PREFIX, else 10.5072."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Create many realistic items (several collections, spread datestamps, some withdrawn) in the sandbox store."""
    from bridge.sandbox.seed import seed_folder

    def work() -> None:
        settings = load_settings()
        data_dir = _data_dir(data, settings)
        with progress_bar("seed", "items", as_json=as_json, quiet=quiet) as bar:
            report = seed_folder(
                data_dir,
                items,
                seed=seed,
                files=files,
                doi_prefix=doi_prefix or settings.sandbox_doi_prefix,
                progress=bar.update if bar.enabled else None,
            )
        if as_json:
            emit_json({"data_dir": str(data_dir), **report.as_dict()})
            return
        out_console.print(
            f"[green]seeded[/green] {report.items:,} items {report.first_handle} … {report.last_handle} "
            f"in {report.seconds:.1f} s ({report.items_per_second:,.0f} items/s)"
        )
        out_console.print(
            f"  withdrawn {report.withdrawn:,}, undiscoverable {report.undiscoverable:,}, "
            f"with DOI {report.with_doi:,}, with a file {report.files:,}"
        )
        out_console.print(f"  collections {', '.join(report.collections)}; seed {report.seed}")
        out_console.print(f"  data folder {data_dir}", markup=False)

    run(work)


def _data_dir(data: Path | None, settings: Settings) -> Path:
    return (data or settings.sandbox_data_dir).expanduser().resolve()


def profile_for(sandbox: Sandbox) -> dict[str, Any]:
    """Return the bridge.toml profile (no secrets) that points every client setting at this sandbox."""
    urls = sandbox.urls
    collections = sandbox.store.collections()
    default = min(collections, key=lambda c: int(c["handle"].rsplit("/", 1)[1]))["handle"] if collections else None
    profile: dict[str, Any] = {
        "kind": "dspace7",
        "rest_url": urls["rest"],
        "sword_url": urls["sword"],
        "oai_url": urls["oai"],
        "handle_api": urls["handle_api"],
        "handle_resolver": urls["handle_resolver"],
        "doi_api": urls["doi_api"],
        "doi_resolver_api": urls["doi_resolver_api"],
        "doi_prefix": sandbox.config.doi_prefix,
        "collection": default,
        "landing_base": urls["landing_base"],
        "sandbox": True,
    }
    return {k: v for k, v in profile.items() if v is not None}


def write_profile(path: Path, name: str, sandbox: Sandbox) -> dict[str, Any]:
    """Add or update profile `name` in the TOML file at `path`, keeping everything else in it."""
    import tomli_w

    from bridge.settings import Profile

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", hint="fix the file or choose another --profile-out"
        ) from exc
    profiles = data.setdefault("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: [profiles] is not a table", hint="fix the file or choose another --profile-out")
    existing = profiles.get(name)
    # Keys this server does not own (a user name, say) stay; the URLs are this server's.
    merged = {**(existing if isinstance(existing, dict) else {}), **profile_for(sandbox)}
    Profile(name=name, **merged)  # the written profile must load; a bad kept key fails here, not at publish
    profiles[name] = merged
    new_text = tomli_w.dumps(data)
    if existing is None and text.strip():
        # Appending keeps the file's comments and layout; use it when it parses to exactly the new content.
        appended = text.rstrip("\n") + "\n\n" + tomli_w.dumps({"profiles": {name: merged}})
        try:
            if tomllib.loads(appended) == data:
                new_text = appended
        except tomllib.TOMLDecodeError:
            pass
    write_atomic(path, new_text, what="the profile", hint="choose another --profile-out")
    return merged


def _announce(sandbox: Sandbox, profile_out: Path | None, profile_name: str | None, as_json: bool) -> None:
    """Print the base URLs, where the passwords are (never the passwords) and the profile written."""
    from bridge.settings import Profile

    cred_file = sandbox.config.data_dir / "credentials.json"
    accounts: dict[str, dict[str, str]] = {}
    for role, account in sandbox.accounts.items():
        var = f"BRIDGE_SANDBOX_{role.upper()}_PASSWORD"
        accounts[role] = {"email": account.email, "password_from": var if account.password_from_env else str(cred_file)}
    faults = sandbox.faults
    doc: dict[str, Any] = {
        "urls": sandbox.urls,
        "data_dir": str(sandbox.config.data_dir),
        "accounts": accounts,
        "faults": sandbox.config.faults,
        "fault_seed": faults.seed if faults is not None else None,
        "oai_lag": sandbox.config.oai_lag,
        "profile": {"file": str(profile_out), "name": profile_name} if profile_name else None,
    }
    if as_json:
        emit_json(doc)
    else:
        out = out_console
        out.print(f"[green]sandbox repository[/green] at {sandbox.base_url}  (data: {sandbox.config.data_dir})")
        for key, label in URL_LABELS:
            out.print(f"  {label:<17} {sandbox.urls[key]}", markup=False)
        for role, info in accounts.items():
            where = info["password_from"]
            source = f"password in {where}" + (", mode 0600" if where == str(cred_file) else "")
            out.print(f"  {role:<17} {info['email']}  ({source})", markup=False)
        if faults is not None and sandbox.config.faults:
            out.print(f"  faults            {sandbox.config.faults}  (seed {faults.seed})", markup=False)
        if profile_name:
            prefix = Profile(name=profile_name).env_prefix()
            out.print(
                f"  profile {profile_name!r} written to {profile_out}; set {prefix}USER and {prefix}PASSWORD to use it",
                markup=False,
            )
        out.print("press Ctrl+C to stop")
    sys.stdout.flush()  # a parent process waits for these lines on a pipe
