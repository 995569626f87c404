"""template-matching's record path in process, stage by stage: a baseline commit's code (A) against this
tree's (B), each variant in its own process, alternating rounds, CPU µs per record.

Stages: decode (the runtime's ``batch_decoder`` when the tree has one, else ``decode_record`` per
value), engine (``assign_batch``), anomaly observe, columns (``LogColumns.of``), dedup token, insert
(clickhouse-connect into embedded chDB, chDB's C++ included: it runs in this process), and
``background``: the rest of the process's CPU from the first poll to 5 s after the last insert,
less the same process's CPU in 5 s idle before the first — chDB merging the inserted parts in
background C++ threads (py-spy never sees them; the stack's per-record figure includes them).
The first five stages are the main thread's CPU time (``time.thread_time``), so background merges
running meanwhile are not charged to them; the insert is process CPU time while it runs.

Records are the load scenario's shapes (every message unique: the engine's cold path) encoded as
ingestion writes ``logs.records``, with per-record microsecond timestamps and a broker receive
time shared per millisecond (as ingestion's are).

    .venv/bin/python bench/tm_stages_ab.py [--baseline REF] [--records 60000] [--rounds 3]
        [--out bench/results/tm-stages-ab.json]
    (one variant, used by the above: ... --variant-run BATCH_ROWS)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from baseline_sources import extract_sources

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("decode", "engine", "observe", "columns", "token", "insert", "background")


def payloads(count: int) -> list[bytes]:
    sys.path.insert(0, str(ROOT / "loadtest"))
    from kafka_producer import MESSAGES

    from logmesh_contracts import K8sRef, LogRecord, stable_id

    rng = random.Random(7)
    start = datetime.now(UTC)
    out = []
    for i in range(count):
        shape = MESSAGES[i % len(MESSAGES)]
        message = shape.format(n=rng.randint(1, 10**6), ms=rng.randint(1, 999), a=rng.randint(0, 255),
                               b=rng.randint(0, 255))
        timestamp = start + timedelta(microseconds=20 * i + rng.randint(0, 19))  # 50k records/s
        received = timestamp.replace(microsecond=timestamp.microsecond // 1000 * 1000) + timedelta(milliseconds=3)
        record = LogRecord(
            event_id=stable_id("bench", i), org="load", timestamp=timestamp, received_at=received,
            service=f"svc-{i % 8}", level="ERROR" if "failed" in shape else "INFO", message=message,
            k8s=K8sRef(namespace="load", pod=f"svc-{i % 8}-abc12"),
        )
        out.append(record.model_dump_json().encode())
    return out


async def one_variant(records: int, batch: int) -> dict[str, float]:
    """The stages of whatever template_matching is on sys.path, µs per record."""
    from logmesh_contracts import stable_id
    from logmesh_runtime.kafka import Delivery
    from template_matching import records as records_module
    from template_matching.adapters.clickhouse import ClickHouseStore
    from template_matching.domain import AnomalyDetector, LogColumns
    from template_matching.registry import TemplateRegistry

    values = payloads(records)
    deliveries = [Delivery("logs.records", 0, i, b"load/svc", 0, {}, v) for i, v in enumerate(values)]
    decode_batch = getattr(records_module, "decode_records", None)
    decode_one = records_module.decode_record
    store = ClickHouseStore(f"chdb://{tempfile.mkdtemp(prefix='tm-stages-')}/chdb", f"bench_{uuid.uuid4().hex[:8]}")
    await store.start()
    registry, detector = TemplateRegistry(), AnomalyDetector()
    now = datetime.now(UTC)
    spent = dict.fromkeys(STAGES, 0.0)
    idle = time.process_time()
    await asyncio.sleep(5)
    idle = time.process_time() - idle
    began = time.process_time()
    for start in range(0, records, batch):
        chunk = deliveries[start:start + batch]
        clock = time.thread_time()
        polled = decode_batch(chunk) if decode_batch else [decode_one(d.value, d) for d in chunk]
        spent["decode"] += time.thread_time() - clock
        clock = time.thread_time()
        matches = registry.assign_batch([r.message for r in polled])
        spent["engine"] += time.thread_time() - clock
        clock = time.thread_time()
        if hasattr(detector, "observe_batch"):
            detector.observe_batch(polled, matches, now)
        else:
            for record, match in zip(polled, matches, strict=True):
                detector.observe(record, match.template_id, match.template, match.is_new, now)
        spent["observe"] += time.thread_time() - clock
        clock = time.thread_time()
        columns = LogColumns.of(polled, [m.template_id for m in matches])
        spent["columns"] += time.thread_time() - clock
        clock = time.thread_time()
        token = stable_id("logs", *sorted(columns.columns[3]), length=32)
        spent["token"] += time.thread_time() - clock
        clock = time.process_time()
        await store.insert_logs(columns, token)
        spent["insert"] += time.process_time() - clock
    await asyncio.sleep(5)
    spent["background"] = max(0.0, time.process_time() - began - idle - sum(spent.values()))
    rows = (await store._query(f"SELECT count() AS n FROM {store.db}.logs", {}))[0]["n"]
    if rows != records:
        raise SystemExit(f"{rows} rows stored for {records} records")
    await store.close()
    return {stage: round(seconds / records * 1e6, 3) for stage, seconds in spent.items()}


def run_variant(pythonpath: list[str], records: int, batch: int) -> dict[str, float]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    done = subprocess.run([sys.executable, __file__, "--variant-run", str(batch), "--records", str(records)],
                          env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=None, help="git ref of variant A (default: where this branch left main)")
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--a-batch", type=int, default=5000, help="rows per poll/insert of A (main's setting)")
    parser.add_argument("--b-batch", type=int, default=20000, help="rows per poll/insert of B (this tree's)")
    parser.add_argument("--variant-run", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tm-stages-ab.json")
    args = parser.parse_args()
    if args.variant_run:
        print(json.dumps(asyncio.run(one_variant(args.records, args.variant_run))))
        return
    ref = ["rev-parse", args.baseline] if args.baseline else ["merge-base", "HEAD", "main"]
    baseline = subprocess.run(["git", "-C", str(ROOT), *ref], capture_output=True, text=True, check=True).stdout.strip()
    variants = {"A": args.a_batch, "B_same_batch": args.a_batch, "B": args.b_batch}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="tm-stages-ab-") as tmp:
        a_path = extract_sources(baseline, Path(tmp))
        for n in range(args.rounds):
            order = list(variants) if n % 2 == 0 else list(reversed(variants))
            for name in order:
                got = run_variant(a_path if name == "A" else [], args.records, variants[name])
                rounds[name].append(got)
                print(f"round {n + 1} {name} ({variants[name]} rows): "
                      + "  ".join(f"{k} {v:.2f}" for k, v in got.items())
                      + f"  total {sum(got.values()):.2f} µs/record", file=sys.stderr, flush=True)
    summary = {}
    for name, results in rounds.items():
        median = {stage: round(statistics.median(r[stage] for r in results), 2) for stage in STAGES}
        median["total"] = round(statistics.median(sum(r.values()) for r in results), 2)
        summary[name] = median
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(),
                    "note": "2 cores shared with two other engineers' work: CPU time, medians of rounds"},
        "baseline": baseline,
        "records": args.records,
        "rows_per_batch": variants,
        "unit": "CPU µs per record (median over rounds)",
        "summary": summary,
        "ratio_A_over_B": round(summary["A"]["total"] / summary["B"]["total"], 2),
        "ratio_A_over_B_same_batch": round(summary["A"]["total"] / summary["B_same_batch"]["total"], 2),
        "rounds": rounds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
