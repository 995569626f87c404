#!/usr/bin/env python3
"""Learning speed on lines that do not repeat, base commit vs the working tree: the first N
distinct lines of every generated corpus (held-out ones included: timings only, no line is
printed or written) learnt by ONE engine with ``add``, as an operator's mesh sees many software
families at once (most of the time goes to trying each new line against recent templates of
its first word, TemplateEngine._learn_span). Process CPU time per line, best of ``--rounds``,
base and head interleaved in separate processes; the template count is printed as a check
that both learnt the same thing.

    .venv/bin/python bench/engine_learning_speed.py BASE_COMMIT [--lines 400] [--rounds 3]
        [--out bench/results/engine-learning-speed.json]

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
import hashlib, importlib.util, sys, time
src, gen, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, src)
import template_matching.engine.core as C
assert C.__file__.startswith(src), C.__file__
from template_matching.engine import TemplateEngine
spec = importlib.util.spec_from_file_location("gen", gen)
g = importlib.util.module_from_spec(spec); sys.modules["gen"] = g; spec.loader.exec_module(g)
lines = []
for name in g.CORPORA:
    lines += list(dict.fromkeys(m for m, _, _ in g.generate(name, n, 15)))[:n]
e = TemplateEngine()
t0 = time.process_time()
ids = [e.add(line).template_id for line in lines]
dt = time.process_time() - t0
digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
print(len(lines), dt, len(set(ids)), digest)
"""


def measure(src: str, n: int) -> tuple[int, float, int, str]:
    out = subprocess.run([sys.executable, "-c", CHILD, src, str(ROOT / "bench" / "corpora" / "generate.py"), str(n)],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]), out[3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("--lines", type=int, default=400, help="distinct lines per corpus")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine-learning-speed.json"))
    args = ap.parse_args()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    base = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", args.base, "services/template-matching/src"], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        srcs = {"base": str(Path(tmp) / "services" / "template-matching" / "src"),
                "head": str(ROOT / "services" / "template-matching" / "src")}
        runs: dict[str, list[float]] = {"base": [], "head": []}
        learnt: dict[str, tuple[int, str]] = {}
        lines = 0
        for r in range(args.rounds):
            for label, src in srcs.items():
                lines, secs, templates, digest = measure(src, args.lines)
                runs[label].append(round(lines / secs, 1))
                learnt[label] = (templates, digest)
                print(f"round {r + 1} {label}: {lines / secs:.1f} lines/s ({secs:.1f} s, {templates} templates, "
                      f"answers {digest})", flush=True)
    best = {k: max(v) for k, v in runs.items()}
    result = {
        "base": base, "head": head + ("+dirty" if subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT).returncode else ""),
        "lines_per_corpus": args.lines, "corpora": "all of bench/corpora/generate.py CORPORA (held-out included, timed only)",
        "lines": lines, "lines_per_s": runs, "best_lines_per_s": best,
        "speedup": round(best["head"] / best["base"], 3),
        "templates": {k: v[0] for k, v in learnt.items()},
        "same_answers": learnt["base"] == learnt["head"],
    }
    print(json.dumps({k: result[k] for k in ("best_lines_per_s", "speedup", "templates", "same_answers")}))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
