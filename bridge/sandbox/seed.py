"""Bulk seeding of the sandbox: many realistic Digital.CSIC-style items, straight into its SQLite store.

Items go in with ``executemany`` in one transaction per batch, not through HTTP, so 100,000 items take
seconds. They are spread over several communities and collections and over the last few years of
datestamps, with handles continuing the store's 10261/N sequence, a share withdrawn and a few
undiscoverable. The same seed, starting store and ``end`` give the same items.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any

from bridge.sandbox.store import HANDLE_PREFIX, SCHEMA, Store

WITHDRAWN_SHARE = 0.05
UNDISCOVERABLE_SHARE = 0.02
MODIFIED_SHARE = 0.2  # items changed after they were made available
DOI_SHARE = 0.3
PROGRESS_BATCH = 2_000  # items per transaction when someone watches the progress
BULK = 10_000  # from this many items on, the metadatavalue indexes may be rebuilt once instead of grown
METADATA_INDEXES = ("mdv_field_value", "mdv_item")

# (community, its collections); the first collection of the first community is the bootstrap one.
CONTAINERS = (
    ("Instituto de Física de Cantabria (IFCA)", ("Datasets and models (IFCA)", "Software (IFCA)")),
    ("Instituto de Ciencias del Mar (ICM)", ("Datasets (ICM)", "Modelos (ICM)")),
    ("Estación Biológica de Doñana (EBD)", ("Datasets (EBD)",)),
    ("Instituto de Física Corpuscular (IFIC)", ("Datasets and models (IFIC)",)),
)
FAMILY = (
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
    "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
    "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Blanco", "Molina", "Morales",
    "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Iglesias", "Núñez", "Medina",
    "Rossi", "Müller", "Dubois", "Smith", "Nowak", "Costa", "Silva", "Kowalski", "Bianchi", "Schmidt",
)  # fmt: skip
GIVEN = (
    "María", "José", "Ana", "Juan", "Carmen", "Javier", "Laura", "David", "Lucía", "Pablo", "Elena", "Carlos",
    "Marta", "Daniel", "Sara", "Alberto", "Isabel", "Álvaro", "Cristina", "Jorge", "Paula", "Miguel Ángel",
    "Nuria", "Fernando", "Irene", "Luis", "Beatriz", "Andrés", "Rocío", "Sergio", "Giulia", "Thomas", "Anna",
)  # fmt: skip
ARCHITECTURES = ("U-Net", "ResNet-50", "transformer", "graph neural network", "LSTM", "convolutional autoencoder")
TASKS = (
    "sea-surface temperature downscaling", "particle track reconstruction", "bird song classification",
    "anomaly detection in grid job logs", "phytoplankton image segmentation", "cosmic-ray event tagging",
    "land-cover mapping from Sentinel-2", "precipitation nowcasting",
)  # fmt: skip
SYSTEMS = ("grid computing cluster", "HPC batch system", "object storage service", "cloud control plane")
VARIABLES = ("Sea-surface temperature", "Chlorophyll-a concentration", "Acoustic recordings", "Soil moisture")
SITES = ("Bay of Biscay", "Doñana National Park", "Santander", "Western Mediterranean", "Valencia", "Canary Islands")
SUBJECTS = (
    "Machine learning", "Deep learning", "Neural networks", "Oceanography", "Remote sensing", "Biodiversity",
    "Particle physics", "Monitoring", "Log analysis", "Climate", "Open data", "Computer vision",
)  # fmt: skip
LICENCES = (
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by-sa/4.0/",
    "https://creativecommons.org/publicdomain/zero/1.0/",
)
MODEL_LICENCES = ("https://www.apache.org/licenses/LICENSE-2.0", "https://opensource.org/licenses/MIT", *LICENCES)
ACCESS = ("info:eu-repo/semantics/openAccess",) * 9 + ("info:eu-repo/semantics/embargoedAccess",)
COAR_DATASET = "http://purl.org/coar/resource_type/c_ddb1"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


@dataclass
class SeedReport:
    """What a seeding run created."""

    items: int
    withdrawn: int = 0
    undiscoverable: int = 0
    with_doi: int = 0
    files: int = 0
    first_handle: str | None = None
    last_handle: str | None = None
    collections: list[str] = field(default_factory=list)  # handles of the collections items went into
    seed: int = 0
    seconds: float = 0.0

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "items_per_second": round(self.items_per_second, 1)}


def seed_folder(data_dir: Path, items: int, **options: Any) -> SeedReport:
    """Open (or create) the sandbox data folder and seed it; see `seed_store` for the options."""
    from bridge.sandbox.app import bootstrap

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(data_dir)
    try:
        bootstrap(store, {})  # a new folder gets the default community and collection (10261/1, /2) first
        report = seed_store(store, items, **options)
        store.ensure_search_index()  # build the word index now, not on the server's first start
        return report
    finally:
        store.close()


def seed_store(
    store: Store,
    items: int,
    *,
    seed: int | None = None,
    files: float = 0.0,
    doi_prefix: str = "10.5072",
    end: dt.datetime | None = None,
    years: float = 3.0,
    batch: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Create `items` archived items; `files` is the share of them that get a small ORIGINAL bitstream.

    `progress` is told (items written, items) after each batch (smaller batches when it is given).
    """
    if items < 0:
        raise ValueError("items must be ≥ 0")
    started = time.perf_counter()
    seed = secrets.randbits(32) if seed is None else seed
    collections = ensure_collections(store)
    start = int(store.get_meta("handle_next") or 1)
    # Seeded from the first handle too, so seeding the same store twice with one seed makes new uuids.
    rng = random.Random(f"{seed}:{start}")
    end_epoch = int((end or dt.datetime.now(dt.UTC)).timestamp())
    span = max(int(years * 365.25 * 86400), 1)
    works = [_work(rng, i, collections) for i in range(min(items, POOL))]
    offsets = sorted(rng.randrange(span) for _ in range(items))  # handles grow with accession time
    base = store.get_meta("landing_base") or "http://127.0.0.1"
    report = SeedReport(items=items, seed=seed, collections=[c["handle"] for c in collections])
    # Building an index once is several times faster than growing it by random inserts, unless the store
    # already holds far more rows than this run adds.
    existing = (store.one("SELECT max(rowid) AS n FROM metadatavalue") or {}).get("n") or 0
    bulk = items >= BULK and items * 20 >= existing
    with store.lock:
        if bulk:
            for name in METADATA_INDEXES:
                store.db.execute(f"DROP INDEX IF EXISTS {name}")
        store.db.executescript(_TEMP_TABLES)
        store.db.executemany(
            "INSERT INTO temp.seed_work VALUES (?, ?, ?, ?)", [(w.index, *row) for w in works for row in w.rows]
        )
    try:
        step = min(batch, PROGRESS_BATCH) if progress else batch  # the items do not depend on the batch size
        for first in range(0, items, step):
            chunk = offsets[first : first + step]
            _insert(store, [_draft(rng, works, end_epoch - span + off, end_epoch, files) for off in chunk], base,
                    doi_prefix, report)  # fmt: skip
            if progress is not None:
                progress(first + len(chunk), items)
    finally:
        with store.lock:
            store.db.execute("DROP TABLE IF EXISTS temp.seed_work")
            store.db.execute("DROP TABLE IF EXISTS temp.seed_item")
            if bulk:
                store.db.executescript(SCHEMA)  # recreates the dropped indexes exactly as the store defines them
    report.seconds = time.perf_counter() - started
    return report


