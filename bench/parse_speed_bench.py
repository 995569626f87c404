#!/usr/bin/env python3
"""Speed of the template engine on mostly-unique lines: the native bulk path (template_native:
masking + TemplateIndex) against the per-line Python path and the Python reference masking, and
`python -m template_matching.engine` against drain3 behind the same stdin -> JSON-lines
interface (generalisation_bench.throughput, cache on and off).

    .venv/bin/python bench/parse_speed_bench.py [--lines 60000] [--no-process]

In-process figures are process CPU time per line (us) of: the masking pass alone; per-line
`assign` (message cache off: every line masked and looked up in Python); per-line `add` on a
trained engine (the service's path before the native index); `match_batch` on a trained engine
(what the service calls: native bulk path); `render_text` (the stream loop's call: native bulk
path, cache off) on a fresh engine (learning included) and on a trained one; and the service's
call, TemplateRegistry.assign_batch per 500-record batch, against assign per record.

Process figures (lines per CPU second of the child process, best of two rounds): the mixed
K8sPlatform + DataPlatform file (drain3 degenerates on its ingress-nginx access lines), and
`by_corpus`: the corpora drain3 handles well (DataPlatform, ServicePlatform, EdgePlatform) one
by one plus `unique`: the distinct lines of those three (no line repeats, so the message cache
never answers). Writes bench/results/parse_speed.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
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

    def engine(python_masking: bool = False) -> TemplateEngine:
        e = TemplateEngine(EngineConfig(message_cache_size=0))
        if python_masking:
            e._mask = e._mask_reference  # type: ignore[method-assign]
        return e

    text = "".join(line + "\n" for line in lines)
    out: dict[str, dict] = {}
    for label, python_masking in (("native_masking_python_lookup", False), ("python_reference", True)):
        mask_engine = engine(python_masking)
        assign_engine = engine(python_masking)
        assign_us = _us_per_line(lambda ls, e=assign_engine: [e.assign(x) for x in ls], lines)
        add_us = _us_per_line(lambda ls, e=assign_engine: [e.add(x) for x in ls], lines)
        out[label] = {
            "mask_us_per_line": _us_per_line(lambda ls, e=mask_engine: [e._mask(x) for x in ls], lines),
            "assign_us_per_line": assign_us,
            "add_loop_trained_us_per_line": add_us,
            "templates": len(assign_engine.templates()),
        }
    fresh = engine()
    trained = engine()
    trained.render_text(text)
    out["native_bulk"] = {
        "render_text_us_per_line": _us_per_line(lambda _ls: fresh.render_text(text), lines),
        "render_text_trained_us_per_line": _us_per_line(lambda _ls: trained.render_text(text), lines),
        "match_batch_trained_us_per_line": _us_per_line(lambda ls: trained.match_batch(ls), lines),
        "templates": len(fresh.templates()),
    }
    out["service_registry"] = registry_rows(lines)
    per_line = out["native_masking_python_lookup"]
    bulk = out["native_bulk"]
    out["speedup"] = {
        "mask_native_vs_python": out["python_reference"]["mask_us_per_line"] / per_line["mask_us_per_line"],
        "stream_bulk_vs_assign_loop": per_line["assign_us_per_line"] / bulk["render_text_us_per_line"],
        "match_batch_bulk_vs_add_loop": per_line["add_loop_trained_us_per_line"]
        / bulk["match_batch_trained_us_per_line"],
        "registry_assign_batch_vs_one_by_one": out["service_registry"]["assign_one_by_one_us_per_record"]
        / out["service_registry"]["assign_batch_us_per_record"],
    }
    return out


def registry_rows(lines: list[str], batch: int = 500) -> dict:
    """The service's engine call per consumed batch (TemplateRegistry.assign_batch ->
    match_batch, native bulk path) against TemplateRegistry.assign message by message, each
    on a fresh registry (learning included): the engine's share of the per-record cost."""
    from template_matching.registry import TemplateRegistry

    batched, single = TemplateRegistry(), TemplateRegistry()
    batches = [lines[i : i + batch] for i in range(0, len(lines), batch)]
    return {
        "batch": batch,
        "assign_batch_us_per_record": _us_per_line(lambda _ls: [batched.assign_batch(b) for b in batches], lines),
        "assign_one_by_one_us_per_record": _us_per_line(lambda ls: [single.assign(x) for x in ls], lines),
        "same_templates": batched.engine.templates() == single.engine.templates(),
    }


def by_corpus(gb, big: Path, tmp: Path) -> dict:
    """Process throughput on the corpora drain3 handles well, one by one, and on their
    distinct lines (a stream where no line repeats)."""
    names = ("DataPlatform", "ServicePlatform", "EdgePlatform")
    files = {name: big / name / f"{name}_2k.log" for name in names}
    seen: dict[str, None] = {}
    for path in files.values():
        seen.update(dict.fromkeys(path.read_text(encoding="utf-8").splitlines()))
    files["unique"] = tmp / "unique_only.log"
    files["unique"].write_text("".join(line + "\n" for line in seen), encoding="utf-8")
    out: dict[str, dict] = {}
    for name, path in files.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        print(f"process: {name}", file=sys.stderr, flush=True)
        rows = gb.throughput(SHARED, path, drain3_default=True)
        d = rows["drain3_default"]["cpu_s"]
        for row in rows.values():
            row["ratio_vs_drain3_default_cpu"] = d / row["cpu_s"]
        out[name] = {"lines": len(lines), "distinct_lines": len(set(lines)), "parsers": rows}
    return out


def main() -> int:
    # the parsers run as Python normally runs them, with their modules' bytecode cached:
    # drain3's was compiled when pip installed it, an editable install writes ours on its
    # first run (a PYTHONDONTWRITEBYTECODE=1 shell would otherwise charge every start of
    # the engine with compiling its source; the first of the two rounds writes the cache)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
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
                report["by_corpus"] = by_corpus(gb, tmp / "big", tmp)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "parse_speed.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"process": report.get("process"), "by_corpus": report.get("by_corpus")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
