"""template-matching's ``logs`` insert, three ways in one process, the same batches shape into the same
embedded chDB, alternating per batch, with a quiet pause before each so chDB's background merges of the
previous part are over; every record unique, each variant's batch its own record ids:

* ``main``: clickhouse-connect's Native column insert as main makes it since the seventh pass (dedup
  token, ``optimize_on_insert=0`` for a batch of distinct record ids; ``--main-settings token`` gives the
  earlier call, the token only);
* ``tree``: ``ClickHouseStore.insert_logs`` of this tree (since the eighth pass: the Native block
  written by ``template_native.native_block`` and sent with ``raw_insert``, same settings);
* ``arrow``: the alternative weighed and rejected: the same columns as a pyarrow Table through
  ``insert_arrow`` (Arrow IPC, which chDB reads from a temp file), with ``optimize_on_insert=0`` too.

Process CPU per record while the insert runs (chDB's C++ part writing included: it runs on other threads
of this process), medians over rounds.

    .venv/bin/python bench/tm_insert_ab.py [--records 20000] [--rounds 8] [--variants main,tree,arrow]
        [--main-settings optimize-off|token] [--out bench/results/tm-insert-ab.json]
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

NATIVE_WIRE = {"ts": "DateTime64(3, 'UTC')", "received_at": "DateTime64(3, 'UTC')", "metadata": "Map(String, String)",
               "redacted": "Bool", "truncated": "Bool"}


def arrow_table(batch: Any, sent: list[int]) -> Any:
    import pyarrow as pa

    from template_matching.domain import LOG_COLUMNS

    types = {"ts": pa.timestamp("ms", tz="UTC"), "received_at": pa.timestamp("ms", tz="UTC"),
             "metadata": pa.map_(pa.string(), pa.string()), "redacted": pa.bool_(), "truncated": pa.bool_()}
    return pa.Table.from_arrays([pa.array(batch.columns[i], type=types.get(LOG_COLUMNS[i], pa.string())) for i in sent],
                                names=[LOG_COLUMNS[i] for i in sent])


async def run(records: int, rounds: int, variants: list[str], main_settings: str) -> dict[str, Any]:
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
    results: dict[str, list[float]] = {k: [] for k in variants}
    for n in range(rounds):
        order = list(results) if n % 2 == 0 else list(reversed(results))
        for variant in order:
            batch = LogColumns()  # this variant's own record ids and messages
            for i, column in enumerate(batch0.columns):
                unique = LOG_COLUMNS[i] in ("record_id", "message")
                batch.columns[i][:] = [f"{v}#{variant}{n}" for v in column] if unique else column
            token = f"{variant}-{n}"
            await asyncio.sleep(1.5)
            clock = time.process_time()
            if variant == "tree":
                await store.insert_logs(batch, token)
            elif variant == "main":
                await store._run(client.insert, "logs", [batch.columns[i] for i in sent], database=store.db,
                                 column_names=names, column_type_names=[NATIVE_WIRE.get(c, "String") for c in names],
                                 column_oriented=True, settings={"insert_deduplication_token": token, **(
                                     {"optimize_on_insert": 0} if main_settings == "optimize-off" else {})})
            else:
                await store._run(lambda b=batch, t=token: client.insert_arrow(
                    "logs", arrow_table(b, sent), database=store.db,
                    settings={"insert_deduplication_token": t, "optimize_on_insert": 0}))
            results[variant].append(time.process_time() - clock)
    stored = (await store._query(f"SELECT count() AS n FROM {store.db}.logs FINAL", {}))[0]["n"]
    if stored != len(results) * rounds * records:
        raise SystemExit(f"{stored} rows stored, {len(results) * rounds * records} expected")
    await store.close()
    summary = {variant: round(statistics.median(r) / records * 1e6, 2) for variant, r in results.items()}
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(), "note": "2 cores shared with another engineer: CPU time"},
        "records_per_batch": records, "rounds": rounds, "columns_sent": names, "main_settings": main_settings,
        "unit": "process CPU µs per record while the insert runs, median over rounds",
        "summary": summary,
        **{f"ratio_{v}_over_tree": round(summary[v] / summary["tree"], 2) for v in summary if v != "tree"},
        "rounds_s": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--variants", default="main,tree,arrow", help="comma-separated, 'tree' among them")
    parser.add_argument("--main-settings", choices=("optimize-off", "token"), default="optimize-off")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tm-insert-ab.json")
    args = parser.parse_args()
    result = asyncio.run(run(args.records, args.rounds, args.variants.split(","), args.main_settings))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rounds_raw_s"}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
