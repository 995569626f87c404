"""The consumer span of a polled batch (``Mesh._consumer_span``: parent context and links from the
first 128 deliveries' trace headers), CPU µs per poll and per record: the previous form (A, one
``propagate.extract`` and one link per delivery) against the runtime's (B, one extract per run of
shared headers, each span linked once), same process, alternating rounds, real OpenTelemetry SDK.

    .venv/bin/python bench/consumer_span_ab.py [--records 5000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.structs import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Link, SpanKind

from logmesh_runtime.kafka import Mesh, deliveries_of
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]


def previous_span(mesh: Mesh, name: str, deliveries: list) -> object:
    contexts = [propagate.extract(d.headers) for d in deliveries[:128]]
    links = [Link(sc) for c in contexts[1:] if (sc := trace.get_current_span(c).get_span_context()).is_valid]
    return mesh.tracer.start_as_current_span(f"{name} process", context=contexts[0] if contexts else None,
                                             kind=SpanKind.CONSUMER, links=links)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5000, help="records per poll")
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    mesh = Mesh(ServiceSettings(service_name="bench"), Metrics("bench"), tracer_provider=TracerProvider())
    # one publish_many call's records share one traceparent; a poll holds a few such runs
    runs = [[("traceparent", f"00-{n:032x}-{n + 1:016x}-01".encode())] for n in range(1, 5)]
    poll = deliveries_of([ConsumerRecord("logs.records", 0, i, 1, 0, b"k", b"v", None, 1, 1,
                                         runs[i * len(runs) // args.records]) for i in range(args.records)])
    spent: dict[str, list[float]] = {"A": [], "B": []}
    for n in range(args.rounds):
        for variant in ("A", "B") if n % 2 == 0 else ("B", "A"):
            clock = time.process_time()
            for _ in range(args.polls):
                with (previous_span(mesh, "logs.records", poll) if variant == "A"  # type: ignore[attr-defined]
                      else mesh._consumer_span("logs.records", poll)):
                    pass
            spent[variant].append((time.process_time() - clock) / args.polls * 1e6)
    a, b = statistics.median(spent["A"]), statistics.median(spent["B"])
    result = {
        "bench": "consumer_span_ab", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": "Mesh._consumer_span per polled batch (128 deliveries' headers read), real OpenTelemetry SDK",
        "records_per_poll": args.records, "unit": "CPU µs per poll (median over rounds)",
        "A_previous": round(a, 1), "B_current": round(b, 1),
        "per_record_us": {"A": round(a / args.records, 3), "B": round(b / args.records, 3)},
        "rounds": {k: [round(v, 1) for v in vs] for k, vs in spent.items()},
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / "consumer-span-ab.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
