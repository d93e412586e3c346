"""DataCite REST API subset at /datacite: DOIs as JSON:API resources in the draft, registered and findable states.

Enough of DataCite's ``lupo`` for the ``datacite`` package's DataCiteRESTClient to work unchanged:
``POST /dois`` (201), ``PUT /dois/<doi>`` (200; 201 when it creates), ``GET /dois/<doi>`` (200), ``DELETE
/dois/<doi>`` (204, drafts only; 405 otherwise, as DataCite). Writes need HTTP Basic auth with a sandbox account;
anonymous reads see only findable DOIs. Events: ``publish`` (draft or registered → findable), ``register``
(draft → registered), ``hide`` (findable → registered); like DataCite's state machine an event that does not
apply to the current state is ignored, an unknown event name is refused (422). Leaving draft needs a URL and the
mandatory metadata (titles, creators, publisher, publicationYear, types.resourceTypeGeneral), else 422.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.httputil import basic_auth_user
from bridge.sandbox.pid import normalize_doi
from bridge.sandbox.store import now

JSONAPI = "application/vnd.api+json"
SUFFIX_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, as DataCite's random suffixes
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
URL_PATTERN = re.compile(r"^https?://\S+$")
EVENTS = {
    # (state, event) -> new state; other pairs of a known event leave the state alone (non-whiny, as lupo).
    ("draft", "publish"): "findable",
    ("registered", "publish"): "findable",
    ("draft", "register"): "registered",
    ("findable", "hide"): "registered",
}
KNOWN_EVENTS = frozenset({"publish", "register", "hide"})
# Attributes the server owns; a client's values for them are not stored.
SERVER_ATTRIBUTES = frozenset(
    {"doi", "prefix", "suffix", "state", "isActive", "created", "updated", "registered", "published", "url", "event"}
)
RESOURCE_TYPES_GENERAL = frozenset(
    {
        "Audiovisual",
        "Award",
        "Book",
        "BookChapter",
        "Collection",
        "ComputationalNotebook",
        "ConferencePaper",
        "ConferenceProceeding",
        "DataPaper",
        "Dataset",
        "Dissertation",
        "Event",
        "Image",
        "Instrument",
        "InteractiveResource",
        "Journal",
        "JournalArticle",
        "Model",
        "OutputManagementPlan",
        "PeerReview",
        "PhysicalObject",
        "Preprint",
        "Project",
        "Report",
        "Service",
        "Software",
        "Sound",
        "Standard",
        "StudyRegistration",
        "Text",
        "Workflow",
        "Other",
    }
)


def api_error(status: int, title: str, source: str | None = None) -> JSONResponse:
    """Return a JSON:API error document with one error."""
    error: dict[str, Any] = {"status": str(status), "title": title}
    if source:
        error["source"] = source
    return JSONResponse({"errors": [error]}, status_code=status, media_type=JSONAPI)


def missing_metadata(attributes: dict[str, Any], url: str | None) -> list[dict[str, str]]:
    """Return a JSON:API error per mandatory property that a registered or findable DOI lacks."""
    problems: list[tuple[str, str]] = []
    if not url or not URL_PATTERN.match(url):
        problems.append(("url", "A URL (http or https) is required to register or publish a DOI"))
    titles = attributes.get("titles")
    if not isinstance(titles, list) or not any(isinstance(t, dict) and str(t.get("title", "")).strip() for t in titles):
        problems.append(("titles", "Title is required"))
    creators = attributes.get("creators")
    if not isinstance(creators, list) or not any(
        isinstance(c, dict) and str(c.get("name", "")).strip() for c in creators
    ):
        problems.append(("creators", "Creator is required"))
    publisher = attributes.get("publisher")
    name = publisher.get("name") if isinstance(publisher, dict) else publisher
    if not isinstance(name, str) or not name.strip():
        problems.append(("publisher", "Publisher is required"))
    if not re.fullmatch(r"\d{4}", str(attributes.get("publicationYear", ""))):
        problems.append(("publicationYear", "Publication year is required (four digits)"))
    types = attributes.get("types")
    general = types.get("resourceTypeGeneral") if isinstance(types, dict) else None
    if general not in RESOURCE_TYPES_GENERAL:
        problems.append(("types", "Resource type general is required and must be a DataCite 4.6 value"))
    return [{"status": "422", "source": source, "title": title} for source, title in problems]


def random_suffix(sandbox: Sandbox, prefix: str) -> str:
    """Return an unused DataCite-style random suffix such as `ab12-cd34`."""
    while True:
        chars = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(8))
        suffix = f"{chars[:4]}-{chars[4:]}"
        if sandbox.store.doi(f"{prefix}/{suffix}") is None:
            return suffix


def shape_attributes(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    """Return a stored DOI's JSON:API attributes, with publisher and affiliations as DataCite renders them."""
    attributes = dict(row["attributes"])
    prefix, _, suffix = row["doi"].partition("/")
    # Without ?publisher=true and ?affiliation=true DataCite gives names only.
    publisher = attributes.get("publisher")
    if isinstance(publisher, dict) and request.query_params.get("publisher") != "true":
        attributes["publisher"] = publisher.get("name")
    if request.query_params.get("affiliation") != "true":
        for key in ("creators", "contributors"):
            for person in attributes.get(key) or []:
                if isinstance(person, dict) and isinstance(person.get("affiliation"), list):
                    person["affiliation"] = [a.get("name") if isinstance(a, dict) else a for a in person["affiliation"]]
    attributes.update(
        {
            "doi": row["doi"],
            "prefix": prefix,
            "suffix": suffix,
            "url": row["url"],
            "state": row["state"],
            "isActive": row["state"] == "findable",
            "created": row["created"],
            "updated": row["updated"],
        }
    )
    attributes.setdefault("registered", None)
    attributes.setdefault("schemaVersion", "http://datacite.org/schema/kernel-4")
    return attributes


