"""template-matching's record path, stage by stage, CPU µs per record: the previous path (A) against
the current one (B) in the same run, on the same records, alternating rounds.

A: pydantic ``LogRecord.model_validate_json`` -> engine -> anomaly observe -> one row list per record ->
   row-oriented clickhouse-connect insert with the table's own types (LowCardinality dictionaries
   built in Python, datetimes converted per value).
B: msgspec ``decode_record`` -> engine (one ``assign_batch`` per batch) -> observe -> ``LogColumns`` (one comprehension per column,
   DateTime64 ticks) -> column-oriented insert, LowCardinality sent as String (what the service runs).

Records are the load scenario's (every message unique: the engine's cold path, no message cache hits),
encoded as ingestion writes ``logs.records``. Inserts go to embedded chDB in 5,000-row batches (the
service's ``insert_batch_rows``); the insert figure includes chDB's own C++ work, which runs in this
process. Process CPU time, so other engineers' load on the machine inflates it less than wall time.

    .venv/bin/python bench/record_path_bench.py [--records 50000] [--rounds 3] [--out bench/results/record-path.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "loadtest"))

from kafka_producer import MESSAGES  # noqa: E402

from logmesh_contracts import K8sRef, LogRecord, stable_id  # noqa: E402
from template_matching.adapters.clickhouse import ClickHouseStore  # noqa: E402
from template_matching.domain import LOG_COLUMNS, AnomalyDetector, LogColumns, log_row  # noqa: E402
from template_matching.records import decode_record  # noqa: E402
from template_matching.registry import TemplateRegistry  # noqa: E402

BATCH = 5000
STAGES = ("decode", "engine", "observe", "rows", "token", "insert")


def payloads(count: int) -> list[bytes]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    out = []
    for i in range(count):
        shape = MESSAGES[i % len(MESSAGES)]
        message = shape.format(n=rng.randint(1, 10**6), ms=rng.randint(1, 999), a=rng.randint(0, 255),
                               b=rng.randint(0, 255))
        record = LogRecord(
            event_id=stable_id("bench", i), org="load", timestamp=now, received_at=now, service=f"svc-{i % 8}",
            level="ERROR" if "failed" in shape else "INFO", message=message,
            k8s=K8sRef(namespace="load", pod=f"svc-{i % 8}-abc12"),
        )
        out.append(record.model_dump_json().encode())
    return out


async def path(variant: str, values: list[bytes], dsn: str) -> dict[str, float]:
    store = ClickHouseStore(dsn, f"bench_{variant.lower()}_{uuid.uuid4().hex[:8]}")
    await store.start()
    client = store._client  # A is the previous adapter code, inlined
    registry, detector = TemplateRegistry(), AnomalyDetector()
    now = datetime.now(UTC)
    spent = dict.fromkeys(STAGES, 0.0)
    for start in range(0, len(values), BATCH):
        chunk = values[start:start + BATCH]
        clock = time.process_time()
        records = ([LogRecord.model_validate_json(v) for v in chunk] if variant == "A"
                   else [decode_record(v) for v in chunk])
        spent["decode"] += time.process_time() - clock
        clock = time.process_time()
        matches = ([registry.assign(r.message) for r in records] if variant == "A"
                   else registry.assign_batch([r.message for r in records]))
        spent["engine"] += time.process_time() - clock
        clock = time.process_time()
        for record, match in zip(records, matches, strict=True):
            detector.observe(record, match.template_id, match.template, match.is_new, now)
        spent["observe"] += time.process_time() - clock
        clock = time.process_time()
        if variant == "A":
            batch = [log_row(r, m.template_id) for r, m in zip(records, matches, strict=True)]
            ids = [row[3] for row in batch]
        else:
            batch = LogColumns.of(records, [m.template_id for m in matches])
            ids = batch.columns[3]
        spent["rows"] += time.process_time() - clock
        clock = time.process_time()
        token = stable_id("logs", *sorted(ids), length=32)
        spent["token"] += time.process_time() - clock
        clock = time.process_time()
        if variant == "A":
            await store._run(client.insert, "logs", batch, database=store.db, column_names=list(LOG_COLUMNS),
                             settings={"insert_deduplication_token": token})
        else:
            await store.insert_logs(batch, token)
        spent["insert"] += time.process_time() - clock
    rows = (await store._query(f"SELECT count() AS n FROM {store.db}.logs", {}))[0]["n"]
    if rows != len(values):
        raise SystemExit(f"{variant}: {rows} rows stored for {len(values)} records")
    return {stage: seconds / len(values) * 1e6 for stage, seconds in spent.items()}


def engine_loop_against_batch(values: list[bytes], rounds: int) -> dict:
    """The engine stage alone: ``TemplateRegistry.assign`` per record (the handler before) against one
    ``assign_batch`` per 5,000-record batch (now), fresh registries, alternating order, same messages."""
    messages = [decode_record(v).message for v in values]
    spent: dict[str, list[float]] = {"per_record": [], "batch": []}
    for n in range(rounds):
        for variant in ("per_record", "batch") if n % 2 == 0 else ("batch", "per_record"):
            registry = TemplateRegistry()
            clock = time.process_time()
            for start in range(0, len(messages), BATCH):
                chunk = messages[start:start + BATCH]
                if variant == "batch":
                    registry.assign_batch(chunk)
                else:
                    for message in chunk:
                        registry.assign(message)
            spent[variant].append((time.process_time() - clock) / len(messages) * 1e6)
    median = {k: round(statistics.median(v), 2) for k, v in spent.items()}
    print(f"engine alone: per record {median['per_record']} µs, batch {median['batch']} µs", file=sys.stderr)
    return {"unit": "CPU µs per record, median of rounds", **median,
            "rounds": {k: [round(x, 2) for x in v] for k, v in spent.items()}}


async def main_async(args: argparse.Namespace) -> dict:
    values = payloads(args.records)
    workdir = tempfile.mkdtemp(prefix="record-path-")
    dsn = f"chdb://{workdir}/chdb"
    await path("B", values[:BATCH], dsn)  # warm-up: the engine's first insert, imports
    rounds: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for n in range(args.rounds):
        for variant in ("A", "B") if n % 2 == 0 else ("B", "A"):
            result = await path(variant, values, dsn)
            rounds[variant].append(result)
            print(f"round {n + 1} {variant}: " + "  ".join(f"{k} {v:.1f}" for k, v in result.items())
                  + f"  total {sum(result.values()):.1f} µs/record", file=sys.stderr, flush=True)
    engine_ab = engine_loop_against_batch(values, args.rounds)
    summary = {}
    for variant, results in rounds.items():
        median = {stage: round(statistics.median(r[stage] for r in results), 2) for stage in STAGES}
        median["total"] = round(statistics.median(sum(r.values()) for r in results), 2)
        summary[variant] = median
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(),
                    "note": "2 cores shared with other engineers' work: figures are CPU time, medians of rounds"},
        "records": args.records,
        "batch_rows": BATCH,
        "unit": "CPU µs per record (median over rounds)",
        "A_previous": summary["A"],
        "B_current": summary["B"],
        "speedup_total": round(summary["A"]["total"] / summary["B"]["total"], 2),
        "rounds": rounds,
        "engine_per_record_against_batch": engine_ab,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "record-path.json")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    shown = {k: v for k, v in result.items() if k != "rounds"}
    print(json.dumps(shown) if args.json else json.dumps(shown, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
