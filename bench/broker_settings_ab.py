"""The whole embedded mesh under one setting's variants (the mesh's Kafka settings: compression, batch and
fetch sizes, fetch wait), interleaved in one session through ``loadtest/scenario.py``.

Each variant is a set of ``LOGMESH_*`` environment variables every service of the stack inherits. Figures per
run: each service's and the broker's (Tansu) CPU µs per record, the broker's idle CPU (no records flowing), the
run's seconds and records/s; medians per variant. CPU per record is the comparable figure on a shared machine.

    .venv/bin/python bench/broker_settings_ab.py --variant none:LOGMESH_KAFKA_COMPRESSION=none \\
        --variant lz4:LOGMESH_KAFKA_COMPRESSION=lz4 [--records 100000] [--rounds 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("ingestion", "template-matching")


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, assignments = text.partition(":")
    env = {}
    for assignment in filter(None, assignments.split(",")):
        key, sep, value = assignment.partition("=")
        if not sep or not key.startswith("LOGMESH_"):
            raise SystemExit(f"--variant {text!r}: expected NAME:LOGMESH_X=value[,LOGMESH_Y=value]")
        env[key] = value
    if not name:
        raise SystemExit(f"--variant {text!r}: the variant needs a name")
    return name, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", required=True, metavar="NAME:LOGMESH_X=V[,LOGMESH_Y=V]")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs per variant (order reversed every other round)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "broker-settings-ab.json")
    args = parser.parse_args()
    variants = dict(parse_variant(v) for v in args.variant)
    names = list(variants)
    runs = []
    with tempfile.TemporaryDirectory(prefix="broker-ab-") as tmp:
        for n in range(args.rounds):
            for name in names if n % 2 == 0 else names[::-1]:
                out = Path(tmp) / f"{name}-{n}.json"
                subprocess.run([sys.executable, str(ROOT / "loadtest" / "scenario.py"), "--records", str(args.records),
                                "--rate", str(args.rate), "--alerts", "0", "--json", "--out", str(out)],
                               env={**os.environ, **variants[name]}, check=True, capture_output=True, cwd=ROOT)
                got = json.loads(out.read_text())
                if got.get("queryable_rows") != args.records:
                    raise SystemExit(f"{name}: {got.get('queryable_rows')} rows queryable of {args.records}")
                run = {"variant": name, "date": got["date"], "load_average_at_end": got["machine"]["load_average_at_end"],
                       "end_to_end_records_per_s": got["end_to_end_records_per_s"], "run_seconds": got.get("run_seconds"),
                       "cpu_us_per_record": got["cpu_us_per_record"],
                       "broker_cpu_us_per_record": got["broker_cpu_us_per_record"],
                       "broker_idle_cpu_s_per_s": got.get("idle_cpu_s_per_s", {}).get("broker")}
                runs.append(run)
                print(f"round {n + 1} {name}: " + "  ".join(f"{s} {run['cpu_us_per_record'][s]}" for s in FIGURES)
                      + f"  broker {run['broker_cpu_us_per_record']}  e2e {run['end_to_end_records_per_s']}/s",
                      file=sys.stderr, flush=True)

    def median(name: str, figure: str, service: str | None = None) -> float:
        values = [(r[figure][service] if service else r[figure]) for r in runs if r["variant"] == name]
        return round(statistics.median(values), 1)

    medians = {name: {**{s: median(name, "cpu_us_per_record", s) for s in FIGURES},
                      "broker": median(name, "broker_cpu_us_per_record"),
                      "end_to_end_records_per_s": median(name, "end_to_end_records_per_s")}
               for name in names}
    result = {
        "what": f"the embedded mesh, --records {args.records} --rate {args.rate:g} --alerts 0, variants interleaved",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_note": "2 cores shared with other engineers' work: CPU µs per record is the comparable figure",
        "variants": variants,
        "median": medians,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
