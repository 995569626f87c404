#!/usr/bin/env python3
"""Which rule made the position variable where events that differ at a word were merged.

Runs ``logmesh parse``'s default mode (stream, retired numbers announced) on an engine that
notes, for every template position that becomes a variable, the rule that decided it: the
evidence that let a sibling group merge (``five_values``, ``pair_elsewhere``, the shape and
label guesses of ``_value_evidence``, the value vocabulary, late merges: ``late_record``,
``late_value_names``, ``sibling_after_change``), or why ``_closest`` did not count the
difference as a word (``record``, ``value_shaped_pair``, ``vocab_pair``, ``state_pair``,
``masked_vs_word`` ...). Every line that ``bench/ga_loss_classes.py`` would class
``over_merge/one_word`` or ``over_merge/words`` (with or without ``/long_prefix``) is then
attributed to the rules noted at the positions where its event and the other events of its
template differ (``masking``: the two lines mask to the same tokens; ``span`` / ``gapped``:
a variable-length template).

Counts per rule go to the JSON, per source and per group; for Loghub and the read corpora the
largest rules' example templates are printed with ``--examples``. The held-out corpora are
counted only (docs/decisions/template-engine.md, the hold-out rule): no line, word or template
of theirs is printed or stored.

    .venv/bin/python bench/over_merge_rules.py [--out bench/results/engine-pass18b-over-merge-rules.json] [--examples N]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from ga_loss_classes import _differences, _shares_long_prefix, wrong_lines  # noqa: E402
from generalisation_bench import HELD_OUT, shared_sources, source_group, stream_assign, write_totals  # noqa: E402

CLASSES = ("one_word", "words")


def tracing_engine(config):
    """A TemplateEngine that records, per (template, position), the rule that made it vary."""
    from template_matching.engine import core

    base_siblings = core._Siblings
    context: list[str] = []

    class Siblings(base_siblings):
        __slots__ = ("_evident", "why")

        @property
        def evident(self) -> bool:
            return self._evident

        @evident.setter
        def evident(self, value: bool) -> None:
            if value and not getattr(self, "_evident", False):
                self.why = context[-1] if context else "unknown"
            self._evident = value

    core._Siblings = Siblings
    request_method = core._request_method

    class Tracing(core.TemplateEngine):
        def __init__(self, cfg) -> None:
            super().__init__(cfg)
            self.why: dict[tuple[int, int], str] = {}
            self._line: tuple[str, ...] = ()
            self._words: list[int] = []
            self._hit = ""

        def _traced(self, name: str, method, *args):
            context.append(name)
            try:
                return method(*args)
            finally:
                context.pop()

        def _learn_line(self, message):
            self._line, self._words, self._hit = (), [], ""
            return super()._learn_line(message)

        def _closest(self, b, toks):
            c, words = super()._closest(b, toks)
            self._line, self._words = toks, list(words)
            return c, words

        def _is_record(self, c, words, line):
            hit = super()._is_record(c, words, line)
            if hit and not context:
                self._hit = "record"
            return hit

        def _late_record(self, c):
            return self._traced("late_record", super()._late_record, c)

        def _learn_value_name(self, word):
            return self._traced("late_value_names", super()._learn_value_name, word)

        def _siblings_after_change(self, c):
            return self._traced("sibling_after_change", super()._siblings_after_change, c)

        def _pair_seen_elsewhere(self, group, word):
            return self._traced("pair_elsewhere_late", super()._pair_seen_elsewhere, group, word)

        def _merge_siblings(self, group, pos, toks):
            why = group.why if group.evident else self._direct_reason(group, toks[pos])
            return self._traced("sibling:" + why + f":{pos}", super()._merge_siblings, group, pos, toks)

        def _direct_reason(self, group, word: str) -> str:
            if word in group.values:
                return "word_in_group"
            if len(group.values) + 1 >= self.config.min_word_values:
                return "five_values"
            pairs = self._pairs
            if any(pairs.get((o, word) if o < word else (word, o)) not in (None, group) for o in group.values):
                return "pair_elsewhere"
            return self._evidence_reason(group, word) or ("diversity_ratio" if self._diverse(group) else "other")

        def _evidence_reason(self, group, word: str) -> str | None:
            words = (word, *group.values)
            if word in core._EMPTY or not core._EMPTY.isdisjoint(group.values):
                return "empty_marker"
            vocab = self._values
            if all(w in vocab for w in words):
                return "vocab"
            if self.config.value_names and all(self._known_value(v) for v in words):
                return "value_names"
            if self._enum_after_label(group, word):
                return "enum_after_label"
            if self._name_after_kind(group):
                return "name_after_kind"
            if self._unit_after_number(group, word):
                return "unit_after_number"
            if group.pos > 0 and all(core._CAPS_LABEL.match(w) for w in words):
                return "caps_label"
            if all(core._bracketed_name(w) for w in words):
                return "bracketed_name"
            if self._header_field(group, word) or core._same_fields(words):
                return "header_field"
            if core._bracket_argument(words):
                return "bracket_argument"
            if core._value_shaped(word) or any(core._value_shaped(v) for v in group.values):
                return "value_shaped"
            if self._same_position(group.members[0]):
                return "same_source_position"
            return None

        def _plain_reason(self, i: int, a: str, t: str) -> str:
            if i in self._words:
                return self._hit or "request_method"
            if not core._is_word_edit(a, t):
                if "=" in a or "=" in t:
                    return "key_value"
                return "masked_vs_word" if core.VAR not in a and core._has_alpha(a) else "value_token"
            if a in core._EMPTY or t in core._EMPTY:
                return "empty_marker_pair"
            if core._value_shaped(a) and core._value_shaped(t):
                return "value_shaped_pair"
            if a in self._values and t in self._values:
                return "vocab_pair"
            first = self._pairs.get((a, t) if a < t else (t, a))
            if first is not None and first.evident:
                return "pair_evident"
            if self._state_pair(self._line, i, t):
                return "state_pair"
            if core._glued_part(a, t):
                return "glued_part"
            return "closest_other"

        def _retokenise(self, c, toks):
            old = c.tokens
            out = super()._retokenise(c, toks)
            top = context[-1] if context else ""
            for i, (a, n) in enumerate(zip(old, toks, strict=True)):
                if a == n or (out.seq, i) in self.why:
                    continue
                if top.startswith("sibling:"):
                    _, why, pos = top.split(":")
                    reason = why if int(pos) == i else "sibling_other_value"
                elif len(self._line) == len(old):
                    reason = self._plain_reason(i, a, self._line[i])
                else:
                    reason = "other_path"
                self.why[(out.seq, i)] = reason
            return out

    core._request_method = lambda tpl, toks, words, *a: _note(engine_ref, request_method(tpl, toks, words, *a))
    engine_ref: list = []

    def _note(ref, hit):
        if hit and ref and not context:
            ref[0]._hit = "request_method"
        return hit

    engine = Tracing(config)
    engine_ref.append(engine)

    def restore() -> None:
        core._Siblings = base_siblings
        core._request_method = request_method

    return engine, restore


def _span_reasons(engine, c, mine: tuple[str, ...], theirs: tuple[str, ...]) -> set[str]:
    """For a span template: the rule noted at each prefix position where the two events
    differ ("span_prefix" when the span's own match generalised it, unnoted), or
    "span_run" when they differ only from the span's start on (the span took the word)."""
    p = c.span
    diff = [j for j in range(p) if mine[j] != theirs[j]]
    if not diff:
        return {"span_run"}
    return {"span_prefix:" + engine.why.get((c.seq, j), "unnoted") for j in diff}


def attribute(contents: list[str], gt: list[str], config, split_spans: bool = False) -> tuple[Counter, dict]:
    engine, restore = tracing_engine(config)
    lines = [line.replace("\r", " ").replace("\n", " ") for line in contents]
    try:
        clusters, stream = stream_assign(engine, lines)
    finally:
        restore()
    gt = [" ".join(t.split()) for t in gt]
    events_of: dict[str, Counter] = defaultdict(Counter)
    first_line: dict[tuple[str, str], int] = {}
    for i, (g, p) in enumerate(zip(gt, stream, strict=True)):
        if g:
            events_of[p][g] += 1
            first_line.setdefault((p, g), i)
    counts: Counter = Counter()
    examples: dict[str, Counter] = defaultdict(Counter)
    for i in sorted(wrong_lines(gt, stream)):
        g, p = gt[i], stream[i]
        if len(events_of[p]) < 2:
            continue
        others = [e for e in events_of[p] if e != g]
        kinds = {_differences(g.split(), e.split()) for e in others}
        kind = "one_word" if kinds == {"one_word"} else "words" if not kinds & {"length_scattered", "free_text"} else None
        if kind is None:
            continue
        cls = kind + ("/long_prefix" if any(_shares_long_prefix(g.split(), e.split()) for e in others) else "")
        c = engine._clusters[clusters[i]].resolve()
        mine = engine._mask(lines[i])
        reasons = set()
        for e in others:
            theirs = engine._mask(lines[first_line[(p, e)]])
            if c.span is not None and split_spans and len(mine) >= c.span and len(theirs) >= c.span:
                reasons |= _span_reasons(engine, c, mine, theirs)
            elif c.span is not None or c.gaps:
                reasons.add("span" if c.span is not None else "gapped")
            elif len(mine) != len(theirs):
                reasons.add("other_length")
            else:
                diff = [j for j, (x, y) in enumerate(zip(mine, theirs, strict=True)) if x != y]
                if not diff:
                    reasons.add("masking")
                for j in diff:
                    reasons.add(engine.why.get((c.seq, j), "unrecorded") if j < len(c.tokens) else "unrecorded")
        rule = "+".join(sorted(reasons))
        counts[(cls, rule)] += 1
        examples[rule][(c.template, " || ".join(sorted(events_of[p])[:4]))] += 1
    return counts, examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-pass18b-over-merge-rules.json"))
    ap.add_argument("--examples", type=int, default=0, help="example templates per rule (not for the held out)")
    ap.add_argument("--only", nargs="*", help="sources to score (default: all)")
    ap.add_argument("--split-spans", action="store_true",
                    help="attribute span templates' lines to the rule at the differing prefix position, or span_run")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    out: dict = {"mode": "stream_announce", "held_out_counts_only": list(HELD_OUT), "sources": {}}
    totals: dict[str, Counter] = {"loghub": Counter(), "corpora_read": Counter(), "held_out": Counter()}
    by_rule: dict[str, Counter] = {g: Counter() for g in totals}
    for name, (contents, gt) in shared_sources(args.shared).items():
        if args.only and name not in args.only:
            continue
        counts, examples = attribute(contents, gt, config, args.split_spans)
        group = source_group(name)
        per_rule: Counter = Counter()
        for (cls, rule), n in counts.items():
            totals[group][f"{cls} {rule}"] += n
            per_rule[rule] += n
        by_rule[group].update(per_rule)
        out["sources"][name] = {"over_merged_lines": sum(per_rule.values()), "rules": dict(per_rule.most_common())}
        print(f"{name:22s} {sum(per_rule.values()):5d}  " + "  ".join(f"{r} {n}" for r, n in per_rule.most_common(6)), flush=True)
        if args.examples and name not in HELD_OUT:
            for rule, n in per_rule.most_common(5):
                print(f"  [{rule}] {n}")
                for (tpl, events), k in examples[rule].most_common(args.examples):
                    print(f"     {k:4d}  {tpl[:150]}\n           {events[:400]}")
    out["rules_by_class"] = {g: dict(c.most_common()) for g, c in totals.items()}
    write_totals(out, "rules", by_rule, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
