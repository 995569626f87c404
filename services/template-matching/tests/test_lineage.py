"""Retired template ids resolve to the live template that replaced them."""

from __future__ import annotations

from template_matching.registry import resolve_lineage


def test_chains_resolve_to_the_last_template() -> None:
    assert resolve_lineage([("a", "b"), ("b", "c"), ("x", "c"), ("c", "d")]) == {"a": "d", "b": "d", "x": "d", "c": "d"}


def test_self_references_and_blanks_are_ignored_and_cycles_end() -> None:
    assert resolve_lineage([("a", "a"), ("", "b"), ("c", "")]) == {}
    cycle = resolve_lineage([("a", "b"), ("b", "a")])
    assert set(cycle) <= {"a", "b"} and all(v in {"a", "b"} for v in cycle.values())
