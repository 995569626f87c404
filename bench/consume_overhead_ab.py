"""The runtime's per-record consume overhead outside the handler, CPU µs per record: a baseline commit's
``logmesh_runtime.kafka`` (A) against this tree's (B).

What is timed per poll of aiokafka records: FastStream's batch parse as the subscriber runs it (A: its
default ``parse_batch``; B: through the runtime's custom ``parser``) and the ``Delivery`` objects the
handlers get (``delivery_of`` per record, or ``deliveries_of`` per poll where the module has it). Records carry a ``traceparent`` header, as everything
published through ``Mesh.publish_many`` with tracing on does. A and B must give equal deliveries. Rounds
alternate the order; process CPU time.

    .venv/bin/python bench/consume_overhead_ab.py [--baseline main] [--records 5000] [--polls 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.structs import ConsumerRecord
from faststream.kafka.message import KafkaAckableMessage
from faststream.kafka.parser import AioKafkaBatchParser

from logmesh_runtime import kafka as current

ROOT = Path(__file__).resolve().parents[1]


def load_baseline(ref: str, folder: Path):
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


def make_poll(records: int, start: int) -> tuple[ConsumerRecord, ...]:
    header = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    return tuple(
        ConsumerRecord("logs.records", i % 3, start + i, 1796335200123 + i, 0, b"org/svc-%d" % (i % 8),
                       b'{"message":"record %d"}' % i, None, 10, 24, list(header))
        for i in range(records)
    )


async def consume(module, polls: list[tuple[ConsumerRecord, ...]], custom: bool) -> tuple[float, list]:
    parser = AioKafkaBatchParser(KafkaAckableMessage, None)
    parse = (lambda poll: module._parse_poll(poll, parser.parse_batch)) if custom else parser.parse_batch
    delivery_of = module.delivery_of
    deliveries_of = getattr(module, "deliveries_of", lambda records: [delivery_of(raw) for raw in records])
    out = []
    clock = time.process_time()
    for poll in polls:
        message = await parse(poll)
        out.append(deliveries_of(message.raw_message))
    return time.process_time() - clock, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--records", type=int, default=5000, help="records per poll")
    parser.add_argument("--polls", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    polls = [make_poll(args.records, n * args.records) for n in range(args.polls)]
    total = args.records * args.polls
    with tempfile.TemporaryDirectory() as folder:
        baseline = load_baseline(args.baseline, Path(folder))
        runs: dict[str, list[float]] = {"A": [], "B": []}
        for round_ in range(args.rounds):
            order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
            outputs = {}
            for variant in order:
                module, custom = (baseline, False) if variant == "A" else (current, True)
                spent, outputs[variant] = asyncio.run(consume(module, polls, custom))
                runs[variant].append(spent / total * 1e6)
            assert [[tuple(d) for d in p] for p in outputs["A"]] == [[tuple(d) for d in p] for p in outputs["B"]]
            print(f"round {round_ + 1}: A {runs['A'][-1]:.2f}  B {runs['B'][-1]:.2f} µs/record", file=sys.stderr)
    a, b = statistics.median(runs["A"]), statistics.median(runs["B"])
    result = {
        "bench": "consume_overhead_ab",
        "what": "FastStream batch parse + Delivery per consumed record (runtime overhead outside the handler)",
        "baseline": args.baseline,
        "records_per_poll": args.records,
        "records": total,
        "rounds": args.rounds,
        "cpu_us_per_record": {"A_baseline": round(a, 3), "B_this_tree": round(b, 3)},
        "rounds_us": {k: [round(x, 3) for x in v] for k, v in runs.items()},
        "ratio_A_over_B": round(a / b, 2),
        "deliveries_equal": True,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "bench" / "results" / "consume-overhead-ab.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
