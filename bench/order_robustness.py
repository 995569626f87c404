#!/usr/bin/env python3
"""How much the engine's grouping depends on the order lines arrive in.

An online miner decides from the lines it has seen so far, so a corpus scored in its one
generated (or recorded) order can look better or worse than the same lines in another order,
which is what a user's stream is. Every Loghub-2k dataset and every own corpus is scored in
its own order and in ``--shuffles`` seeded random orders, in ``logmesh parse``'s default mode
(stream, retired numbers announced; the harness's ``cmd:`` semantics), and the GA range is
reported per source.

    .venv/bin/python bench/order_robustness.py [--shuffles 3] [--out bench/results/order-robustness.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import CORPORA, load_sources, ordered_ga  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "order-robustness.json")
    args = parser.parse_args()
    shared = (ROOT.parent / "shared").resolve()
    if not (shared / "tools" / "loghub_eval.py").exists():
        sys.exit(f"needs the Loghub harness at {shared / 'tools'} (the project's ../shared checkout)")
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    rows: dict[str, dict] = {}
    for name, (contents, truth) in load_sources(shared, H).items():
        scores = []
        for seed in range(args.shuffles + 1):
            scores.append(ordered_ga(H, contents, truth, seed, config))
        rows[name] = {"own_order": scores[0], "shuffled": scores[1:], "min": min(scores),
                      "mean": round(statistics.fmean(scores), 4)}
        print(f"{name:22s} own {scores[0]:.3f}  shuffled {' '.join(f'{s:.3f}' for s in scores[1:])}", flush=True)
    groups = {"loghub": [n for n in rows if n not in CORPORA], "corpora": [n for n in rows if n in CORPORA]}
    summary = {
        group: {"own_order_mean": round(statistics.fmean(rows[n]["own_order"] for n in names), 4),
                "all_orders_mean": round(statistics.fmean(rows[n]["mean"] for n in names), 4),
                "worst_order_mean": round(statistics.fmean(rows[n]["min"] for n in names), 4)}
        for group, names in groups.items()
    }
    for group, s in summary.items():
        print(f"{group}: own order {s['own_order_mean']:.3f}, all orders {s['all_orders_mean']:.3f}, "
              f"worst order {s['worst_order_mean']:.3f} (mean GA)")
    args.out.write_text(json.dumps({
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mode": "stream, retired numbers announced (logmesh parse default)",
        "shuffles": args.shuffles, "summary": summary, "sources": rows,
    }, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
