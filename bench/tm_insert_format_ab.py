"""template-matching's ``logs`` insert, one format against the other in one process: clickhouse-connect's
Native column insert (main's path before the Arrow change, its wire types spelled out here) against
``ClickHouseStore``'s Arrow insert (this tree), the same batches into the same embedded chDB, alternating
per batch, with a quiet pause before each so chDB's background merges of the previous part are over.

Per record: the calling thread's CPU (clickhouse-connect's Python serialisation, or pyarrow's conversion
and IPC write, plus the call into chDB) and the process's CPU while the insert runs (chDB's C++ part
writing included: it runs on other threads). Also each format into a ``Null``-engine table of the same
columns: the cost of the format itself (encode + parse) without writing a part. Every record is unique.

    .venv/bin/python bench/tm_insert_format_ab.py [--records 20000] [--rounds 8]
        [--out bench/results/tm-insert-format-ab.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

NATIVE_WIRE = {"ts": "DateTime64(3, 'UTC')", "received_at": "DateTime64(3, 'UTC')", "metadata": "Map(String, String)",
               "redacted": "Bool", "truncated": "Bool"}


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, float]:
    thread, process = time.thread_time(), time.process_time()
    fn(*args, **kwargs)
    return time.thread_time() - thread, time.process_time() - process


async def run(records: int, rounds: int) -> dict[str, Any]:
    from tm_stages_ab import payloads

    from logmesh_runtime.kafka import Delivery
    from template_matching.adapters import clickhouse
    from template_matching.adapters.clickhouse import ClickHouseStore
    from template_matching.domain import LOG_COLUMNS, LogColumns
    from template_matching.records import decode_records

    store = ClickHouseStore(f"chdb://{tempfile.mkdtemp(prefix='tm-insert-ab-')}/chdb", f"bench_{uuid.uuid4().hex[:8]}")
    await store.start()
    client = store._client
    values = payloads(records)
    batch0 = LogColumns.of(decode_records([Delivery("logs.records", 0, i, b"k", 0, {}, v) for i, v in enumerate(values)]),
                           [f"tpl-{i % 50}" for i in range(records)])
    sent = [i for i, column in enumerate(batch0.columns) if i not in clickhouse._DEFAULTED_LOG_COLUMNS or any(column)]
    names = [LOG_COLUMNS[i] for i in sent]
    null_columns = ", ".join(f"{n} {'DateTime64(3, ' + chr(39) + 'UTC' + chr(39) + ')' if n in ('ts', 'received_at') else 'String'}"
                             for n in names)
    client.command(f"CREATE TABLE {store.db}.logs_null ({null_columns}) ENGINE = Null")
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in ("native", "arrow", "native_null", "arrow_null")}
    for n in range(rounds):
        batch = LogColumns()  # unique record ids and messages per round
        for i, column in enumerate(batch0.columns):
            batch.columns[i][:] = [f"{v}#{n}" for v in column] if LOG_COLUMNS[i] in ("record_id", "message") else column
        order = list(results) if n % 2 == 0 else list(reversed(results))
        for variant in order:
            await asyncio.sleep(1.5)
            table = "logs_null" if variant.endswith("_null") else "logs"
            settings = {"insert_deduplication_token": f"{variant}-{n}"}
            if variant.startswith("native"):
                spent = await store._run(timed, client.insert, table, [batch.columns[i] for i in sent], database=store.db,
                                         column_names=names, column_type_names=[NATIVE_WIRE.get(c, "String") for c in names],
                                         column_oriented=True, settings=settings)
            else:
                spent = await store._run(timed, store._insert_arrow, table, batch, sent, settings)
            results[variant].append(spent)
    stored = (await store._query(f"SELECT count() AS n FROM {store.db}.logs FINAL", {}))[0]["n"]
    if stored != rounds * records:  # each round's rows twice (native, arrow): one sorting key each
        raise SystemExit(f"{stored} rows stored, {rounds * records} expected")
    await store.close()
    summary = {
        variant: {"thread_us": round(statistics.median(t for t, _ in r) / records * 1e6, 2),
                  "process_us": round(statistics.median(p for _, p in r) / records * 1e6, 2)}
        for variant, r in results.items()
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(), "note": "2 cores shared with another engineer: CPU time"},
        "records_per_batch": records, "rounds": rounds, "columns_sent": names,
        "unit": "CPU µs per record, median over rounds",
        "summary": summary,
        "ratio_native_over_arrow": {k: round(summary["native"][k] / summary["arrow"][k], 2) for k in ("thread_us", "process_us")},
        "rounds_raw_s": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tm-insert-format-ab.json")
    args = parser.parse_args()
    result = asyncio.run(run(args.records, args.rounds))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rounds_raw_s"}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
