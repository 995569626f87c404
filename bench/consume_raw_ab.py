"""Fetched record-batch bytes → the ``Delivery`` lists handlers get, CPU µs per record: a baseline commit's
``logmesh_runtime.kafka`` (A) against this tree's (B), through aiokafka's own fetch-result path.

What is timed, per variant, is everything between a fetch response's bytes and ``on_poll``'s per-topic
delivery lists: aiokafka's ``MemoryRecords`` over the bytes (zstd decompression, CRC check per batch), the
``PartitionRecords`` the Fetcher makes of it (A: aiokafka's, building a ``ConsumerRecord`` per record; B: the
runtime's ``_DeliveryRecords``), ``FetchResult.getall`` draining it ``max_records`` at a time as
``Fetcher.fetched_records`` does (real ``SubscriptionState`` positions), FastStream's ``tuple(chain(...))``,
the runtime's poll parser, and ``on_poll``'s grouping by topic with the deliveries (A: ``deliveries_of``).
Only the network is left out. A and B must give equal deliveries.

Two workloads as the hot consumers see them, zstd batches of 256 KiB as the mesh's producers build them,
3 partitions, unique payloads: ``logs.raw`` (the load generator's lines, no headers) and ``logs.records``
(normalised records published with a ``traceparent`` header). ``floor`` is aiokafka's batch iteration alone
(decompress, CRC, read each record's fields): what no Python-side change can remove; ``floor_kept`` also keeps
each record's fields until the fetch is done, as any path handing records to a handler must. The collector runs with
the first threshold a service process sets (``--gc-threshold``, as ``serve`` does).

    .venv/bin/python bench/consume_raw_ab.py [--baseline main] [--records 20000] [--rounds 5] [--out NAME.json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import importlib.util
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.consumer.subscription_state import SubscriptionState
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from faststream.kafka.message import KafkaAckableMessage
from faststream.kafka.parser import AioKafkaBatchParser

from logmesh_runtime import kafka as current

ROOT = Path(__file__).resolve().parents[1]
ZSTD = 4
TRACE = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]


def load_baseline(ref: str, folder: Path) -> Any:
    source = subprocess.run(["git", "show", f"{ref}:services/common/src/logmesh_runtime/kafka.py"], cwd=ROOT,
                            check=True, capture_output=True).stdout
    path = folder / "baseline_kafka.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("baseline_kafka", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_kafka"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def raw_line(i: int) -> tuple[bytes, bytes, list]:
    value = json.dumps({"org": "load", "service": f"svc-{i % 8}", "level": "info",
                        "message": f"GET /api/v1/items/{i} 200 {i * 7 % 997}ms user={i % 101} req={i:08x}"})
    return b"load/svc-%d" % (i % 8), value.encode(), []


def normalised_record(i: int) -> tuple[bytes, bytes, list]:
    value = json.dumps({"event_id": f"{i:032x}", "org": "load", "service": f"svc-{i % 8}", "level": "info",
                        "ts": f"2026-12-04T13:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
                        "message": f"GET /api/v1/items/{i} 200 {i * 7 % 997}ms user={i % 101} req={i:08x}",
                        "host": f"node-{i % 5}", "attributes": {"http.status": 200}, "k8s": None})
    return b"load/svc-%d" % (i % 8), value.encode(), TRACE


def large_record(i: int) -> tuple[bytes, bytes, list]:
    """A normalised record of ~570 bytes, nearer what template-matching's ``logs.records`` values run in the load test."""
    key, value, headers = normalised_record(i)
    extra = {"trace_id": f"{i * 7919:032x}", "span_id": f"{i * 31:016x}", "pod": f"api-{i % 13}-7d9f8c6b5-x{i % 97:02d}",
             "namespace": "payments", "container": "api", "node": f"ip-10-0-{i % 7}-{i % 211}.ec2.internal",
             "cluster": "prod-eu-west-1", "dashboard": "api-latency", "image": "registry.example/payments/api:1.42.7"}
    return key, value[:-1] + b", " + json.dumps(extra).encode()[1:], headers


