"""The sandbox's OAI-PMH 2.0 data provider at /server/oai/request (alias /dspace-oai/request), as DSpace's XOAI.

All six verbs over GET and POST; oai_dc, oai_datacite and dim; sets com_10261_N / col_10261_N; identifiers
oai:<oai_host>:10261/N; seconds granularity; deletedRecord transient (withdrawn or undiscoverable items are
deleted headers); keyset resumption tokens (see oai_tokens); ``config.oai_lag`` hides items changed in the
last seconds, as DSpace's OAI index only follows the database after its next import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.oai import pages
from bridge.sandbox.oai import responses as render
from bridge.sandbox.oai.fragments import VISIBLE, Fragments, Warmer
from bridge.sandbox.oai.sets import SetIndex, Sets
from bridge.sandbox.oai.tokens import PREFIX_SYNTAX, Selection, Token, datestamp
from bridge.sandbox.render.common import clean
from bridge.sandbox.store import HANDLE_PREFIX

PATHS = ("/server/oai/request", "/dspace-oai/request")
MEDIA_TYPE = "text/xml; charset=UTF-8"
MAX_BODY = 64 * 1024
# The partial index below has exactly the WHERE clause of the items OAI-PMH shows (VISIBLE) and every column a
# header needs, so SQLite walks lists and counts in (last_modified, uuid) order from the index alone (a set is a
# filter on that walk, not a sort); each record's metadata is a stored fragment joined by its primary key.
INDEX = (
    "CREATE INDEX IF NOT EXISTS item_oai ON item "
    f"(last_modified, uuid, collection, handle, in_archive, withdrawn, discoverable, created) WHERE {VISIBLE}"
)
COLUMNS = "uuid, handle, collection, in_archive, discoverable, withdrawn, created, last_modified"
ARGUMENTS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ANY_URI_BAD = re.compile(r"[\s<>\"{}|\\^`]")


def page_sql(columns: str, where: str) -> str:
    """Return the query of one page of a list, walked in (last_modified, uuid) order on the OAI index.

    The first parameter is the metadataPrefix of the stored fragments joined to the rows (NULL: headers only).
    """
    return (
        f"SELECT {columns}, f.xml AS xml, f.deflated AS deflated FROM item INDEXED BY item_oai "
        "LEFT JOIN oai_fragment AS f ON f.item = uuid AND f.prefix = ? "
        f"WHERE {where} ORDER BY last_modified, uuid LIMIT ?"
    )


def count_sql(where: str) -> str:
    return f"SELECT COUNT(*) AS n FROM item INDEXED BY item_oai WHERE {where}"


class OAIFailure(Exception):
    """An OAI-PMH error condition; `echo` is False for badVerb/badArgument, whose request element is bare."""

    def __init__(self, code: str, message: str, *, more: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = [(code, message), *(more or [])]
        self.echo = code not in ("badVerb", "badArgument")


def bad_argument(messages: list[str]) -> OAIFailure:
    return OAIFailure("badArgument", messages[0], more=[("badArgument", m) for m in messages[1:]])


class Provider:
    """Answers OAI-PMH requests from the sandbox's store."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.store.query(INDEX)
        self.sets = SetIndex(self.store)
        self.fragments = Fragments(sandbox)
        self._specs: tuple[Sets, dict[str, bytes]] | None = None
        # Identify, ListMetadataFormats and ListSets are small trees; the record verbs write bytes.
        self.verbs: dict[str, Callable[[etree._Element, dict[str, str], str], None]] = {
            "Identify": self._identify,
            "ListMetadataFormats": self._list_metadata_formats,
            "ListSets": self._list_sets,
        }
        self.record_verbs: dict[str, Callable[[dict[str, str]], list[pages.Piece]]] = {
            "GetRecord": self._get_record,
            "ListIdentifiers": self._list_identifiers,
            "ListRecords": self._list_records,
        }

    # -- HTTP -------------------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        base_url = self.sandbox.base_url + request.url.path
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            body = b""
            async for chunk in request.stream():  # never hold more than MAX_BODY of a client's body
                body += chunk
                if len(body) > MAX_BODY:
                    break
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if len(body) > MAX_BODY or (body and kind != "application/x-www-form-urlencoded"):
                message = "a POST request must send its arguments as application/x-www-form-urlencoded"
                doc = render.error_document(base_url, [("badArgument", message)], None)
                return self._response(request, [render.to_bytes(doc)])
            pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        # On the event loop, not a worker thread: a page is a millisecond of joining stored fragments, less than
        # the hand-off to a thread and back costs on a loaded machine (as the other routes, which query inline).
        content = self.respond(pairs, base_url)
        return self._response(request, content)

    def _response(self, request: Request, pieces: list[pages.Piece]) -> Response:
        headers = {"Vary": "Accept-Encoding"}
        if _accepts_gzip(request.headers.get("accept-encoding", "")) and pages.size(pieces) > 1024:
            content = pages.gzipped(pieces)
            headers["Content-Encoding"] = "gzip"
        else:
            content = pages.plain(pieces)
        return Response(content, headers=headers, media_type=MEDIA_TYPE)

    # -- dispatch ---------------------------------------------------------------------------------------
    def respond(self, pairs: list[tuple[str, str]], base_url: str) -> list[pages.Piece]:
        """Return the response document for the request arguments (any OAI error included), in pieces."""
        echo: dict[str, str] | None = None
        try:
            verb, args = self._arguments(pairs)
            echo = {"verb": verb, **args}
            if verb in self.record_verbs:
                body = self.record_verbs[verb](args)
                return [pages.open_envelope(base_url, echo), *body, pages.CLOSE]
            root = render.envelope(base_url, echo)
            self.verbs[verb](root, args, base_url)
        except OAIFailure as failure:
            root = render.error_document(base_url, failure.errors, echo if failure.echo else None)
        return [render.to_bytes(root)]

    def _arguments(self, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        verbs = [value for key, value in pairs if key == "verb"]
        if len(verbs) != 1 or verbs[0] not in ARGUMENTS:
            message = "repeated verb" if len(verbs) > 1 else "missing verb" if not verbs else "illegal verb"
            raise OAIFailure("badVerb", f"{message}: {', '.join(verbs)}" if verbs else message)
        verb = verbs[0]
        problems = [f"repeated argument '{k}'" for k, n in Counter(k for k, _ in pairs).items() if n > 1]
        args = {key: value for key, value in pairs if key != "verb"}
        required, optional = ARGUMENTS[verb]
        problems += [f"illegal argument '{k}' for {verb}" for k in args if k not in required | optional]
        problems += [f"empty value for '{k}'" for k, v in args.items() if not v]
        problems += [f"argument '{k}' holds characters XML cannot carry" for k, v in args.items() if _NOT_XML.search(v)]
        if "resumptionToken" in args:
            if len(args) > 1:
                problems.append("resumptionToken is an exclusive argument")
        else:
            problems += [f"missing required argument '{k}'" for k in sorted(required - set(args))]
        if verb in ("ListIdentifiers", "ListRecords") and "resumptionToken" not in args:
            # from, until and set are checked here so that every bad argument is reported at once.
            given = {k: args.get(k) or None for k in ("from", "until", "set")}
            problems += Selection("oai_dc", given["from"], given["until"], given["set"]).check()
        if "metadataPrefix" in args and not PREFIX_SYNTAX.match(args["metadataPrefix"]):
            problems.append(f"metadataPrefix '{args['metadataPrefix']}' is not valid metadataPrefix syntax")
        if "identifier" in args and _ANY_URI_BAD.search(args["identifier"]):
            problems.append("identifier is not a URI")
        if problems:
            raise bad_argument(problems)
        return verb, args

    # -- verbs ------------------------------------------------------------------------------------------
    def _identify(self, root: etree._Element, args: dict[str, str], base_url: str) -> None:
        admin = self.sandbox.accounts["admin"].email
        if not re.match(r"^\S+@(\S+\.)+\S+$", admin):
            admin = f"admin@{self.sandbox.config.oai_host}"
        host = self.sandbox.config.oai_host
        render.identify(
            root,
            name=self.sandbox.config.name,
            base_url=base_url,
            admin=admin,
            earliest=self._earliest(),
            repository_id=host,
            sample=f"oai:{host}:{HANDLE_PREFIX}/1",
        )

    def _earliest(self) -> str:
        """Return earliestDatestamp: the oldest visible item, else the oldest community, else now."""
        for sql in (
            f"SELECT MIN(last_modified) AS first FROM item WHERE {VISIBLE}",
            "SELECT MIN(last_modified) AS first FROM community",
        ):
            row = self.store.one(sql)
            if row and row["first"]:
                return datestamp(row["first"])
        return render.now_stamp()

    def _list_metadata_formats(self, root: etree._Element, args: dict[str, str], base_url: str) -> None:
        if "identifier" in args:
            self._item(args["identifier"])  # deleted records still list every format
        render.metadata_formats(root)

    def _list_sets(self, root: etree._Element, args: dict[str, str], base_url: str) -> None:
        if "resumptionToken" in args:
            raise OAIFailure("badResumptionToken", "ListSets is never split, so no resumptionToken is valid")
        specs = self.sets.current().names
        if not specs:
            raise OAIFailure("noSetHierarchy", "the repository has no communities or collections yet")
        body = render.sub(root, "ListSets")
        for spec, name in specs:
            entry = render.sub(body, "set")
            render.sub(entry, "setSpec", spec)
            render.sub(entry, "setName", clean(name))

    def _get_record(self, args: dict[str, str]) -> list[pages.Piece]:
        row = self._item(args["identifier"], args["metadataPrefix"])
        fmt = self._format(args["metadataPrefix"])
        self.fragments.fill([row], fmt.prefix)
        specs = self._set_specs(self.sets.current())
        record = pages.record(row, args["identifier"], specs[row["collection"]])
        return [b"<GetRecord>", *record, b"</GetRecord>"]

    def _list_identifiers(self, args: dict[str, str]) -> list[pages.Piece]:
        return self._list(args, records=False)

    def _list_records(self, args: dict[str, str]) -> list[pages.Piece]:
        return self._list(args, records=True)

    def _set_specs(self, sets: Sets) -> dict[str, bytes]:
        """Return collection uuid → its headers' `<setSpec>` elements, made once per set hierarchy."""
        cached = self._specs
        if cached is None or cached[0] is not sets:
            cached = (sets, _SpecBytes(sets))
            self._specs = cached
        return cached[1]

    # -- lists ------------------------------------------------------------------------------------------
    def _list(self, args: dict[str, str], *, records: bool) -> list[pages.Piece]:
        token = None
        if "resumptionToken" in args:
            token = self._token(args["resumptionToken"])
            selection, offset = token.selection, token.offset
        else:
            selection = Selection(args["metadataPrefix"], args.get("from"), args.get("until"), args.get("set"))
            offset = 0
        fmt = self._format(selection.prefix)
        index = self.sets.current()
        collections = None
        if selection.set_spec:
            collections = index.collections(selection.set_spec)
            if not collections:
                raise OAIFailure("noRecordsMatch", f"no set '{selection.set_spec}' holds any record")
        where, params = self._where(selection, collections)
        if token is not None:
            where += " AND (last_modified, uuid) > (?, ?)"
            params += [token.last_modified, token.uuid]
        page_size = max(1, int(self.sandbox.config.page_size))
        prefix = fmt.prefix if records else None
        rows = self.store.query(page_sql(COLUMNS, where), [prefix, *params, page_size + 1])
        if not rows:
            raise OAIFailure("noRecordsMatch", "the combination of arguments results in an empty list")
        more = len(rows) > page_size
        rows = rows[:page_size]
        size = offset + len(rows)
        if token is not None:
            size = max(token.size, size + int(more))
        elif more:
            size = self.store.scalar(count_sql(where), params)
        host = self.sandbox.config.oai_host
        specs = self._set_specs(index)
        verb = "ListRecords" if records else "ListIdentifiers"
        body: list[pages.Piece] = [f"<{verb}>".encode()]
        if records:
            self.fragments.fill(rows, fmt.prefix)
            for r in rows:
                body += pages.record(r, f"oai:{host}:{r['handle']}", specs[r["collection"]])
        else:
            body += [pages.header(r, f"oai:{host}:{r['handle']}", specs[r["collection"]]) for r in rows]
        if more:
            last = rows[-1]
            following = Token(selection, offset + len(rows), size, last["last_modified"], last["uuid"]).encode()
            faults = self.sandbox.faults
            if faults is not None and hasattr(faults, "token_issued"):
                # Told directly: the fault middleware cannot read tokens out of a gzip-compressed body.
                faults.token_issued(following)
            body.append(pages.resumption_token(following, size, offset))
        elif offset:
            body.append(pages.resumption_token("", offset + len(rows), offset))
        body.append(f"</{verb}>".encode())
        return body

    def _where(self, selection: Selection, collections: list[str] | None) -> tuple[str, list[Any]]:
        where, params = [VISIBLE], []
        lower, upper = selection.bounds()
        if lower:
            where.append("last_modified >= ?")
            params.append(lower)
        if upper:
            where.append("last_modified < ?")
            params.append(upper)
        lag = self._lag_cutoff()
        if lag:
            where.append("last_modified <= ?")
            params.append(lag)
        if collections is not None:
            where.append(f"collection IN ({','.join('?' * len(collections))})")
            params += collections
        return " AND ".join(where), params

    def _lag_cutoff(self) -> str | None:
        lag = float(self.sandbox.config.oai_lag or 0)
        if lag <= 0:
            return None
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=lag)
        return cutoff.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    # -- lookups ----------------------------------------------------------------------------------------
    def _item(self, identifier: str, metadata_prefix: str | None = None) -> dict[str, Any]:
        """Return the visible item an oai: identifier names, with its stored fragment; idDoesNotExist otherwise."""
        prefix = f"oai:{self.sandbox.config.oai_host}:"
        row = None
        if identifier.startswith(prefix):
            sql = (
                f"SELECT {COLUMNS}, f.xml AS xml, f.deflated AS deflated FROM item "
                "LEFT JOIN oai_fragment AS f ON f.item = uuid "
                f"AND f.prefix = ? WHERE handle = ? AND {VISIBLE}"
            )
            params: list[Any] = [metadata_prefix, identifier[len(prefix) :]]
            lag = self._lag_cutoff()
            if lag:
                sql += " AND last_modified <= ?"
                params.append(lag)
            row = self.store.one(sql, params)
        if row is None:
            raise OAIFailure("idDoesNotExist", f"no record has the identifier '{identifier}'")
        return row

    def _format(self, prefix: str) -> render.MetadataFormat:
        fmt = render.FORMATS.get(prefix)
        if fmt is None:
            known = ", ".join(render.FORMATS)
            raise OAIFailure("cannotDisseminateFormat", f"metadataPrefix '{prefix}' is not supported (use {known})")
        return fmt

    def _token(self, text: str) -> Token:
        faults = self.sandbox.faults
        if faults is not None and hasattr(faults, "token_expired") and faults.token_expired(text):
            raise OAIFailure("badResumptionToken", "the resumptionToken has expired")
        try:
            token = Token.decode(text)
        except ValueError as exc:
            raise OAIFailure("badResumptionToken", f"the resumptionToken is invalid ({exc})") from None
        if token.selection.prefix not in render.FORMATS:
            raise OAIFailure("badResumptionToken", "the resumptionToken names an unknown metadataPrefix")
        return token


def _accepts_gzip(header: str) -> bool:
    """Return whether an Accept-Encoding header accepts gzip (and does not refuse it with q=0)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip().lower()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


class _SpecBytes(dict[str, bytes]):
    """Collection uuid → `<setSpec>` bytes of its headers; a collection outside the hierarchy has none."""

    def __init__(self, sets: Sets) -> None:
        super().__init__((uid, pages.set_specs(specs)) for uid, specs in sets.by_collection.items())

    def __missing__(self, key: str) -> bytes:
        return b""


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the OAI-PMH routes (GET and POST) at DSpace 7's path and Digital.CSIC's older one."""
    provider = Provider(sandbox)
    warmer = Warmer(provider.fragments)
    warmer.start()
    sandbox.closers.append(warmer.stop)
    return [Route(path, provider.endpoint, methods=["GET", "POST"]) for path in PATHS]
