"""The generic table behind targets, verify checks and FAIR indicators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bridge.registry import Registry

Fn = Callable[[int], int]


@dataclass(frozen=True)
class Entry:
    id: str
    needs: str
    run: Fn


def make_table() -> tuple[Registry[Entry], Callable[[str, str], Callable[[Fn], Fn]]]:
    table: Registry[Entry] = Registry("test entry", key=lambda e: e.id)

    def entry(id: str, needs: str) -> Callable[[Fn], Fn]:
        return table.register(lambda fn: Entry(id, needs, fn))

    return table, entry


def test_decorator_registers_in_order_and_keeps_the_function() -> None:
    table, entry = make_table()

    @entry("double", needs="number")
    def double(x: int) -> int:
        return 2 * x

    @entry("square", needs="number")
    def square(x: int) -> int:
        return x * x

    assert double(3) == 6  # the decorated function is unchanged
    assert table.names() == ("double", "square")
    assert [e.run(4) for e in table] == [8, 16]
    assert table["square"].needs == "number"
    assert "double" in table and "cube" not in table
    assert len(table) == 2
    assert table.get("cube") is None


def test_duplicate_key_is_an_error_unless_replaced() -> None:
    table, _ = make_table()
    table.add(Entry("a", "x", abs))
    with pytest.raises(ValueError, match="test entry 'a' is already registered"):
        table.add(Entry("a", "y", abs))
    table.add(Entry("a", "y", abs), replace=True)
    assert table["a"].needs == "y"


def test_unknown_key_names_the_known_ones() -> None:
    table, _ = make_table()
    table.add(Entry("a", "x", abs))
    with pytest.raises(KeyError, match=r"unknown test entry 'b' \(known: a\)"):
        table["b"]


def test_registered_is_temporary_and_restores_a_replaced_entry() -> None:
    table, _ = make_table()
    original = table.add(Entry("a", "x", abs))
    with table.registered(Entry("b", "x", abs)) as added:
        assert table["b"] is added
    assert "b" not in table
    with table.registered(Entry("a", "other", abs)):
        assert table["a"].needs == "other"
    assert table["a"] is original
    with pytest.raises(RuntimeError), table.registered(Entry("c", "x", abs)):
        raise RuntimeError("the table is restored even when the block fails")
    assert table.names() == ("a",)
    assert table.remove("a") is original
    assert len(table) == 0
