"""Idle CPU and the latency paths of the whole embedded mesh under variants, interleaved in one session.

A variant is a code version (``ref=REF``: that commit's ``services/*/src`` and ``contracts/src`` first on
PYTHONPATH, as ``bench/loadtest_ab.py`` does; none: this tree) and ``LOGMESH_*`` settings every service
inherits. Each run is ``loadtest/scenario.py`` with ``--idle-s``: every process's and the broker's CPU
seconds per second with nothing flowing (measured after the stack settled), then ``--records`` at
``--rate`` (ingest → queryable latency) and ``--alerts`` alerts (alert → first notification latency).
Order A B B A … so that the machine's drift falls on both.

    .venv/bin/python bench/idle_cpu_ab.py --variant A:ref=main --variant B: [--records 50000] [--rate 5000] \\
        [--alerts 20] [--alert-gap-s 1] [--idle-s 10] [--rounds 2] [--out bench/results/idle-cpu-ab.json]
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

from baseline_sources import extract_sources

ROOT = Path(__file__).resolve().parents[1]


def parse_variant(text: str) -> tuple[str, str | None, dict[str, str]]:
    name, _, assignments = text.partition(":")
    ref, env = None, {}
    for assignment in filter(None, assignments.split(",")):
        key, sep, value = assignment.partition("=")
        if not sep or not (key == "ref" or key.startswith("LOGMESH_")):
            raise SystemExit(f"--variant {text!r}: expected NAME:[ref=REF,]LOGMESH_X=value,...")
        if key == "ref":
            ref = value
        else:
            env[key] = value
    if not name:
        raise SystemExit(f"--variant {text!r}: the variant needs a name")
    return name, ref, env


def source_path(ref: str, folder: Path) -> str:
    return os.pathsep.join(extract_sources(ref, folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", required=True, metavar="NAME:[ref=REF,]LOGMESH_X=V")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=5_000)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--alert-gap-s", type=float, default=1.0,
                        help="random pause before each alert, so that alerts do not arrive in step with poll cycles")
    parser.add_argument("--idle-s", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs per variant (order reversed every other round)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "idle-cpu-ab.json")
    args = parser.parse_args()
    variants = {name: (ref, env) for name, ref, env in map(parse_variant, args.variant)}
    names = list(variants)
    runs = []
    with tempfile.TemporaryDirectory(prefix="idle-ab-") as tmp:
        paths = {name: source_path(ref, Path(tmp) / name) for name, (ref, _) in variants.items() if ref}
        for n in range(args.rounds):
            for name in names if n % 2 == 0 else names[::-1]:
                env = {**os.environ, **variants[name][1]}
                if name in paths:
                    env["PYTHONPATH"] = os.pathsep.join(filter(None, [paths[name], env.get("PYTHONPATH", "")]))
                out = Path(tmp) / f"{name}-{n}.json"
                subprocess.run([sys.executable, str(ROOT / "loadtest" / "scenario.py"), "--records", str(args.records),
                                "--rate", str(args.rate), "--alerts", str(args.alerts), "--alert-gap-s", str(args.alert_gap_s),
                                "--idle-s", str(args.idle_s),
                                "--json", "--out", str(out)], env=env, check=True, capture_output=True, cwd=ROOT)
                got = json.loads(out.read_text())
                if got.get("queryable_rows") != args.records:
                    raise SystemExit(f"{name}: {got.get('queryable_rows')} rows queryable of {args.records}")
                idle = got["idle_cpu_s_per_s"]
                run = {"variant": name, "date": got["date"], "load_average_at_end": got["machine"]["load_average_at_end"],
                       "idle_cpu_s_per_s": idle,
                       "idle_cpu_s_per_s_services": round(sum(v for k, v in idle.items() if k != "broker"), 3),
                       "alert_to_first_notification_ms": got["alert_to_first_notification_ms"],
                       "ingest_to_queryable_ms": got["ingest_to_queryable_ms"],
                       "end_to_end_records_per_s": got["end_to_end_records_per_s"],
                       "cpu_us_per_record": got["cpu_us_per_record"],
                       "broker_cpu_us_per_record": got["broker_cpu_us_per_record"]}
                runs.append(run)
                print(f"round {n + 1} {name}: idle broker {idle.get('broker')} services "
                      f"{run['idle_cpu_s_per_s_services']}  alert p50/p99 "
                      f"{run['alert_to_first_notification_ms'].get('p50')}/{run['alert_to_first_notification_ms'].get('p99')}"
                      f"  ingest->queryable p50 {run['ingest_to_queryable_ms'].get('p50')}", file=sys.stderr, flush=True)

    def median(name: str, pick: object) -> float:
        return round(statistics.median(pick(r) for r in runs if r["variant"] == name), 3)  # type: ignore[operator]

    processes = sorted({p for r in runs for p in r["idle_cpu_s_per_s"]})
    medians = {name: {"idle_cpu_s_per_s": {p: median(name, lambda r, p=p: r["idle_cpu_s_per_s"].get(p, 0.0))
                                           for p in processes},
                      "idle_cpu_s_per_s_services": median(name, lambda r: r["idle_cpu_s_per_s_services"]),
                      "alert_to_first_notification_p50_ms": median(name, lambda r: r["alert_to_first_notification_ms"]["p50"]),
                      "alert_to_first_notification_p99_ms": median(name, lambda r: r["alert_to_first_notification_ms"]["p99"]),
                      "ingest_to_queryable_p50_ms": median(name, lambda r: r["ingest_to_queryable_ms"]["p50"])}
               for name in names}
    result = {
        "what": f"the embedded mesh, scenario --records {args.records} --rate {args.rate:g} --alerts {args.alerts} "
                f"--alert-gap-s {args.alert_gap_s:g} --idle-s {args.idle_s:g}, variants interleaved",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_note": "2 cores shared with other engineers' work",
        "variants": {name: {"ref": ref, "env": env} for name, (ref, env) in variants.items()},
        "median": medians,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(medians, indent=1))


if __name__ == "__main__":
    main()
