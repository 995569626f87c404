#!/usr/bin/env python3
"""Weigh engine rules one flag at a time on named corpora: GA with every flag on, with each
flag off in turn, and with all of them off, in the corpora's own order and in seeded shuffled
orders (the seeds of bench/order_robustness.py).

This is the transfer check of docs/decisions/template-engine.md: a rule is merged only if no
corpus written blind falls with its flag on. It prints scores only (never a line, template or
ground-truth event), so it may be run on held-out corpora. Every rule of the engine sits behind
a boolean field of ``EngineConfig``; name those fields with ``--flags``.

    .venv/bin/python bench/engine_flag_weigh.py --flags glued_fields prepositions_not_values \\
        [--corpora WorkflowPlatform GeoPlatform] [--shuffles 3] [--out bench/results/engine-flag-weigh.json] [--json]

Without ``--corpora`` the corpora held out in bench/generalisation_bench.py are weighed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import CORPORA, HELD_OUT, load_sources, ordered_ga  # noqa: E402


def variants(flags: list[str]) -> dict[str, dict[str, bool]]:
    """The configurations weighed: all flags on, each one off, and all off when there are several."""
    out: dict[str, dict[str, bool]] = {"all_on": {}}
    out.update({f"off:{flag}": {flag: False} for flag in flags})
    if len(flags) > 1:
        out["all_off"] = dict.fromkeys(flags, False)
    return out


def lowered(scores: dict[str, dict[str, list[float]]], flags: list[str]) -> list[dict]:
    """Each (corpus, order, flag) where the corpus scores lower with the flag on than with it off."""
    rows = []
    for name, by_variant in scores.items():
        for order, on in enumerate(by_variant["all_on"]):
            for flag in flags:
                off = by_variant[f"off:{flag}"][order]
                if on < off:
                    rows.append({"corpus": name, "order": order, "flag": flag, "on": on, "off": off})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flags", nargs="+", required=True, help="boolean fields of EngineConfig")
    parser.add_argument("--corpora", nargs="+", default=list(HELD_OUT))
    parser.add_argument("--shuffles", type=int, default=0, help="shuffled orders besides the own order")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "engine-flag-weigh.json")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args()

    from template_matching.engine import EngineConfig

    switchable = {f.name for f in dataclasses.fields(EngineConfig) if f.type in (bool, "bool")}
    unknown = [flag for flag in args.flags if flag not in switchable]
    if unknown:
        sys.exit(f"not a boolean field of EngineConfig: {', '.join(unknown)} "
                 "(see services/template-matching/src/template_matching/engine/core.py)")
    missing = [name for name in args.corpora if name not in CORPORA]
    if missing:
        sys.exit(f"not a corpus of bench/corpora/generate.py: {', '.join(missing)} (CORPORA in bench/generalisation_bench.py)")
    shared = (ROOT.parent / "shared").resolve()
    if not (shared / "tools" / "loghub_eval.py").exists():
        sys.exit(f"needs the Loghub harness at {shared / 'tools'} (the project's ../shared checkout)")
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    sources = {name: source for name, source in load_sources(shared, H).items() if name in args.corpora}

    configs = variants(args.flags)
    scores: dict[str, dict[str, list[float]]] = {}
    for done, (name, (contents, truth)) in enumerate(sources.items(), 1):
        scores[name] = {v: [] for v in configs}
        for seed in range(args.shuffles + 1):
            for v, off in configs.items():
                scores[name][v].append(ordered_ga(H, contents, truth, seed, EngineConfig(announce_retired=True, **off)))
        own = " ".join(f"{v}={s[0]:.3f}" for v, s in scores[name].items())
        print(f"[{done}/{len(sources)}] {name:22s} own order: {own}", file=sys.stderr, flush=True)

    means = {v: [round(statistics.fmean(scores[n][v][o] for n in scores), 4) for o in range(args.shuffles + 1)]
             for v in configs}
    summary = {"mean_by_order": means, "lowered_by_flag": lowered(scores, args.flags)}
    args.out.write_text(json.dumps({
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mode": "stream, retired numbers announced (logmesh parse default); order 0 is the corpus's own",
        "flags": args.flags, "shuffles": args.shuffles, "summary": summary, "sources": scores,
    }, indent=1) + "\n")
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        for v, m in means.items():
            print(f"{v:32s} mean GA by order {' '.join(f'{x:.4f}' for x in m)}")
        for row in summary["lowered_by_flag"]:
            print(f"lower with {row['flag']} on: {row['corpus']} order {row['order']} {row['off']:.4f} -> {row['on']:.4f}")
        if not summary["lowered_by_flag"]:
            print("no corpus lower with any flag on, in any order")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
