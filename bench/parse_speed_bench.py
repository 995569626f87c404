#!/usr/bin/env python3
"""Speed of the template engine on mostly-unique lines: native masking (template_native, Rust)
against the Python reference masking, and `python -m template_matching.engine` against drain3
behind the same stdin -> JSON-lines interface (generalisation_bench.throughput, cache on and off).

    .venv/bin/python bench/parse_speed_bench.py [--lines 60000] [--no-process]

In-process figures are process CPU time per line (us) of: the masking pass alone, `assign`
(message cache off: every line is masked) and `match_batch` (what the service calls, on a
trained engine). Writes bench/results/parse_speed.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _us_per_line(fn, lines: list[str]) -> float:
    t0 = time.process_time()
    fn(lines)
    return (time.process_time() - t0) / len(lines) * 1e6


def in_process(lines: list[str]) -> dict:
    from template_matching.engine import EngineConfig, TemplateEngine

    def engine(python_masking: bool) -> TemplateEngine:
        e = TemplateEngine(EngineConfig(message_cache_size=0))
        if python_masking:
            e._mask = e._mask_reference  # type: ignore[method-assign]
        return e

    out: dict[str, dict] = {}
    for label, python_masking in (("native", False), ("python_reference", True)):
        mask_engine = engine(python_masking)
        assign_engine = engine(python_masking)
        assign_us = _us_per_line(lambda ls, e=assign_engine: [e.assign(x) for x in ls], lines)
        match_us = _us_per_line(lambda ls, e=assign_engine: e.match_batch(ls), lines)
        out[label] = {
            "mask_us_per_line": _us_per_line(lambda ls, e=mask_engine: [e._mask(x) for x in ls], lines),
            "assign_us_per_line": assign_us,
            "match_batch_us_per_line": match_us,
            "templates": len(assign_engine.templates()),
        }
    for key in ("mask_us_per_line", "assign_us_per_line", "match_batch_us_per_line"):
        out[f"{key}_speedup"] = out["python_reference"][key] / out["native"][key]  # type: ignore[assignment]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=60000)
    ap.add_argument("--no-process", action="store_true", help="skip the process-interface throughput vs drain3")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpora" / "generate.py"), "--out", str(tmp / "big"),
                        "--lines", str(args.lines), "--seed", "1515"], check=True, stdout=subprocess.DEVNULL)
        lines_file = tmp / "unique.log"
        with lines_file.open("w", encoding="utf-8") as out:
            for name in ("K8sPlatform", "DataPlatform"):
                out.write((tmp / "big" / name / f"{name}_2k.log").read_text(encoding="utf-8"))
        lines = lines_file.read_text(encoding="utf-8").splitlines()
        report: dict = {"lines": len(lines), "distinct_lines": len(set(lines)), "in_process": in_process(lines)}
        print(json.dumps(report, indent=2), flush=True)
        if not args.no_process:
            if not (SHARED / "tools" / "loghub_eval.py").is_file():
                report["process"] = f"skipped: needs the drain3-stdin harness at {SHARED / 'tools'}"
            else:
                gb = _load("logmesh_generalisation_bench", ROOT / "bench" / "generalisation_bench.py")
                report["process"] = gb.throughput(SHARED, lines_file, drain3_default=True)
                d = report["process"]["drain3_default"]["cpu_s"]
                for row in report["process"].values():
                    row["ratio_vs_drain3_default_cpu"] = d / row["cpu_s"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "parse_speed.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report.get("process"), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
