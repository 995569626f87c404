"""What the runtime's route guard (authenticator seam + HttpError handling) costs on the ingest route.

One ingestion app (``create_app``), two routes bound to the same ``HttpIngest.ingest`` handler:
``/logs/ingest`` registered through ``Service.route`` (guarded: the default authenticator runs and
``HttpError`` is caught) and ``/plain/ingest``, a bare Starlette ``Route``. Requests go through the
ASGI interface in this process (httpx ``ASGITransport``), alternating rounds, so both pay the same
client and machine noise. The publisher is an in-process sink behind ingestion's ``RecordPublisher``
port: the broker is not what is measured here (bench/ingestion_bench.py measures the whole path).

Figures: process CPU microseconds per request, single-record requests (the guard's cost is per
request, so this is its worst case) and 100-record batches. Writes bench/results/http_toolkit.json.

    .venv/bin/python bench/http_toolkit_bench.py [--requests 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.routing import Route

from ingestion.app import create_app
from ingestion.settings import IngestionSettings

RESULTS = Path(__file__).resolve().parent / "results" / "http_toolkit.json"


class CountingPublisher:
    def __init__(self) -> None:
        self.records = 0

    async def publish(self, records: Sequence[tuple[str, bytes]], timeout_s: float) -> None:
        self.records += len(records)


def body(records: int, seed: int) -> bytes:
    logs = [{"message": f"GET /api/items/{seed}-{i} 200 {i % 97}ms", "org": "acme", "service": "api", "level": "INFO"}
            for i in range(records)]
    return json.dumps(logs[0] if records == 1 else {"logs": logs}).encode()


async def run(path: str, client: httpx.AsyncClient, requests: int, records: int, seed: int) -> float:
    payloads = [body(records, seed * requests + i) for i in range(requests)]
    started = time.process_time()
    for payload in payloads:
        response = await client.post(path, content=payload, headers={"content-type": "application/json"})
        assert response.status_code == 200, response.text
    return (time.process_time() - started) / requests * 1e6


async def main(requests: int, rounds: int) -> dict[str, Any]:
    publisher = CountingPublisher()
    app = create_app(IngestionSettings(service_name="ingestion", consume_raw=False), publisher=publisher)
    endpoint = next(r.endpoint for r in app.state.service.routes if getattr(r, "path", "") == "/logs/ingest")
    app.router.routes.append(Route("/plain/ingest", endpoint.__wrapped__, methods=["POST"]))  # the unguarded handler
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for records in (1, 100):
            n = requests if records == 1 else max(100, requests // 20)
            await run("/plain/ingest", client, 50, records, 10_000 + records)  # warm-up
            guarded, plain = [], []
            for r in range(rounds):
                plain.append(await run("/plain/ingest", client, n, records, 2 * r))
                guarded.append(await run("/logs/ingest", client, n, records, 2 * r + 1))
            g, p = sorted(guarded)[rounds // 2], sorted(plain)[rounds // 2]
            results[f"records_per_request_{records}"] = {
                "requests_per_round": n, "rounds": rounds,
                "guarded_cpu_us_per_request_median": round(g, 1), "plain_cpu_us_per_request_median": round(p, 1),
                "guarded_over_plain": round(g / p, 3),
                "guarded_rounds": [round(x, 1) for x in guarded], "plain_rounds": [round(x, 1) for x in plain],
            }
    return {"benchmark": "http_toolkit_route_guard", "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "machine": platform.machine(),
            "records_published": publisher.records, **results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = asyncio.run(main(args.requests, args.rounds))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
