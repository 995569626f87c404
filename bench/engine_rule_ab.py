#!/usr/bin/env python3
"""Quick protocol of one engine rule: all 16 Loghub-2k datasets and every own corpus, in
stream with retired numbers announced (``logmesh parse``'s default), stream without
announcing and ``--final``; GA / FGA / PA / FTA per source.

    .venv/bin/python bench/engine_rule_ab.py LABEL [--out bench/results/engine-pass8-rules.json]

Each call adds (or replaces) the run ``LABEL`` in the output JSON, so a rule's effect is the
difference of two labels run on the same data (`--compare BEFORE AFTER` prints it and checks
the keep rule: mean GA up, no source down by more than .005 GA in any mode).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import CORPORA, METRICS, engine_templates, load_sources  # noqa: E402

MODES = ("stream_announce", "stream", "final")


def run(shared: Path) -> dict:
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    from template_matching.engine import EngineConfig

    sources = load_sources(shared, H)
    configs = {"stream_announce": (EngineConfig(announce_retired=True), False),
               "stream": (EngineConfig(), False), "final": (EngineConfig(), True)}
    out: dict = {}
    for name, (contents, gt) in sources.items():
        out[name] = {}
        for mode, (cfg, final) in configs.items():
            t = engine_templates(contents, cfg, final)
            r = H.evaluate(gt, t, t)
            out[name][mode] = {m: round(r[m], 4) for m in METRICS}
    return out


def compare(runs: dict, before: str, after: str) -> bool:
    a, b = runs[before]["sources"], runs[after]["sources"]
    common = [n for n in a if n in b]  # a corpus added later is compared only where both runs have it
    a, b = {n: a[n] for n in common}, {n: b[n] for n in common}
    ok = True
    for mode in MODES:
        for group, names in (("loghub", [n for n in a if n not in CORPORA]), ("corpora", [n for n in CORPORA if n in a])):
            ma = sum(a[n][mode]["GA"] for n in names) / len(names)
            mb = sum(b[n][mode]["GA"] for n in names) / len(names)
            print(f"{mode:16s} {group:8s} mean GA {ma:.4f} -> {mb:.4f}  "
                  f"FGA {sum(a[n][mode]['FGA'] for n in names)/len(names):.4f} -> "
                  f"{sum(b[n][mode]['FGA'] for n in names)/len(names):.4f}  "
                  f"PA {sum(a[n][mode]['PA'] for n in names)/len(names):.4f} -> "
                  f"{sum(b[n][mode]['PA'] for n in names)/len(names):.4f}  "
                  f"FTA {sum(a[n][mode]['FTA'] for n in names)/len(names):.4f} -> "
                  f"{sum(b[n][mode]['FTA'] for n in names)/len(names):.4f}")
        for n in a:
            d = {m: b[n][mode][m] - a[n][mode][m] for m in METRICS}
            if any(abs(v) >= 0.0005 for v in d.values()):
                print(f"   {n:16s} " + " ".join(f"{m} {a[n][mode][m]:.3f}->{b[n][mode][m]:.3f}" for m in METRICS))
            if d["GA"] < -0.005:
                ok = False
    print("keep" if ok else "REJECT: a source drops by more than .005 GA")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("label", nargs="?")
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-pass8-rules.json"))
    ap.add_argument("--note", default="")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    out = Path(args.out)
    runs = json.loads(out.read_text()) if out.exists() else {}
    if args.compare:
        return 0 if compare(runs, *args.compare) else 1
    shared = Path(args.shared).resolve()
    if not (shared / "tools" / "loghub_eval.py").is_file():
        print(f"engine_rule_ab: no tools/loghub_eval.py under {shared} (pass --shared PATH)", file=sys.stderr)
        return 2
    runs[args.label] = {"note": args.note, "sources": run(shared)}
    out.write_text(json.dumps(runs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
