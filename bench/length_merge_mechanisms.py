#!/usr/bin/env python3
"""Which length-flexible mechanism made each over-merge across lengths.

``bench/ga_loss_classes.py`` names the class ``over_merge/length``: one template holds lines
of ground-truth events of different token counts. This diagnostic runs the engine in
``logmesh parse``'s default mode (stream, retired numbers announced), records on each template
which mechanism first let it take a line of another length (wrapping the engine's methods,
the engine itself unchanged), and attributes every over-merged-across-lengths line to the
mechanism of its template:

* ``span/<cut> (<clause>)``: a span made by ``_learn_span`` or ``_span_after_change``, by
  the cut's shape (``bracket_group``, ``after_label``: the run follows a token ending in
  ``:``, ``enclosed``: the run opens with a bracket or quote, ``other``) and the clause of
  ``_span_cut`` that cut it (named by its comment, found by tracing the cut once more);
  ``@after_change`` when ``_span_after_change`` made it;
* ``span_widened``: ``_widen_span`` or a later line's tail (``_match_span``) ran the value on;
* ``gapped`` (``_learn_gapped``) / ``gapped_after_change``;
* ``fixed/masked``: a template of fixed length whose lines' raw token counts differ (list
  runs, bracketed value lists, dates written with spaces: the masking made them one length);
* ``fixed/other``: a fixed template whose lines have one raw length (the ground truth counts
  another length for one event: a value printed with spaces it wrote as one).

A template that names no word (``has_literal_word`` false) is also counted as ``wordless``.
For the sources not held out, the largest templates are printed with their events and the
features a stricter test could ask about (constant words kept, the lines each merged event
brought, the fillers of the variable part). The seven held out are counts per mechanism only.

    .venv/bin/python bench/length_merge_mechanisms.py [--out bench/results/engine-pass18a-length-mechanisms.json] [--show 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from ga_loss_classes import _differences  # noqa: E402
from generalisation_bench import HELD_OUT, shared_sources, source_group, stream_assign, write_totals  # noqa: E402


def _cut_shape(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> str:
    from template_matching.engine import core

    if core._bracket_group_cut(tpl, toks) == (p, s):
        return "span/bracket_group"
    if p and tpl[p - 1].endswith(":"):
        return "span/after_label"
    if p < len(tpl) and core._opening(tpl[p])[-1:] in core._CLOSERS:
        return "span/enclosed"
    return "span/other"


def _cut_clause(engine, tpl: tuple[str, ...], toks: tuple[str, ...]) -> int:
    """The source line of the ``return`` in _span_cut (or _bracket_group_cut) that cut the
    two (the clause that decided), found by tracing one repeated call (its evidence is kept
    in sets, so the repeat changes nothing)."""
    from template_matching.engine import core

    where = [0]
    codes = {core._span_cut.__code__, core._bracket_group_cut.__code__}

    def local(frame, event, arg):
        if event == "return" and arg is not None:
            where[0] = frame.f_lineno
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code in codes else None

    sys.settrace(tracer)
    try:
        if engine._configured_span_cut(tpl, toks) is None:
            core._bracket_group_cut(tpl, toks)
    finally:
        sys.settrace(None)
    return _clause_name(where[0])


def _clause_name(lineno: int) -> str:
    """The clause of core.py whose ``return`` is at ``lineno``, named by its comment (the
    inline one, else the top line of the comment block just above it) so that the output does
    not depend on line numbers."""
    import inspect

    from template_matching.engine import core

    lines = inspect.getsource(core).splitlines()
    line = lines[lineno - 1]
    if "def _bracket_group_cut" in "\n".join(lines[max(0, lineno - 50) : lineno]) and "nt - et - 1" in line:
        return "bracket group"
    if "#" in line:
        text = line.split("#", 1)[1]
    else:
        k = lineno - 2
        while not lines[k].strip().startswith(("#", "if ", "return")):
            k -= 1
        if lines[k].strip().startswith("#"):
            while lines[k - 1].strip().startswith("#"):
                k -= 1
        else:  # no comment: the clause's condition
            k = k + 1 if lines[k].strip().startswith("return") else k
        text = lines[k].strip().lstrip("#")
    return " ".join(text.split()[:6]).strip(" :,(\"'")


class _Recorder:
    """Wraps the engine's length-flexible methods; ``tags[seq]`` lists the mechanisms that
    changed template ``seq``, first one first."""

    def __init__(self, engine) -> None:
        self.tags: dict[int, list[str]] = defaultdict(list)
        self.caller: list[str] = []
        from template_matching.engine import core
        e = engine
        make_span, widen, learn_gapped, gapped_change, match_span, span_change = (
            e._make_span, e._widen_span, e._learn_gapped, e._gapped_after_change, e._match_span, e._span_after_change)

        def tag(c, what: str) -> None:
            if not self.tags[c.seq] or self.tags[c.seq][-1] != what:
                self.tags[c.seq].append(what)

        def _make_span(c, toks, p, s):
            shape = _cut_shape(c.tokens, toks, p, s)
            shape += f" ({_cut_clause(e, c.tokens, toks)})"
            if not core.has_literal_word(" ".join(c.tokens)):
                shape += "/wordless_before"
            tag(c, shape + ("@after_change" if self.caller and self.caller[-1] == "after_change" else ""))
            return make_span(c, toks, p, s)

        def _widen_span(c, fixed):
            before = c.tokens
            out = widen(c, fixed)
            if c.tokens != before:
                tag(c, "span_widened")
            return out

        def _match_span(toks):
            found = match_span(toks)
            if found is not None and found[1]:
                tag(found[0], "span_generalised")
            return found

        def _span_after_change(c):
            self.caller.append("after_change")
            try:
                return span_change(c)
            finally:
                self.caller.pop()

        def _learn_gapped(message, toks):
            found = learn_gapped(message, toks)
            if found is not None:
                tag(found[0], "gapped")
            return found

        def _gapped_after_change(c):
            out = gapped_change(c)
            if out or c.gaps:
                tag(c, "gapped_after_change")
            return out

        e._make_span, e._widen_span, e._match_span = _make_span, _widen_span, _match_span
        e._span_after_change, e._learn_gapped, e._gapped_after_change = _span_after_change, _learn_gapped, _gapped_after_change


def _mechanism(tags: list[str], raw_lengths: set[int]) -> str:
    for t in tags:
        if t.startswith(("span/", "gapped")):
            return t
    if tags:
        return tags[0]
    return "fixed/masked" if len(raw_lengths) > 1 else "fixed/other"


def run_source(contents: list[str], gt: list[str], config) -> tuple[Counter, Counter, list[dict]]:
    from template_matching.engine import TemplateEngine
    from template_matching.engine.core import has_literal_word

    engine = TemplateEngine(config)
    rec = _Recorder(engine)
    numbers, stream = stream_assign(engine, contents)
    final_clusters = [engine._clusters[n].resolve() for n in numbers]
    gt = [" ".join(t.split()) for t in gt]
    events_of: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gt, stream, strict=True):
        if g:
            events_of[p][g] += 1
    by_template: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(stream):
        by_template[p].append(i)
    lines_by_mech: Counter = Counter()
    templates_by_mech: Counter = Counter()
    rows = []
    for p, idx in by_template.items():
        events = events_of[p]
        if len(events) < 2 or len({len(e.split()) for e in events}) < 2:
            continue
        # the over_merge/length lines of this template (ga_loss_classes' class, wrong lines only)
        wrong = 0
        for g, n in events.items():
            others = [e for e in events if e != g]
            kinds = {_differences(g.split(), e.split()) for e in others}
            if "length_scattered" in kinds or "free_text" in kinds:
                wrong += n
        if not wrong:
            continue
        clusters = {final_clusters[i] for i in idx}
        tags = [t for c in sorted(clusters, key=lambda c: c.seq) for t in rec.tags.get(c.seq, [])]
        raw_lengths = {len(contents[i].split()) for i in idx}
        mech = _mechanism(tags, raw_lengths)
        lines_by_mech[mech] += wrong
        templates_by_mech[mech] += 1
        if not has_literal_word(p):
            lines_by_mech["wordless"] += wrong
            templates_by_mech["wordless"] += 1
        rows.append({"template": p, "lines": wrong, "mechanism": mech, "tags": tags,
                     "events": [[e, n] for e, n in events.most_common(6)],
                     "example_lines": [contents[i][:220] for i in idx[:1]]
                     + [contents[i][:220] for i in idx if len(contents[i].split()) != len(contents[idx[0]].split())][:1]})
    rows.sort(key=lambda r: -r["lines"])
    return lines_by_mech, templates_by_mech, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-pass18a-length-mechanisms.json"))
    ap.add_argument("--show", type=int, default=0, help="largest templates printed per readable source")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    out: dict = {"mode": "stream_announce", "held_out_counts_only": list(HELD_OUT), "sources": {}}
    totals: dict[str, Counter] = {"loghub": Counter(), "corpora_read": Counter(), "held_out": Counter()}
    for name, (contents, gt) in shared_sources(args.shared).items():
        if args.only and name not in args.only:
            continue
        lines, templates, rows = run_source(contents, gt, config)
        group = source_group(name)
        totals[group].update(lines)
        entry: dict = {"lines": dict(lines.most_common()), "templates": dict(templates.most_common())}
        if group != "held_out":
            entry["largest"] = rows[:8]
        out["sources"][name] = entry
        print(f"{name:22s} " + "  ".join(f"{m} {n}" for m, n in lines.most_common()), flush=True)
        if args.show and group != "held_out":
            for r in rows[: args.show]:
                print(f"   {r['lines']:4d} {r['mechanism']:24s} {r['template'][:150]}   tags={r['tags']}")
                for e, n in r["events"][:4]:
                    print(f"          {n:4d}  {e[:150]}")
    write_totals(out, "totals", totals, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
