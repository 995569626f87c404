"""A publish's records → record batches ready for the produce request, CPU µs per record: aiokafka's
``BatchBuilder`` record by record (A, the runtime's previous path and still its fallback) against
``runtime_native.write_publish`` (B), in one process, alternating rounds, on the same records.

What is timed is ``Mesh._enqueue`` without the network: the placement of a publish's records by key (murmur2
through ``Mesh._place``/``_partition_of`` once per distinct key on both sides) and the batches. A: ``Mesh._placed``
groups the records in Python, ``_built_by_aiokafka`` appends them to the producer's own ``BatchBuilder``s, then
``_build()`` of each, as the sender calls it, compresses and checksums. B: ``_BatchWriter.write_publish``, one
native call for the whole publish (grouping, records, compression through aiokafka's codec function, CRC). The workload
is ingestion's publish of a 5,000-record poll to ``logs.records``: unique normalised records (~430 bytes), keyed
by 8 ``org/service`` keys over 3 partitions, one ``traceparent`` header, 256 KiB batches, zstd as the mesh's
producers compress (and ``--codec none``). A and B must give the same records (keys, values, headers) per
partition; ``test_produce_batches.py`` holds the bytes equal.

    .venv/bin/python bench/produce_native_ab.py [--records 100000] [--rounds 7] [--codec zstd] [--out NAME.json]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from logmesh_runtime.kafka import Mesh, _BatchWriter, _built_by_aiokafka
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
CODECS = {"none": 0, "snappy": 2, "lz4": 3, "zstd": 4}
TRACE = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
PARTITIONS = [0, 1, 2]
WORDS = ["request", "served", "cache", "miss", "for", "key", "user", "timeout", "upstream", "connection", "reset",
         "retrying", "db", "query", "took", "ms", "GET", "POST", "/api/v1/orders", "status", "worker", "started"]


def records(n: int, seed: int = 11) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        org, service = f"org-{rng.randrange(2)}", f"svc-{rng.randrange(4)}"
        message = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 16))) + f" id={i} {rng.randrange(10**6)}"
        value = json.dumps({
            "schema_version": 1, "record_id": f"kafka:logs.raw:{i % 3}:{i}", "org": org, "service": service,
            "ts": f"2026-12-04T19:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}000Z",
            "received_at": "2026-12-04T19:20:00.123000Z", "level": rng.choice(["INFO", "WARN", "ERROR", "DEBUG"]),
            "message": message, "host": f"node-{rng.randrange(9)}", "k8s": None, "metadata": {},
            "redacted": False, "truncated": False,
        }, separators=(",", ":")).encode()
        out.append((f"{org}/{service}", value))
    return out


def variant_a(mesh: Mesh, publish: list[Any], batch_bytes: int, codec: int) -> list[tuple[int, bytes]]:
    create = functools.partial(BatchBuilder, batch_bytes, codec)
    out = []
    for partition, messages in mesh._placed(publish, PARTITIONS).items():
        for builder in _built_by_aiokafka(create, messages, TRACE):
            out.append((partition, builder._build()))
    return out


def variant_b(mesh: Mesh, publish: list[Any], writer: _BatchWriter) -> list[tuple[int, bytes]]:
    out = []
    place = functools.partial(mesh._place, PARTITIONS)
    for partition, batches in writer.write_publish(publish, place, TRACE, int(time.time() * 1000)):
        for written in batches:
            out.append((partition, written._build()))
    return out


def contents(batches: list[tuple[int, bytes]]) -> list[tuple[int, list[tuple[Any, Any, Any]]]]:
    out = []
    for partition, data in batches:
        memory = MemoryRecords(bytes(data))
        while memory.has_next():
            batch = memory.next_batch()
            assert batch.validate_crc()
            out.append((partition, [(r.key, r.value, list(r.headers)) for r in batch]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--poll", type=int, default=5_000, help="records per publish (ingestion's poll bound)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--codec", choices=list(CODECS), default="zstd")
    parser.add_argument("--batch-bytes", type=int, default=256 * 1024)
    parser.add_argument("--out", default="produce-native-ab.json")
    args = parser.parse_args()

    codec = CODECS[args.codec]
    mesh = Mesh(ServiceSettings(service_name="ingestion"), Metrics("ingestion"))
    writer = _BatchWriter(args.batch_bytes, codec)
    data = records(args.records)
    publishes = [data[i:i + args.poll] for i in range(0, len(data), args.poll)]
    assert contents(variant_a(mesh, publishes[0], args.batch_bytes, codec)) == contents(
        variant_b(mesh, publishes[0], writer)), "A and B must publish the same records"

    runs: dict[str, list[float]] = {"A": [], "B": []}
    gc.collect()
    for round_no in range(args.rounds):
        for name in ("A", "B") if round_no % 2 == 0 else ("B", "A"):
            started = time.process_time()
            for publish in publishes:
                if name == "A":
                    variant_a(mesh, publish, args.batch_bytes, codec)
                else:
                    variant_b(mesh, publish, writer)
            runs[name].append((time.process_time() - started) / len(data) * 1e6)
        print(f"round {round_no + 1}: A {runs['A'][-1]:.3f}  B {runs['B'][-1]:.3f} µs/record", flush=True)

    a, b = statistics.median(runs["A"]), statistics.median(runs["B"])
    result = {
        "what": "Mesh._enqueue without the network: placement by key + record batches built and compressed, "
                "CPU µs per record (process time), same process, alternating rounds, same records",
        "a": "aiokafka BatchBuilder per record (the previous path, now the fallback) + _build()",
        "b": "runtime_native.write_publish, one call per publish (placement, batches, compression, CRC)",
        "records": args.records, "records_per_publish": args.poll, "rounds": args.rounds, "codec": args.codec,
        "batch_bytes": args.batch_bytes, "partitions": len(PARTITIONS), "keys": 8,
        "mean_value_bytes": round(sum(len(v) for _, v in data) / len(data), 1),
        "a_us_per_record": runs["A"], "b_us_per_record": runs["B"],
        "a_median": round(a, 3), "b_median": round(b, 3), "a_over_b": round(a / b, 2),
        "load_average_at_end": os.getloadavg(), "cpus": os.cpu_count(), "python": platform.python_version(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"median: A {a:.3f}  B {b:.3f} µs/record  ({a / b:.2f}x)")
    out = ROOT / "bench" / "results" / args.out
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
