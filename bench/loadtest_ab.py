"""The whole embedded mesh, a baseline commit's services (A) against this tree's (B), interleaved
A B B A … in one session, same harness (this tree's ``loadtest/scenario.py`` and producer).

A runs from ``git archive <baseline>``: its ``services/*/src`` and ``contracts/src`` go first on
PYTHONPATH, which the scenario's service processes inherit. The comparable figure is each
service's ``cpu_us_per_record`` (process CPU time); records/s follow the machine's contention.

    .venv/bin/python bench/loadtest_ab.py [--baseline REF] [--records 50000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from baseline_sources import extract_sources

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("ingestion", "template-matching")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=None, help="git ref of variant A (default: where this branch left main)")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=200_000)
    parser.add_argument("--rounds", type=int, default=4, help="runs per variant")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "loadtest-ab-batch.json")
    args = parser.parse_args()
    ref = ["rev-parse", args.baseline] if args.baseline else ["merge-base", "HEAD", "main"]
    baseline = subprocess.run(["git", "-C", str(ROOT), *ref], capture_output=True, text=True, check=True).stdout.strip()
    runs = []
    with tempfile.TemporaryDirectory(prefix="loadtest-ab-") as tmp:
        a_path = extract_sources(baseline, Path(tmp))
        order = [("A", "B") if n % 2 == 0 else ("B", "A") for n in range(args.rounds)]
        for n, pair in enumerate(order):
            for variant in pair:
                env = dict(os.environ)
                if variant == "A":
                    env["PYTHONPATH"] = os.pathsep.join([*a_path, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
                out = Path(tmp) / f"{variant}-{n}.json"
                subprocess.run([sys.executable, str(ROOT / "loadtest" / "scenario.py"), "--records", str(args.records),
                                "--rate", str(args.rate), "--alerts", "0", "--out", str(out)],
                               env=env, check=True, capture_output=True, cwd=ROOT)
                got = json.loads(out.read_text())
                if got.get("queryable_rows") != args.records:
                    raise SystemExit(f"{variant}: {got.get('queryable_rows')} rows queryable of {args.records}")
                runs.append({"variant": variant, "date": got.get("date"),
                             "load_average_at_end": got.get("machine", {}).get("load_average_at_end", os.getloadavg()),
                             "queryable_rows": got["queryable_rows"],
                             "end_to_end_records_per_s": got.get("end_to_end_records_per_s"),
                             "cpu_us_per_record": got["cpu_us_per_record"],
                             "broker_cpu_us_per_record": got.get("broker_cpu_us_per_record"),
                             "run_seconds": got.get("run_seconds"),
                             "records_per_poll": got.get("records_per_poll"),
                             "consumer_lag_max": got.get("consumer_lag_max")})
                print(f"run {n + 1} {variant}: " + "  ".join(f"{s} {got['cpu_us_per_record'][s]}" for s in SERVICES)
                      + f"  broker {got.get('broker_cpu_us_per_record')}  e2e {got.get('end_to_end_records_per_s')}/s", file=sys.stderr, flush=True)
    median = {v: {s: round(statistics.median(r["cpu_us_per_record"][s] for r in runs if r["variant"] == v), 1)
                  for s in SERVICES} for v in ("A", "B")}
    for variant in ("A", "B"):
        brokers = [r["broker_cpu_us_per_record"] for r in runs if r["variant"] == variant and r["broker_cpu_us_per_record"]]
        if brokers:
            median[variant]["broker"] = round(statistics.median(brokers), 1)
    result = {
        "what": f"the embedded mesh, {args.baseline or 'the merge base'}'s services (A, {baseline[:12]}) against this tree's (B), "
                f"interleaved; --records {args.records} --rate {args.rate:g} --alerts 0",
        "machine_note": "2 cores shared with other engineers' work: CPU µs per record is the comparable figure",
        "cpu_us_per_record_median": median,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(median))


if __name__ == "__main__":
    main()