def fetched_bytes(make: Callable[[int], tuple[bytes, bytes, list]], first: int, count: int, base: int) -> bytes:
    """``count`` records as a fetch response's message set: 256 KiB zstd batches, broker-assigned offsets."""
    out = bytearray()
    i = 0
    while i < count:
        builder = DefaultRecordBatchBuilder(2, ZSTD, 0, -1, -1, -1, 256 * 1024)
        start = i
        while i < count:
            key, value, headers = make(first + i)
            if builder.append(i - start, 1_796_335_200_000 + i, key, value, headers) is None:
                break
            i += 1
        batch = bytearray(builder.build())
        batch[0:8] = struct.pack(">q", base + start)  # outside the CRC, as on a broker
        out += batch
    return bytes(out)


def baseline_by_topic(module: Any, poll: tuple[Any, ...]) -> dict[str, list[Any]]:
    """The baseline's ``on_poll``: records grouped one by one, then ``deliveries_of`` per topic."""
    by_topic: dict[str, list[Any]] = {}
    for raw in poll:
        by_topic.setdefault(raw.topic, []).append(raw)
    return {name: module.deliveries_of(records) for name, records in by_topic.items()}


async def consume(variant: str, module: Any, fetches: list[dict[TopicPartition, bytes]],
                  max_records: int) -> tuple[float, list[tuple[int, str]]]:
    # each variant's own fetch path: its PartitionRecords factory, MemoryRecords and FetchResult.getall (loading the
    # baseline's module installed its replacements over the current one's, so they are set per run here)
    getall = getattr(module, "_getall", getattr(aiokafka_fetcher.FetchResult.getall, "aiokafka_getall", None))
    aiokafka_fetcher.FetchResult.getall = getall or aiokafka_fetcher.FetchResult.getall
    memory_records = getattr(module, "_FetchedRecords", MemoryRecords)
    if not hasattr(module, "_DeliveryRecords"):  # a baseline from before the runtime unpacked batches itself
        kind, mark = current._AIOKAFKA_PARTITION_RECORDS, None
        group = lambda poll: baseline_by_topic(module, poll)  # noqa: E731
    else:
        kind, mark = module._partition_records, module.AS_DELIVERIES
        group = module._by_topic
    parser = AioKafkaBatchParser(KafkaAckableMessage, None)
    subscriptions = SubscriptionState()
    subscriptions.assign_from_user(set(fetches[0]))
    assignment = subscriptions.subscription.assignment
    for tp in fetches[0]:
        subscriptions.seek(tp, 0)
    digests: list[tuple[int, str]] = []
    gc.collect()
    spent = 0.0
    clock = time.process_time()
    for fetch in fetches:
        results = {}
        for tp, data in fetch.items():
            position = assignment.state_value(tp).position
            records = kind(tp, memory_records(data), [], position, mark, None, True, aiokafka_fetcher.READ_UNCOMMITTED)
            results[tp] = aiokafka_fetcher.FetchResult(tp, assignment=assignment, partition_records=records, backoff=0)
        while results:  # Fetcher.fetched_records: drain partitions in turn, max_records per poll
            drained, budget = {}, max_records
            for tp in list(results):
                result = results[tp]
                got = result.getall(budget)
                if not result.has_more():
                    del results[tp]
                if got:
                    drained[tp] = got
                    budget -= len(got)
                    if budget == 0:
                        break
            if not drained:  # getmany returned nothing: FastStream makes no message
                continue
            poll = tuple(chain(*drained.values()))  # FastStream's get_msg
            message = await module._parse_poll(poll, parser.parse_batch)
            by_topic = group(message.raw_message)
            spent += time.process_time() - clock
            # handled and dropped, as in a service: keep a digest, not the objects (their GC cost would grow)
            digests.append(digest(by_topic))
            del by_topic, message, poll, drained
            clock = time.process_time()
    return spent + time.process_time() - clock, digests


def digest(by_topic: dict[str, list[Any]]) -> tuple[int, str]:
    text = repr({name: [(type(d).__name__, *d[:5], dict(d[5]), d[6]) for d in ds] for name, ds in by_topic.items()})
    return sum(len(ds) for ds in by_topic.values()), hashlib.blake2b(text.encode()).hexdigest()


