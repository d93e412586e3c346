"""Bounds on one resumptionToken chain: a provider whose tokens never end cannot keep a harvest running forever.

Two signs end a chain with a clear error: more pages than the provider's own ``completeListSize`` can explain
(with slack; or an explicit ``--max-pages``), and ``--max-stale-pages`` pages in a row that bring no record
this chain has not seen already (the same records under new tokens, or empty pages that still carry a token).
Identifiers are remembered as 64-bit digests, up to ``MAX_REMEMBERED`` of them, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from bridge.errors import RepositoryError

MAX_STALE_PAGES = 10
PAGE_SLACK = 2.0  # pages allowed per page completeListSize implies …
EXTRA_PAGES = 10  # … plus these, for providers whose count is approximate
MAX_REMEMBERED = 2_000_000  # identifiers remembered per chain (16 bytes of set entry each, about)
HINT = "the provider's resumption tokens do not end; report it to the provider, or raise {option} if the list is real"


class EndlessList(RepositoryError):
    """A token chain that had to be stopped: running the same command again would not end it either."""


@dataclass(frozen=True)
class ChainLimits:
    """What one chain may cost: None max_pages means "from completeListSize, with slack"."""

    max_pages: int | None = None
    max_stale_pages: int = MAX_STALE_PAGES


class ChainGuard:
    """Watch one window's token chain page by page; raise RepositoryError when it must stop."""

    def __init__(self, limits: ChainLimits) -> None:
        self.limits = limits
        self.pages = 0
        self.stale = 0
        self.stale_empty = True  # every stale page so far was empty (rather than repeating records)
        self.per_page = 0  # the most records a page of this chain carried
        self.seen: set[bytes] = set()

    def page(self, identifiers: list[str], token: str | None, size: int | None) -> None:
        """Account for one page (its identifiers, next token and completeListSize)."""
        self.pages += 1
        self.per_page = max(self.per_page, len(identifiers))
        new = 0
        for identifier in identifiers:
            digest = hashlib.blake2b(identifier.encode("utf-8"), digest_size=8).digest()
            if digest not in self.seen:
                new += 1
                if len(self.seen) < MAX_REMEMBERED:
                    self.seen.add(digest)
        if token is None:
            return
        if new:
            self.stale, self.stale_empty = 0, True
        else:
            self.stale, self.stale_empty = self.stale + 1, self.stale_empty and not identifiers
        if self.stale >= self.limits.max_stale_pages:
            what = "empty pages" if self.stale_empty else "pages with no record new to this chain"
            raise EndlessList(
                f"{self.stale} {what} in a row that still carry a resumptionToken (stopped after {self.pages} pages)",
                hint=HINT.format(option="--max-stale-pages"),
            )
        limit = self.page_limit(size)
        if limit is not None and self.pages >= limit:
            why = (
                "--max-pages"
                if self.limits.max_pages is not None
                else f"completeListSize {size} at up to {self.per_page} records a page, with slack"
            )
            raise EndlessList(
                f"stopped after {self.pages} pages ({why}) and the provider still sends a "
                "resumptionToken",
                hint=HINT.format(option="--max-pages"),
            )

    def page_limit(self, size: int | None) -> int | None:
        """Return the most pages this chain may have, or None when nothing bounds it yet."""
        if self.limits.max_pages is not None:
            return self.limits.max_pages
        if size is None:
            return None
        return math.ceil(size / max(self.per_page, 1) * PAGE_SLACK) + EXTRA_PAGES