def ensure_collections(store: Store) -> list[dict[str, Any]]:
    """Create the Digital.CSIC-like communities and collections that are missing; return the collections."""
    communities = {c["name"]: c for c in store.communities()}
    names = {c["name"] for c in store.collections()}
    for com_name, coll_names in CONTAINERS:
        com = communities.get(com_name) or store.create_community(com_name)
        for coll_name in coll_names:
            if coll_name not in names:
                store.create_collection(coll_name, com["uuid"])
    return sorted(store.collections(), key=lambda c: int(c["handle"].rsplit("/", 1)[1]))


# Items are drawn from a pool of "works" (authors, subjects, abstract, type, licence, collection) with
# a title, dates, identifiers and flags of their own: composing a pre-encoded work is what makes 10⁵
# items take seconds. The work's metadatavalue rows are copied per item by SQLite, not by Python.
POOL = 4096
_TEMP_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS seed_work (work INTEGER, field TEXT, value TEXT, place INTEGER);
CREATE TEMP TABLE IF NOT EXISTS seed_item (uuid TEXT, work INTEGER);
DELETE FROM temp.seed_work;
"""
Values = list[tuple[str, str | None]]  # (value, language) in place order


@dataclass
class _Work:
    index: int
    kind: str  # model | logs | observations
    stem: str  # the title without the item's own suffix
    collection: str
    json: str  # the work's fields, encoded as members of the item's metadata object
    rows: list[tuple[str, str, int]]  # (field, value, place) of the work's fields


@dataclass
class _Draft:
    uuid: str
    work: _Work
    title: str
    issued: str
    created: str
    modified: str
    withdrawn: bool
    discoverable: bool
    doi: int  # 0: none
    file_lines: int  # 0: no file


def _work(rng: random.Random, index: int, collections: list[dict[str, Any]]) -> _Work:
    # Pareto: the first collections hold most items, as in a real repository.
    collection = collections[min(int(rng.paretovariate(1.2)) - 1, len(collections) - 1)]
    roll = rng.random()
    kind = "model" if roll < 0.4 else "logs" if roll < 0.7 else "observations"
    if kind == "model":
        arch, task = rng.choice(ARCHITECTURES), rng.choice(TASKS)
        stem = f"Trained {arch} weights for {task}"
        abstract = f"Weights of a {arch} model trained for {task}, with its training configuration and metrics."
    elif kind == "logs":
        stem = f"Anonymised {rng.choice(SYSTEMS)} monitoring logs"
        abstract = "Monitoring logs with user names, hosts and addresses replaced by stable pseudonyms."
    else:
        stem = f"{rng.choice(VARIABLES)} at {rng.choice(SITES)}"
        abstract = "Observations quality-controlled and gridded; see the methods file for the processing chain."
    authors = dict.fromkeys(f"{rng.choice(FAMILY)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 6)))
    fields: dict[str, Values] = {
        "dc.contributor.author": [(a, None) for a in authors],
        "dc.description.abstract": [(abstract, "en")],
        "dc.language.iso": [("eng", None)],
        "dc.publisher": [(f"CSIC - {collection['name'].rpartition('(')[2].rstrip(')')}", None)],
        "dc.rights": [(rng.choice(ACCESS), None)],
        "dc.rights.license": [(rng.choice(MODEL_LICENCES if kind == "model" else LICENCES), None)],
        "dc.subject": [(s, "en") for s in rng.sample(SUBJECTS, rng.randint(2, 4))],
        "dc.type": [("model" if kind == "model" else "dataset", "en")],
    }
    if kind != "model":
        fields["dc.type.coar"] = [(COAR_DATASET, None)]
    rows = [(key, v, i) for key, values in fields.items() for i, (v, _) in enumerate(values)]
    return _Work(index, kind, stem, collection["uuid"], _members(fields), rows)


def _draft(rng: random.Random, works: list[_Work], when: int, end: int, files: float) -> _Draft:
    """Draw one item of a work: its title, dates and flags (its handle comes at insert time)."""
    rnd = rng.random
    work = works[int(rnd() * len(works))]
    t = time.gmtime(when)
    year = t.tm_year - (rnd() < 0.2)
    if work.kind == "model":
        title = f"{work.stem}, run {int(rnd() * 999) + 1}"
    elif work.kind == "logs":
        title = f"{work.stem}, {MONTHS[t.tm_mon - 1]} {t.tm_year}"
    else:
        title = f"{work.stem} ({year})"
    withdrawn = rnd() < WITHDRAWN_SHARE
    modified = when + int(rnd() * (end - when)) if withdrawn or rnd() < MODIFIED_SHARE else when
    return _Draft(
        uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
        work=work,
        title=title,
        issued=f"{year}-{t.tm_mon:02d}-{t.tm_mday:02d}" if rnd() < 0.7 else str(year),
        created=_stamp(when),
        modified=_stamp(modified),
        withdrawn=withdrawn,
        discoverable=withdrawn or rnd() >= UNDISCOVERABLE_SHARE,
        doi=1 + int(rnd() * 10**6) if rnd() < DOI_SHARE else 0,
        file_lines=5 + int(rnd() * 56) if rnd() < files else 0,
    )


def _insert(store: Store, drafts: list[_Draft], base: str, doi_prefix: str, report: SeedReport) -> None:
    """Write one batch in one transaction, minting consecutive handles from the store's counter."""
    items: list[tuple[Any, ...]] = []
    values: list[tuple[str, str, str, int]] = []
    bundles: list[tuple[Any, ...]] = []
    bitstreams: list[tuple[Any, ...]] = []
    dois: list[tuple[Any, ...]] = []
    with store.transaction() as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'handle_next'").fetchone()
        n = int(row["value"]) if row else 1
        first = n
        for d in drafts:
            handle = f"{HANDLE_PREFIX}/{n}"
            n += 1
            stamp = d.created[:19] + "Z"
            # The item's own fields, with what Store.archive_item adds to every archived item.
            own: dict[str, Values] = {
                "dc.date.accessioned": [(stamp, None)],
                "dc.date.available": [(stamp, None)],
                "dc.date.issued": [(d.issued, None)],
                "dc.description.provenance": [(f"Made available in DSpace on {stamp} (GMT).", "en")],
                "dc.identifier.uri": [(f"{base}/handle/{handle}", None)],
                "dc.title": [(d.title, "en")],
            }
            if d.doi:
                doi = f"{doi_prefix}/digitalcsic/{d.doi}"
                own["dc.identifier.doi"] = [(f"https://doi.org/{doi}", None)]
                # Registered with the sandbox's DataCite too, so seeded DOIs resolve like deposited ones.
                attributes = {"doi": doi, "titles": [{"title": d.title}], "publicationYear": d.issued[:4],
                              "types": {"resourceTypeGeneral": "Dataset"}}  # fmt: skip
                url = f"{base}/handle/{handle}"
                dois.append((doi, "findable", url, json.dumps(attributes), None, d.created, d.modified))
            if d.withdrawn:
                note = f"Item withdrawn by the sandbox seeder on {d.modified[:19]}Z (GMT)."
                own["dc.description.provenance"].append((note, "en"))
            # A withdrawn item leaves the archive but keeps its handle, as Store.update_item does.
            items.append(
                (d.uuid, handle, d.work.collection, None, "{" + d.work.json + "," + _members(own) + "}",
                 int(not d.withdrawn), int(d.discoverable), int(d.withdrawn), d.created, d.modified)
            )  # fmt: skip
            values.extend((d.uuid, key, v, i) for key, vs in own.items() for i, (v, _) in enumerate(vs))
            if d.file_lines:
                bundles.append(_bundle(store, d, handle, bitstreams))
            report.withdrawn += d.withdrawn
            report.undiscoverable += not d.discoverable
            report.with_doi += bool(d.doi)
        db.executemany("INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        db.executemany("INSERT INTO handle VALUES (?, 'item', ?, NULL)", [(r[1], r[0]) for r in items])
        db.executemany("INSERT INTO metadatavalue VALUES (?, ?, ?, ?)", values)
        db.execute("DELETE FROM temp.seed_item")
        db.executemany("INSERT INTO temp.seed_item VALUES (?, ?)", [(d.uuid, d.work.index) for d in drafts])
        db.execute(
            "INSERT INTO metadatavalue SELECT i.uuid, w.field, w.value, w.place "
            "FROM temp.seed_item i JOIN temp.seed_work w ON w.work = i.work"
        )
        db.executemany("INSERT INTO bundle VALUES (?, ?, ?, ?, ?)", bundles)
        db.executemany("INSERT INTO bitstream VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", bitstreams)
        db.executemany("INSERT OR REPLACE INTO doi VALUES (?, ?, ?, ?, ?, ?, ?)", dois)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('handle_next', ?)", (str(n),))
    report.files += len(bundles)
    report.first_handle = report.first_handle or f"{HANDLE_PREFIX}/{first}"
    report.last_handle = f"{HANDLE_PREFIX}/{n - 1}"


def _bundle(store: Store, d: _Draft, handle: str, bitstreams: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Write the item's small CSV file; return its ORIGINAL bundle row and append its bitstream row."""
    rows = "".join(f"2024-01-01T00:{i:02d}:00Z,{(i * 7919) % 1000 / 10}\n" for i in range(d.file_lines))
    storage, size, md5 = store.store_file([f"# sandbox item {handle}\ntime,value\n{rows}".encode()])
    ids = random.Random(d.uuid)
    bundle, bitstream = (str(uuidlib.UUID(int=ids.getrandbits(128), version=4)) for _ in range(2))
    bitstreams.append(
        (bitstream, bundle, "data.csv", size, md5, "text/csv", 1, storage,
         "{" + _members({"dc.title": [("data.csv", None)]}) + "}", d.created)
    )  # fmt: skip
    return (bundle, d.uuid, "ORIGINAL", "{" + _members({"dc.title": [("ORIGINAL", None)]}) + "}", None)


_LANG = {None: "null", "en": '"en"'}


def _members(fields: dict[str, Values]) -> str:
    """Encode fields as JSON object members in the store's metadata shape (json.dumps, several times faster)."""
    return ",".join(
        f"{_quote(key)}:["
        + ",".join(
            f'{{"value":{_quote(v)},"language":{_LANG[lang]},"authority":null,"confidence":-1,"place":{i}}}'
            for i, (v, lang) in enumerate(vs)
        )
        + "]"
        for key, vs in fields.items()
    )


def _stamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch))