def floor(fetches: list[dict[TopicPartition, bytes]], keep: bool = False) -> float:
    """aiokafka's batch iteration alone, each record's fields read; with ``keep`` they are also kept for the
    fetch (as a handler needs its keys and values alive: fresh memory instead of the allocator's hot free lists)."""
    gc.collect()
    clock = time.process_time()
    for fetch in fetches:
        for data in fetch.values():
            records = MemoryRecords(data)
            kept: list[tuple[Any, ...]] = []
            while records.has_next():
                batch = records.next_batch()
                batch.validate_crc()
                if keep:
                    kept += [(r.offset, r.key, r.value, r.timestamp, r.headers) for r in batch]
                else:
                    for record in batch:
                        record.offset, record.key, record.value, record.timestamp, record.headers  # noqa: B018
            del kept
    return time.process_time() - clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--records", type=int, default=20_000, help="records per partition per fetch")
    parser.add_argument("--fetches", type=int, default=2, help="fetches per partition")
    parser.add_argument("--max-records", type=int, default=5000, help="the consumers' max_records per poll")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--out", default="consume-raw-ab.json", help="the result's file name under bench/results")
    parser.add_argument("--gc-threshold", type=int, default=10_000,
                        help="the collector's first threshold; 10,000 is what a service process (serve) sets")
    args = parser.parse_args()
    gc.set_threshold(args.gc_threshold, 10, 10)
    workloads = {"logs.raw": raw_line, "logs.records": normalised_record, "logs.records-large": large_record}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        baseline = load_baseline(args.baseline, Path(folder))
        for topic, make in workloads.items():
            tps = [TopicPartition(topic, p) for p in range(3)]
            fetches = [{tp: fetched_bytes(make, (n * 3 + tp.partition) * args.records, args.records, n * args.records)
                        for tp in tps} for n in range(args.fetches)]
            total = args.records * args.fetches * len(tps)
            runs: dict[str, list[float]] = {"A": [], "B": [], "floor": [], "floor_kept": []}
            for round_ in range(args.rounds):
                order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
                outputs = {}
                for variant in order:
                    module = baseline if variant == "A" else current
                    spent, outputs[variant] = asyncio.run(consume(variant, module, fetches, args.max_records))
                    runs[variant].append(spent / total * 1e6)
                runs["floor"].append(floor(fetches) / total * 1e6)
                runs["floor_kept"].append(floor(fetches, keep=True) / total * 1e6)
                assert outputs["A"] == outputs["B"], "A and B made different deliveries"
                assert sum(count for count, _ in outputs["B"]) == total
                print(f"{topic} round {round_ + 1}: A {runs['A'][-1]:.2f}  B {runs['B'][-1]:.2f}  "
                      f"floor {runs['floor'][-1]:.2f} kept {runs['floor_kept'][-1]:.2f} µs/record", file=sys.stderr)
            a, b, f, fk = (statistics.median(runs[k]) for k in ("A", "B", "floor", "floor_kept"))
            results[topic] = {
                "records": total,
                "fetched_bytes_per_record": round(sum(len(d) for fe in fetches for d in fe.values()) / total, 1),
                "polls_per_round": len(outputs["B"]),
                "cpu_us_per_record": {"A_baseline": round(a, 3), "B_this_tree": round(b, 3),
                                      "floor_aiokafka_batch_iteration": round(f, 3),
                                      "floor_keeping_the_fields": round(fk, 3)},
                "rounds_us": {k: [round(x, 3) for x in v] for k, v in runs.items()},
                "ratio_A_over_B": round(a / b, 2),
                "deliveries_equal": True,
            }
    result = {
        "bench": "consume_raw_ab",
        "what": "fetched record-batch bytes (zstd) -> per-topic list[Delivery] through aiokafka's FetchResult path, "
                "FastStream's poll tuple and the runtime's parser and grouping; CPU µs per record, medians",
        "baseline": args.baseline,
        "baseline_commit": subprocess.run(["git", "rev-parse", args.baseline], cwd=ROOT, capture_output=True,
                                          text=True).stdout.strip(),
        "this_tree": subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                    text=True).stdout.strip(),
        "records_per_partition_per_fetch": args.records,
        "max_records": args.max_records,
        "gc_threshold": list(gc.get_threshold()),
        "rounds": args.rounds,
        "workloads": results,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "bench" / "results" / args.out
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
