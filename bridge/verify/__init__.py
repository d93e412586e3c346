"""`bridge verify`: prove that published PIDs still resolve and that the repository still holds what was deposited.

Checks, per deposit (from the ledger's receipts) — each is one result ``(pid, check)``:

``handle``        the Handle resolves through the Handle proxy API (responseCode 1) to the landing page;
                  DSpace's placeholder prefix 123456789 is a failure
``doi``           the DOI resolves through the DOI resolver's Handle API to the same landing page
``datacite``      the DataCite REST record is findable with the deposited url, titles, creators, year, type
``landing``       the landing page answers 200 with HTML that names the Handle (and the DOI)
``oai_dc``        the harvested oai_dc record matches the deposit (titles, creators, identifiers, rights,
``oai_datacite``  type); pending within ``--grace`` of the deposit; oai_datacite only when harvested
``checksums``     every deposited file is in the repository with the deposited MD5

Each check is one function in the table of ``bridge.verify.checklist`` (see ``bridge.verify.builtin``).

and, per harvested record the bridge did not deposit, ``handle``, ``doi`` (when it has one) and ``landing``.

The JSON report (``bridge verify --format json``)::

    {
      "summary": {"passed": n, "failed": n, "pending": n, "total": n, "newly_broken": n, "fixed": n},
      "results": [
        {"pid": "10261/42", "check": "handle", "status": "passed|failed|pending", "detail": "…",
         "url": "https://…" (when a URL was checked), "changed": "newly-broken" | "fixed" | null,
         "subject": "deposit|harvested|pid", "seconds": 0.012},
        …
      ],
      "run": {"id", "profile", "started", "finished", "seconds", "previous_run", "subjects", "requests",
              "requests_per_pid", "pids_per_second", "concurrency", "per_host", "grace", "since", "oai_endpoint",
              "tool_version"}
    }

Results are sorted failed first, then pending, then passed. ``changed`` compares each (pid, check) with its
latest result in the profile's previous runs (looking back up to 10 runs); it is null on a first run.
"""

from __future__ import annotations

from bridge.verify.checklist import CHECKS as CHECK_TABLE
from bridge.verify.checklist import Check, check
from bridge.verify.model import Report, Result, VerifySubject
from bridge.verify.run import Options, parse_duration, parse_since, verify, verify_profile

# The standard check ids in report order (the table itself is CHECK_TABLE; see bridge.verify.checklist).
CHECKS: tuple[str, ...] = CHECK_TABLE.names()

__all__ = [
    "CHECKS",
    "CHECK_TABLE",
    "Check",
    "Options",
    "Report",
    "Result",
    "VerifySubject",
    "check",
    "parse_duration",
    "parse_since",
    "verify",
    "verify_profile",
]