def doi_document(request: Request, sandbox: Sandbox, row: dict[str, Any], status: int = 200) -> JSONResponse:
    body = {
        "data": {
            "id": row["doi"],
            "type": "dois",
            "attributes": shape_attributes(request, row),
            "relationships": {"client": {"data": {"id": "sandbox.datacite", "type": "clients"}}},
        }
    }
    return JSONResponse(body, status_code=status, media_type=JSONAPI)


async def read_attributes(request: Request) -> dict[str, Any] | JSONResponse:
    """Return `data.attributes` of a JSON:API request body, or an error response."""
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        return api_error(400, "The request body is not valid JSON")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return api_error(400, 'The request body must be a JSON:API document {"data": {...}}')
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        return api_error(400, "data.attributes must be an object")
    return attributes


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the /datacite routes."""
    prefix_ours = sandbox.config.doi_prefix.lower()

    def authenticate(request: Request) -> dict[str, Any] | JSONResponse | None:
        if not request.headers.get("authorization"):
            return None
        user = basic_auth_user(sandbox, request)
        return user if user is not None else api_error(401, "Bad credentials.")

    def may_change(user: dict[str, Any], row: dict[str, Any]) -> bool:
        return bool(user["admin"]) or row["owner"] == user["uuid"]

    def save(
        request: Request,
        doi: str,
        attributes: dict[str, Any],
        user: dict[str, Any],
        existing: dict[str, Any] | None,
    ) -> JSONResponse:
        """Apply an event and attributes to a new or existing DOI and answer with its document."""
        event = attributes.get("event")
        if event is not None and event not in KNOWN_EVENTS:
            return api_error(422, f"Unknown event {event!r}; use publish, register or hide", "event")
        state = existing["state"] if existing else "draft"
        new_state = EVENTS.get((state, event), state) if event else state
        stored = dict(existing["attributes"]) if existing else {}
        stored.update({k: v for k, v in attributes.items() if k not in SERVER_ATTRIBUTES})
        url = attributes["url"] if "url" in attributes else (existing["url"] if existing else None)
        if url is not None and not (isinstance(url, str) and URL_PATTERN.match(url)):
            return api_error(422, "Website should be an url", "url")
        if new_state != "draft":
            errors = missing_metadata(stored, url)
            if errors:
                return JSONResponse({"errors": errors}, status_code=422, media_type=JSONAPI)
            if not stored.get("registered"):
                stored["registered"] = now()[:19] + "Z"
            stored.setdefault("published", str(stored.get("publicationYear", "")) or None)
        owner = existing["owner"] if existing else user["uuid"]
        row = sandbox.store.save_doi(doi, state=new_state, url=url, attributes=stored, owner=owner)
        return doi_document(request, sandbox, row, status=200 if existing else 201)

    def check_prefix(doi: str) -> JSONResponse | None:
        if not DOI_PATTERN.match(doi):
            return api_error(422, f"{doi!r} is not a valid DOI", "doi")
        if doi.partition("/")[0] != prefix_ours:
            return api_error(422, f"The prefix of {doi!r} is not assigned to this account ({prefix_ours})", "doi")
        return None

    async def create(request: Request) -> Response:
        user = authenticate(request)
        if not isinstance(user, dict):
            return user or api_error(401, "Bad credentials.")
        attributes = await read_attributes(request)
        if isinstance(attributes, JSONResponse):
            return attributes
        if attributes.get("doi"):
            doi = normalize_doi(str(attributes["doi"])).lower()
        elif attributes.get("prefix"):
            prefix = str(attributes["prefix"]).lower()
            if prefix != prefix_ours:
                return api_error(422, f"The prefix {prefix!r} is not assigned to this account ({prefix_ours})")
            doi = f"{prefix}/{random_suffix(sandbox, prefix)}"
        else:
            return api_error(422, "Either doi or prefix is required", "doi")
        refused = check_prefix(doi)
        if refused:
            return refused
        if sandbox.store.doi(doi) is not None:
            return api_error(422, "This DOI has already been taken", "doi")
        return save(request, doi, attributes, user, None)

    async def update(request: Request) -> Response:
        user = authenticate(request)
        if not isinstance(user, dict):
            return user or api_error(401, "Bad credentials.")
        doi = normalize_doi(request.path_params["doi"]).lower()
        attributes = await read_attributes(request)
        if isinstance(attributes, JSONResponse):
            return attributes
        existing = sandbox.store.doi(doi)
        if existing is None:
            # DataCite creates a DOI on PUT when it does not exist yet.
            refused = check_prefix(doi)
            return refused or save(request, doi, attributes, user, None)
        if not may_change(user, existing):
            return api_error(403, "You are not authorized to access this resource.")
        return save(request, doi, attributes, user, existing)

    async def show(request: Request) -> Response:
        user = authenticate(request)
        if isinstance(user, JSONResponse):
            return user
        row = sandbox.store.doi(normalize_doi(request.path_params["doi"]))
        visible = row is not None and (row["state"] == "findable" or (user is not None and may_change(user, row)))
        if not visible or row is None:
            return api_error(404, "The resource you are looking for doesn't exist.")
        return doi_document(request, sandbox, row)

    async def delete(request: Request) -> Response:
        user = authenticate(request)
        if not isinstance(user, dict):
            return user or api_error(401, "Bad credentials.")
        row = sandbox.store.doi(normalize_doi(request.path_params["doi"]))
        if row is None or not may_change(user, row):
            return api_error(404, "The resource you are looking for doesn't exist.")
        if row["state"] != "draft":
            response = api_error(405, "Method not allowed")
            response.headers["Allow"] = "HEAD, GET, POST, PATCH, PUT, OPTIONS"
            return response
        sandbox.store.delete_doi(row["doi"])
        return Response(status_code=204)

    async def heartbeat(request: Request) -> Response:
        return PlainTextResponse("OK")

    return [
        Route("/datacite/heartbeat", heartbeat, methods=["GET"]),
        Route("/datacite/dois", create, methods=["POST"]),
        Route("/datacite/dois/{doi:path}", show, methods=["GET"]),
        Route("/datacite/dois/{doi:path}", update, methods=["PUT"]),
        Route("/datacite/dois/{doi:path}", delete, methods=["DELETE"]),
    ]
