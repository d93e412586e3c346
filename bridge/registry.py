"""A typed table of named entries and a decorator that fills it: how targets, verify checks and FAIR indicators plug in.

A room declares one table and the entry type it holds::

    CHECKS: Registry[Check] = Registry("verify check", key=lambda c: c.id)

    def check(id: str, needs: str) -> Callable[[CheckFn], CheckFn]:
        return CHECKS.register(lambda fn: Check(id, needs, fn))

    @check("handle", needs="handle")
    async def check_handle(ctx, subject) -> Result: ...

Entries keep registration order (the order reports use). A duplicate key is a programming error raised at
import time, so two modules can never silently shadow each other; ``registered`` adds an entry for the length of
a ``with`` block (a test's fake target or check) and restores the table afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

E = TypeVar("E")
F = TypeVar("F", bound=Callable[..., object])

__all__ = ["Registry"]


class Registry(Generic[E]):
    """An ordered table of entries of one type, looked up by key."""

    def __init__(self, what: str, *, key: Callable[[E], str]) -> None:
        self.what = what  # for messages: "unknown verify check 'x'"
        self._key = key
        self._entries: dict[str, E] = {}

    def add(self, entry: E, *, replace: bool = False) -> E:
        """Register an entry under its key; a second entry with the same key is an error unless ``replace``."""
        name = self._key(entry)
        if name in self._entries and not replace:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def register(self, build: Callable[[F], E]) -> Callable[[F], F]:
        """Return a decorator that registers ``build(function)`` and leaves the function unchanged."""

        def decorate(function: F) -> F:
            self.add(build(function))
            return function

        return decorate

    def remove(self, name: str) -> E:
        """Take an entry out of the table and return it."""
        return self._entries.pop(name)

    @contextmanager
    def registered(self, entry: E) -> Iterator[E]:
        """Add an entry for the length of the block (replacing one of the same key), then restore the table."""
        name = self._key(entry)
        before = self._entries.get(name)
        self.add(entry, replace=True)
        try:
            yield entry
        finally:
            if before is None:
                self._entries.pop(name, None)
            else:
                self._entries[name] = before

    def __getitem__(self, name: str) -> E:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries) or "none"
            raise KeyError(f"unknown {self.what} {name!r} (known: {known})") from None

    def get(self, name: str) -> E | None:
        return self._entries.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[E]:
        """Iterate over the entries (not the keys), in registration order."""
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """Return the keys in registration order."""
        return tuple(self._entries)
