"""The replica's view of the shared template registry, around the template engine (pure, no I/O).

Every replica applies every ``TemplateEvent`` (its own included). An event that replaces a template
(``previous_template_id`` set: updated, merged, llm-refined) retires the old one; if the engine
still holds a retired template it is rebuilt from the live set, because the engine prefers the most
specific template and would otherwise keep assigning the retired id.
"""

from __future__ import annotations

from collections.abc import Iterable

from logmesh_contracts import TemplateEvent
from template_matching.engine import Match, TemplateEngine


class TemplateRegistry:
    def __init__(self, engine_factory: type[TemplateEngine] = TemplateEngine) -> None:
        self._factory = engine_factory
        self.engine = engine_factory()
        self.live: dict[str, str] = {}
        self.retired: set[str] = set()
        self.rebuilds = 0

    def assign(self, message: str) -> Match:
        """The template of a message (fast path, else mining); records what the engine learned."""
        match = self.engine.add(message)
        if match.is_new or match.previous_template_id:
            self._learned(match)
        return match

    def assign_batch(self, messages: Iterable[str]) -> list[Match]:
        """:meth:`assign` for a consumed batch in one engine call; the matches and the registry's
        state afterwards are exactly those of calling assign message by message."""
        matches = self.engine.match_batch(messages)
        learned = self._learned
        for match in matches:
            if match.is_new or match.previous_template_id:
                learned(match)
        return matches

    def _learned(self, match: Match) -> None:
        self.live[match.template_id] = match.template
        self.retired.discard(match.template_id)
        for old in match.replaced or (match.previous_template_id,):
            if old and old != match.template_id:  # a merge retires every template it replaced
                self.live.pop(old, None)
                self.retired.add(old)

    def seed(self, templates: Iterable[tuple[str, str]]) -> None:
        """Known templates from storage at start (ids retired by later events are skipped)."""
        fresh = [(tid, text) for tid, text in templates if tid not in self.retired and tid not in self.live]
        for tid, text in fresh:
            self.live[tid] = text
        self.engine.load(text for _, text in fresh)

    def apply(self, events: Iterable[TemplateEvent]) -> int:
        """Apply registry events; returns how many changed this replica's view."""
        changed = 0
        to_load: list[str] = []
        must_rebuild = False
        for event in events:
            previous = event.previous_template_id
            if event.kind == "deleted":
                if self.live.pop(event.template_id, None) is not None:
                    must_rebuild = True
                    changed += 1
                self.retired.add(event.template_id)
                continue
            if previous and previous != event.template_id and previous not in self.retired:
                self.retired.add(previous)
                if self.live.pop(previous, None) is not None:
                    must_rebuild = True
                changed += 1
            if event.template_id in self.retired or event.template_id in self.live:
                continue
            self.live[event.template_id] = event.template
            to_load.append(event.template)
            changed += 1
        if must_rebuild:
            self.rebuild()
        elif to_load:
            self.engine.load(to_load)
        return changed

    def rebuild(self) -> None:
        engine = self._factory()
        engine.load(self.live.values())
        self.engine = engine
        self.rebuilds += 1

    def template_of(self, template_id: str) -> str | None:
        return self.live.get(template_id)


def resolve_lineage(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Retired template id -> the live id that replaced it, following chains (a -> b -> c
    gives a -> c) from (retired id, replacing id) pairs; a cycle ends at the id where it
    closes. Records stored under a retired id are found under the live one at query time."""
    successor: dict[str, str] = {}
    for retired, replacing in pairs:
        if retired and replacing and retired != replacing:
            successor[retired] = replacing
    resolved: dict[str, str] = {}
    for start in successor:
        seen = {start}
        current = successor[start]
        while current in successor and current not in seen:
            if current in resolved:
                current = resolved[current]
                break
            seen.add(current)
            current = successor[current]
        resolved[start] = current
    return {k: v for k, v in resolved.items() if k != v}
