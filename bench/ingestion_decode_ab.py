"""ingestion's Kafka-path record work (decode the logs.raw value, normalise, redact, encode the
``logs.records`` JSON: ``RawLogs.decode`` per record, or ``RawLogs.decode_batch`` per poll where a variant has
it), CPU µs per record: a baseline commit (A) against this tree (B).

Each round runs a fresh subprocess per variant, alternating the order, on the load scenario's records
(``loadtest/kafka_producer.make_record``, every message unique) with the service's default settings
(redaction on). A is exported with ``git archive`` into a temporary folder and imported from there, so
both go through the same interface. Both variants' outputs must be byte-identical, or the run fails.
Process CPU time: other engineers' load on the machine inflates it less than wall time.

    .venv/bin/python bench/ingestion_decode_ab.py [--baseline REF] [--records 50000] [--rounds 5]
        [--messages scenario|loghub]   (loghub: Loghub-2k's lines as the messages; needs ../shared)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import hashlib, json, random, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from kafka_producer import make_record
from prometheus_client import CollectorRegistry
from ingestion.domain import Limits, Normaliser
from ingestion.handlers import IngestMetrics, IngestStats, RawLogs
from ingestion.redaction import Redactor
from ingestion.settings import IngestionSettings
from logmesh_runtime.kafka import Delivery
import ingestion
assert ingestion.__file__.startswith(sys.argv[2]), ingestion.__file__
rng = random.Random(7)
count = int(sys.argv[3])
ts = "2026-12-03T22:00:00.123456+00:00"
broker_ms = 1796335200123
if sys.argv[4] == "scenario":
    values = [make_record(i, rng, "load", ts) for i in range(count)]
else:  # real log text: Loghub-2k's lines (non-ASCII, secrets, JSON inside) as the messages of scenario-shaped records
    import pathlib
    lines = [line for path in sorted(pathlib.Path(sys.argv[4]).glob("*/*_2k.log"))
             for line in path.read_text(errors="replace").splitlines() if line.strip()]
    values = [json.dumps({"org": "load", "service": f"svc-{i % 8}", "level": "INFO", "message": lines[i % len(lines)],
                          "timestamp": ts, "namespace": "load", "pod": f"svc-{i % 8}-abc12"}).encode()
              for i in range(count)]
deliveries = [Delivery("logs.raw", i % 3, i, None, broker_ms + i // 500, {}, v) for i, v in enumerate(values)]
settings = IngestionSettings()
raw = RawLogs(settings, Normaliser(Limits(), Redactor(emails=settings.redact_emails)), None, IngestStats(),
              IngestMetrics(CollectorRegistry()))
decode = raw.decode
poll = settings.raw_batch_max_records
decode_batch = getattr(raw, "decode_batch", None)  # what the runtime calls per poll where the tree has it
clock = time.process_time()
if decode_batch is None:
    out = [decode(d.value, d) for d in deliveries]
else:
    out = [result for start in range(0, count, poll) for result in decode_batch(deliveries[start:start + poll])]
spent = time.process_time() - clock
assert not any(isinstance(result, Exception) for result in out)
digest = hashlib.sha256(b"".join(k.encode() + b"\0" + v + b"\n" for k, v in out)).hexdigest()
print(json.dumps({"us_per_record": spent / count * 1e6, "digest": digest}))
"""


def run(src: Path, records: int, messages: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", WORKER, str(ROOT / "loadtest"), str(src), str(records), messages],
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{src}: the worker failed (a baseline needs this tree's runtime):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=None, help="git ref of variant A (default: where this branch left main)")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingestion-decode-ab.json")
    parser.add_argument("--messages", choices=["scenario", "loghub"], default="scenario",
                        help="the load scenario's messages, or Loghub-2k's lines (../shared/datasets/loghub-2k)")
    args = parser.parse_args()
    messages = "scenario"
    if args.messages == "loghub":
        loghub = ROOT.parent / "shared" / "datasets" / "loghub-2k"
        if not loghub.is_dir():
            raise SystemExit(f"{loghub}: Loghub-2k is not there; run with --messages scenario")
        messages = str(loghub)
    ref = ["rev-parse", args.baseline] if args.baseline else ["merge-base", "HEAD", "main"]
    baseline = subprocess.run(["git", "-C", str(ROOT), *ref], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ingestion-ab-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", baseline, "services/ingestion/src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        sources = {"A": Path(tmp) / "services/ingestion/src", "B": ROOT / "services/ingestion/src"}
        rounds: dict[str, list[float]] = {"A": [], "B": []}
        digests: set[str] = set()
        for n in range(args.rounds):
            for variant in ("A", "B") if n % 2 == 0 else ("B", "A"):
                got = run(sources[variant], args.records, messages)
                rounds[variant].append(round(got["us_per_record"], 2))
                digests.add(got["digest"])
                print(f"round {n + 1} {variant}: {got['us_per_record']:.1f} µs/record", file=sys.stderr, flush=True)
    if len(digests) != 1:
        raise SystemExit(f"A and B encoded different logs.records bytes: {sorted(digests)}")
    a, b = statistics.median(rounds["A"]), statistics.median(rounds["B"])
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(),
                    "note": "2 cores shared with other engineers' work: CPU time, medians"},
        "what": "the runtime's decode stage of ingestion's logs.raw consumer (decode + normalise + redact + encode): "
                "RawLogs.decode per record, or RawLogs.decode_batch per poll of raw_batch_max_records where the "
                "variant has it; no I/O",
        "records": args.records,
        "messages": args.messages,
        "baseline_A": baseline,
        "unit": "CPU µs per record (median over rounds)",
        "A_baseline": round(a, 2),
        "B_current": round(b, 2),
        "speedup": round(a / b, 2),
        "identical_output": True,
        "rounds": rounds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
