#!/usr/bin/env python3
"""In-process A/B of the template engine's learning cost between two commits: the distinct
lines of DataPlatform, ServicePlatform and EdgePlatform (20,000 generated lines each) through
`render_text` on a fresh engine (masking, native look-up and Python mining), best of three,
process CPU time per line; the two engines run interleaved in separate processes.

    .venv/bin/python bench/engine_speed_ab.py BASE_COMMIT [--rounds 2] [--out bench/results/engine-speed-ab.json]

BASE_COMMIT's services/template-matching/src is exported with `git archive` into a temporary
folder; the native extension is the one installed (its interface must not have changed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import importlib.util, sys, time
src = sys.argv[1]
sys.path.insert(0, src)
import template_matching.engine.core as C
assert C.__file__.startswith(src), C.__file__
from template_matching.engine import TemplateEngine
spec = importlib.util.spec_from_file_location("gen", sys.argv[2])
g = importlib.util.module_from_spec(spec); sys.modules["gen"] = g; spec.loader.exec_module(g)
lines = []
for n in ("DataPlatform", "ServicePlatform", "EdgePlatform"):
    lines += [m for m, _, _ in g.generate(n, 20000, 15)]
lines = list(dict.fromkeys(lines))
text = "".join(line + "\n" for line in lines)
best = 1e9
for _ in range(3):
    e = TemplateEngine()
    t0 = time.process_time(); e.render_text(text); best = min(best, time.process_time() - t0)
print(len(lines), best / len(lines) * 1e6)
"""


def measure(src: str) -> tuple[int, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, src, str(ROOT / "bench" / "corpora" / "generate.py")],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-speed-ab.json"))
    args = ap.parse_args()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", args.base, "services/template-matching/src"], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        base_src = str(Path(tmp) / "services" / "template-matching" / "src")
        head_src = str(ROOT / "services" / "template-matching" / "src")
        runs: dict[str, list[float]] = {"base": [], "head": []}
        lines = 0
        for r in range(args.rounds):
            for label, src in (("base", base_src), ("head", head_src)):
                lines, us = measure(src)
                runs[label].append(round(us, 3))
                print(f"round {r + 1} {label}: {us:.2f} us/line", flush=True)
    result = {"base": args.base, "head": head, "distinct_lines": lines, "us_per_line_best_of_3": runs,
              "best": {k: min(v) for k, v in runs.items()}}
    print(json.dumps(result["best"]))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
