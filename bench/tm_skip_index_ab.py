"""template-matching's ``logs`` insert into embedded chDB with the table's skip indexes built at insert (A:
``materialize_skip_indexes_on_insert=1``, ClickHouse's default) or left to merges (B: ``=0``, what
``ClickHouseStore.insert_logs`` sends where the server has the setting), alternating per batch, each variant its
own database in the same chDB session.

The batches are the load scenario's records (every message unique), decoded and columned as the service does,
``--rows`` each. Per batch: process CPU per record while the insert runs (chDB's C++ included: it runs in this
process), then in a 1.5 s pause after it (chDB's background merges: a merge builds the merged part's skip
indexes in both variants). At the end both tables are merged and counted.

    .venv/bin/python bench/tm_skip_index_ab.py [--rows 20000] [--rounds 6] [--out bench/results/tm-skip-index-ab.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


async def measure(rows: int, rounds: int) -> dict:
    from tm_stages_ab import payloads

    from logmesh_contracts import stable_id
    from logmesh_runtime.kafka import Delivery
    from template_matching.adapters.clickhouse import ClickHouseStore
    from template_matching.domain import LogColumns
    from template_matching.records import decode_records
    from template_matching.registry import TemplateRegistry

    values = payloads(rows * rounds * 2)
    deliveries = [Delivery("logs.records", 0, i, b"load/svc", 0, {}, v) for i, v in enumerate(values)]
    path = tempfile.mkdtemp(prefix="tm-skip-index-")
    stores = {name: ClickHouseStore(f"chdb://{path}/chdb", f"skip_{name}_{uuid.uuid4().hex[:6]}") for name in "AB"}
    for store in stores.values():
        await store.start()
    stores["A"]._index_on_merge = False
    assert stores["B"]._index_on_merge, "this chDB has no materialize_skip_indexes_on_insert"
    registry = TemplateRegistry()
    spent: dict[str, list[float]] = {"A": [], "B": [], "A_merges": [], "B_merges": []}
    batch = 0
    for n in range(rounds):
        for name in ("A", "B") if n % 2 == 0 else ("B", "A"):
            records = decode_records(deliveries[batch * rows:(batch + 1) * rows])
            batch += 1
            columns = LogColumns.of(records, [m.template_id for m in registry.assign_batch([r.message for r in records])])
            token = stable_id("logs", *sorted(columns.columns[3]), length=32)
            await asyncio.sleep(1.5)
            clock = time.process_time()
            await stores[name].insert_logs(columns, token)
            spent[name].append((time.process_time() - clock) / rows * 1e6)
            clock = time.process_time()
            await asyncio.sleep(1.5)
            spent[f"{name}_merges"].append((time.process_time() - clock) / rows * 1e6)
    stored = {}
    for name, store in stores.items():
        await store._run(store._client.command, f"OPTIMIZE TABLE {store.db}.logs FINAL")
        stored[name] = (await store._query(f"SELECT count() AS n FROM {store.db}.logs", {}))[0]["n"]
        await store.close()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(),
                    "note": "2 cores shared with other engineers' benchmarks: process CPU time, medians"},
        "rows_per_batch": rows,
        "rounds": rounds,
        "unit": "process CPU µs per record",
        "median": {key: round(statistics.median(v), 3) for key, v in spent.items()},
        "ratio_insert_A_over_B": round(statistics.median(spent["A"]) / statistics.median(spent["B"]), 2),
        "rows_stored": stored,
        "per_batch": {key: [round(x, 3) for x in v] for key, v in spent.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tm-skip-index-ab.json")
    args = parser.parse_args()
    result = asyncio.run(measure(args.rows, args.rounds))
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_batch"}, indent=2))


if __name__ == "__main__":
    main()
