"""Retired template ids resolve to the live template that replaced them."""

from __future__ import annotations

from template_matching.registry import resolve_lineage


def test_chains_resolve_to_the_last_template() -> None:
    assert resolve_lineage([("a", "b"), ("b", "c"), ("x", "c"), ("c", "d")]) == {"a": "d", "b": "d", "x": "d", "c": "d"}


def test_self_references_and_blanks_are_ignored_and_cycles_end() -> None:
    assert resolve_lineage([("a", "a"), ("", "b"), ("c", "")]) == {}
    cycle = resolve_lineage([("a", "b"), ("b", "a")])
    assert set(cycle) <= {"a", "b"} and all(v in {"a", "b"} for v in cycle.values())


def test_a_merge_retires_every_template_it_replaced() -> None:
    from template_matching.registry import TemplateRegistry

    registry = TemplateRegistry()
    matches = [registry.assign(f"session closed for login {u}") for u in ("alice", "bob", "carol", "dave", "erin")]
    assert set(registry.live) == {matches[-1].template_id}
    assert {m.template_id for m in matches[:-1]} <= registry.retired
