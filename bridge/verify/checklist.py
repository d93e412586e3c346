"""The table of verify checks: each check's id, what it needs of a subject, and the function that runs it.

A new check is one function registered with ``@check``; ``bridge.verify.builtin`` registers the standard
ones in report order (the order of the table is the order of the report). The function gets the run's
context, the subject and the results of the subject's earlier phases, and returns one Result, or None when
it has nothing to say about this subject::

    @check("robots", needs=("handle",), origins=("deposit",))
    async def robots(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bridge.registry import Registry

if TYPE_CHECKING:
    from bridge.verify.http_checks import Context
    from bridge.verify.model import Origin, Result, VerifySubject

Need = Literal["handle", "doi", "receipt", "landing_url"]
CheckFn = Callable[["Context", "VerifySubject", "list[Result]"], Awaitable["Result | None"]]
EVERY_ORIGIN: tuple[Origin, ...] = ("deposit", "harvested", "pid")


@dataclass(frozen=True)
class Check:
    """One kind of check: its id (the ``check`` of its results), when it applies, and how it runs."""

    id: str
    run: CheckFn
    needs: tuple[Need, ...] = ()  # VerifySubject fields that must be set for the check to apply
    origins: tuple[Origin, ...] = EVERY_ORIGIN
    phase: int = 0  # checks of one phase run concurrently, after every lower phase; each sees earlier results

    def applies(self, subject: VerifySubject) -> bool:
        """Tell whether the subject has an origin this check covers and has everything it needs."""
        return subject.origin in self.origins and all(getattr(subject, need) is not None for need in self.needs)


CHECKS: Registry[Check] = Registry("verify check", key=lambda c: c.id)


def check(
    id: str, *, needs: tuple[Need, ...] = (), origins: tuple[Origin, ...] = EVERY_ORIGIN, phase: int = 0
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check `id`."""
    return CHECKS.register(lambda fn: Check(id, fn, needs, origins, phase))


def report_order() -> dict[str, int]:
    """Return each check id's rank in reports (registration order)."""
    return {name: i for i, name in enumerate(CHECKS.names())}
