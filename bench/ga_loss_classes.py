#!/usr/bin/env python3
"""Where the template engine's grouping accuracy is lost, by class of mistake.

Every line that GA counts wrong (its predicted group is not exactly its ground-truth group) in
``logmesh parse``'s default mode (stream, retired numbers announced) gets one class:

* ``over_merge``: its template also holds lines of another ground-truth event; subclassed by
  how the merged events' ground-truth templates differ from the line's own (``one_word``:
  same length, one position; ``words``: same length, several positions; ``length``: word
  counts differ) and whether they share a long prefix (half their words or more);
* ``split``: its template holds only its event's lines but not all of them; subclassed by how
  its template differs from the template of the event's largest piece (``same_text`` cannot
  happen, GA groups by text; ``one_word``, ``words``, ``free_text``: word counts differ in one
  contiguous span, ``length_scattered``: word counts differ in several places);
* ``order``: a split or over-merge that ``--final`` (the same lines, every template at its end
  state) does not make, i.e. the line was answered before the evidence arrived.

Counts per source and class go to the JSON; for the corpora not held out (and Loghub) the
largest classes' example pairs are printed with ``--examples``. The five held-out corpora are
reported as counts only (docs/decisions/template-engine.md, the hold-out rule).

    .venv/bin/python bench/ga_loss_classes.py [--out bench/results/engine-pass17b-loss-classes.json] [--examples N]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import HELD_OUT, engine_templates, in_order, shared_sources, source_group, write_totals  # noqa: E402


def _differences(a: list[str], b: list[str]) -> str:
    if len(a) == len(b):
        n = sum(1 for x, y in zip(a, b, strict=True) if x != y)
        return "same_text" if n == 0 else "one_word" if n == 1 else "words"
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    return "free_text" if prefix + suffix == min(len(a), len(b)) else "length_scattered"


def _shares_long_prefix(a: list[str], b: list[str]) -> bool:
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    return prefix >= max(2, min(len(a), len(b)) // 2)


def wrong_lines(gt: list[str], predicted: list[str]) -> set[int]:
    members: dict[str, set[int]] = defaultdict(set)
    groups: dict[str, set[int]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gt, predicted, strict=True)):
        if g.strip():
            members[g].add(i)
            groups[p].add(i)
    return {i for i, (g, p) in enumerate(zip(gt, predicted, strict=True)) if g.strip() and groups[p] != members[g]}


def classify(gt: list[str], stream: list[str], final: list[str]) -> tuple[Counter, dict]:
    gt = [" ".join(t.split()) for t in gt]
    events_of: dict[str, Counter] = defaultdict(Counter)
    pieces_of: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gt, stream, strict=True):
        if g:
            events_of[p][g] += 1
            pieces_of[g][p] += 1
    final_wrong = wrong_lines(gt, final)
    counts: Counter = Counter()
    examples: dict[str, Counter] = defaultdict(Counter)
    for i in sorted(wrong_lines(gt, stream)):
        g, p = gt[i], stream[i]
        if len(events_of[p]) > 1:
            others = [e for e in events_of[p] if e != g]
            kinds = {_differences(g.split(), e.split()) for e in others}
            kind = "one_word" if kinds == {"one_word"} else "words" if "length_scattered" not in kinds and "free_text" not in kinds else "length"
            long_prefix = any(_shares_long_prefix(g.split(), e.split()) for e in others)
            cls = f"over_merge/{kind}" + ("/long_prefix" if long_prefix else "")
            example = (p, " || ".join(sorted(events_of[p])[:4]))
        else:
            largest = pieces_of[g].most_common(1)[0][0]
            if largest == p and len(pieces_of[g]) > 1:
                largest = pieces_of[g].most_common(2)[1][0]
            cls = "split/" + _differences(p.split(), largest.split())
            example = (g, f"{p}  <>  {largest}")
        if i not in final_wrong:
            cls = "order/" + cls
        counts[cls] += 1
        examples[cls][example] += 1
    return counts, examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-pass17b-loss-classes.json"))
    ap.add_argument("--examples", type=int, default=0, help="example groups per class printed (not for the held out)")
    ap.add_argument("--only", nargs="*", help="sources to score (default: all)")
    ap.add_argument("--shuffle", type=int, default=0, help="score the lines in this seeded random order (0: their own)")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    out: dict = {"mode": "stream_announce", "shuffle": args.shuffle, "held_out_counts_only": list(HELD_OUT), "sources": {}}
    totals: dict[str, Counter] = {"loghub": Counter(), "corpora_read": Counter(), "held_out": Counter()}
    for name, (contents, gt) in shared_sources(args.shared).items():
        if args.only and name not in args.only:
            continue
        contents, gt = in_order(contents, gt, args.shuffle)
        stream = engine_templates(contents, config, False)
        final = engine_templates(contents, config, True)
        counts, examples = classify(gt, stream, final)
        out["sources"][name] = {"lines": len(contents), "wrong": sum(counts.values()), "classes": dict(counts.most_common())}
        group = source_group(name)
        totals[group].update(counts)
        print(f"{name:22s} wrong {sum(counts.values()):5d}  " + "  ".join(f"{c} {n}" for c, n in counts.most_common(6)), flush=True)
        if args.examples and name not in HELD_OUT:
            for cls, n in counts.most_common(4):
                print(f"  [{cls}] {n}")
                for (a, b), k in examples[cls].most_common(args.examples):
                    print(f"     {k:4d}  {a[:150]}\n           {b[:300]}")
    write_totals(out, "totals", totals, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
