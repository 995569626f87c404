#!/usr/bin/env python3
"""Events split into templates of different token counts, and what varies in count (issue 15,
seventeenth pass c).

Runs the engine in the default stream (retired numbers announced) over each source and groups
the lines by their ground-truth event. An event whose lines fall into two or more engine
templates is *split*; it is ``length_scattered`` when its templates differ in token count,
``words`` when they are of one count and differ at two places or more, ``one_word`` at one
place (the seventeenth pass (a)'s class). A split event is *pure* when every one of its
templates holds its lines only: one merge would win all of them (GA counts an event right only
when all its lines are in one template that holds nothing else).

For a length-scattered event the template with most lines is the reference; every other
template is cut against it by the longest common prefix and suffix of tokens (equal, or a
variable on one side), and the raw tokens of a line at the cut are its *span*. The pair of
spans (one reference line, one other line) gets a kind from its shape only:

- ``optional``: one side prints nothing there;
- ``quoted`` / ``bracketed``: a span opened by a quote / bracket and closed by its partner;
- ``quantity``: a number and a unit word (``1.2 MB`` / ``512 B``, ``3 ms``) or a duration of
  several parts (``1m 3s``) on one side at least;
- ``list``: items separated by commas (or ``|``, ``;``) on one side at least;
- ``values``: every token on both sides carries a digit or a value mark (``/ . : @ = -``);
- ``free_text``: plain words on both sides (a message text, an error text);
- ``several_places``: the middles still share a constant (more than one place differs);
- ``mixed``: anything else.

Each kind also records the evidence a general rule could use: how many constants the templates
share before and after the span (a frame), and whether several lines of the event show that
same frame. Held-out and blind corpora are counted only: their events, templates and lines are never
printed or stored.

    .venv/bin/python bench/length_splits.py [--out bench/results/engine-pass17c-length-splits.json]
        [--examples FILE]   # read sources only: template pairs and span samples
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import CORPORA, HELD_OUT, engine_templates, shared_sources  # noqa: E402

VAR = "<*>"
_OPEN = {'"': '"', "'": "'", "(": ")", "[": "]", "{": "}", "<": ">"}
# a number glued to or followed by a unit word: sizes, rates, durations (`1.2 MB`, `3ms`, `1m 3s`)
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?[%a-zA-Zµ/]*[,;)]?$")
_UNIT = re.compile(r"^\(?(?:[kKMGTP]i?B|B|bytes?|[mµn]?s|sec(?:onds?)?|min(?:utes?)?|h(?:ours?)?|ms|%)[,;).]?$")
_DURATION_PART = re.compile(r"^\d+(?:\.\d+)?(?:ms|[smhd])[,;)]?$")
_VALUE_MARK = re.compile(r"[\d/.:@=_-]")


def _same(a: str, b: str) -> bool:
    return a == b or VAR in a or VAR in b


def cut(ref: tuple[str, ...], other: tuple[str, ...]) -> tuple[int, int]:
    """Longest common prefix and suffix of two templates (tokens equal, or a variable)."""
    p = 0
    while p < min(len(ref), len(other)) and _same(ref[p], other[p]):
        p += 1
    s = 0
    while s < min(len(ref), len(other)) - p and _same(ref[-1 - s], other[-1 - s]):
        s += 1
    return p, s


def _enclosed(span: list[str]) -> str | None:
    if not span:
        return None
    first, last = span[0], span[-1]
    opener = first[:1]
    if opener in _OPEN and last.rstrip(",.;:")[-1:] == _OPEN[opener]:
        return "quoted" if opener in "\"'" else "bracketed"
    return None


def _quantity(span: list[str]) -> bool:
    if any(_DURATION_PART.match(t) for t in span) and sum(1 for t in span if _DURATION_PART.match(t)) >= 2:
        return True
    return any(_NUMBER.match(a) and _UNIT.match(b) for a, b in pairwise(span))


def _listed(span: list[str]) -> bool:
    return len(span) >= 2 and sum(1 for t in span[:-1] if t.endswith((",", "|", ";"))) >= 1


def _is_value(tok: str) -> bool:
    return bool(_VALUE_MARK.search(tok))


def _plain_word(tok: str) -> bool:
    core = tok.strip(",.;:!?()[]{}'\"")
    return bool(core) and core.replace("-", "").replace("'", "").isalpha()


def span_kind(a: list[str], b: list[str], shared_constant: bool) -> str:
    if shared_constant:
        return "several_places"
    if not a or not b:
        return "optional"
    for span in (a, b):
        k = _enclosed(span)
        if k and len(span) > 1:
            return k
    if _enclosed(a) and _enclosed(b):
        return _enclosed(a)  # type: ignore[return-value]
    if _quantity(a) or _quantity(b):
        return "quantity"
    if _listed(a) or _listed(b):
        return "list"
    if all(_is_value(t) for t in a + b):
        return "values"
    if all(_plain_word(t) for t in a + b):
        return "free_text"
    return "mixed"


def analyse(contents: list[str], gt: list[str], config) -> tuple[dict, list[dict]]:
    tpl = engine_templates(contents, config, False)
    idx = [j for j, g in enumerate(gt) if g.strip()]
    by_template: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    lines_of: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    event_templates: dict[str, Counter] = defaultdict(Counter)
    for j in idx:
        t = tuple(tpl[j].split())
        g = " ".join(gt[j].split())
        by_template[t][g] += 1
        event_templates[g][t] += 1
        lines_of[(g, t)].append(j)
    summary: Counter = Counter()
    events = []
    for event, ts in event_templates.items():
        if len(ts) < 2:
            continue
        total = sum(ts.values())
        pure = all(len(by_template[t]) == 1 for t in ts)
        lengths = {len(t) for t in ts}
        ref = max(ts, key=lambda t: ts[t])
        if len(lengths) == 1:
            diffs = min(sum(1 for x, y in zip(ref, t, strict=True) if not _same(x, y)) for t in ts if t != ref)
            cls = "one_word" if diffs <= 1 else "words"
            summary[f"{cls}_events"] += 1
            summary[f"{cls}_lines"] += total
            summary[f"{cls}_pure_lines"] += total if pure else 0
            continue
        summary["length_scattered_events"] += 1
        summary["length_scattered_lines"] += total
        summary["length_scattered_pure_lines"] += total if pure else 0
        pairs = []
        kinds: Counter = Counter()
        for t in ts:
            if t == ref or len(t) == len(ref):
                continue
            p, s = cut(ref, t)
            ref_mid, oth_mid = ref[p : len(ref) - s], t[p : len(t) - s]
            shared_constant = bool({x for x in ref_mid if VAR not in x} & {x for x in oth_mid if VAR not in x})
            ref_line = contents[lines_of[(event, ref)][0]].split()
            spans = []
            for j in lines_of[(event, t)][:3]:
                raw = contents[j].split()
                if len(raw) != len(t) or len(ref_line) != len(ref):
                    continue
                spans.append((ref_line[p : len(ref_line) - s], raw[p : len(raw) - s]))
            if spans:
                kind = span_kind(*spans[0], shared_constant)
            else:  # masking joined or split raw tokens: the templates' own spans
                kind = span_kind(list(ref_mid), list(oth_mid), shared_constant)
            frame_before = sum(1 for x in ref[:p] if VAR not in x)
            frame_after = sum(1 for x in ref[len(ref) - s :] if VAR not in x)
            kinds[kind] += ts[t]
            pairs.append({"kind": kind, "lines": ts[t], "prefix": p, "suffix": s,
                          "frame_before": frame_before, "frame_after": frame_after,
                          "ref": " ".join(ref), "other": " ".join(t),
                          "spans": [[" ".join(a), " ".join(b)] for a, b in spans]})
        kind = kinds.most_common(1)[0][0] if kinds else "mixed"
        summary[f"kind_{kind}_events"] += 1
        summary[f"kind_{kind}_lines"] += total
        summary[f"kind_{kind}_pure_lines"] += total if pure else 0
        events.append({"event": event, "lines": total, "pure": pure, "templates": len(ts),
                       "kind": kind, "ref_lines": ts[ref], "pairs": pairs})
    summary["lines"] = len(idx)
    events.sort(key=lambda e: -e["lines"])
    return dict(summary), events


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-pass17c-length-splits.json"))
    ap.add_argument("--examples", default="", help="write the read sources' split events here (never held-out)")
    ap.add_argument("--sources", default="", help="comma-separated subset (default: the own corpora)")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    sources = shared_sources(args.shared)
    wanted = [s for s in args.sources.split(",") if s] or [c for c in CORPORA if c in sources]
    report: dict = {"sources": {}, "read_total": Counter(), "held_out_total": Counter()}
    examples = {}
    for name in wanted:
        contents, gt = sources[name]
        summary, events = analyse(contents, gt, config)
        report["sources"][name] = summary
        group = "held_out_total" if name in HELD_OUT else "read_total"
        report[group].update(summary)
        print(f"{name:22s} " + " ".join(f"{k}={v}" for k, v in sorted(summary.items())), flush=True)
        if name not in HELD_OUT:
            examples[name] = events
    for group in ("read_total", "held_out_total"):
        report[group] = dict(sorted(report[group].items()))
        print(group, json.dumps(report[group]))
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    if args.examples:
        Path(args.examples).write_text(json.dumps(examples, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
