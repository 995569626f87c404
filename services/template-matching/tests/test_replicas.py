"""Two replicas in one process share one broker and one chDB engine path (separate databases):
their registries converge through templates.events, and template ids survive a restart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from logmesh_contracts.topics import LOGS_RECORDS
from template_matching.app import create_app
from template_matching.testing import T0, record, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SHAPES = [
    "user {i} logged in from 10.1.{i}.7",
    "GET /api/orders/{i} returned 200 in {i}ms",
    "worker-{i} heartbeat ok",
    "connection to db-{i} lost, retrying in {i}s",
    "payment {i} declined: insufficient funds",
]
PROBES = ["user 99 logged in from 10.1.99.7", "worker-99 heartbeat ok", "payment 99 declined: insufficient funds"]


def stream(count: int) -> list:
    out = []
    for n in range(count):
        shape = SHAPES[n % len(SHAPES)]
        service = f"svc-{n % 6}"  # six keys: both replicas get partitions with traffic
        out.append(record(shape.format(i=n), service=service, at=T0 + timedelta(seconds=n), seq=n))
    return out


async def template_ids(tm) -> set[str]:
    rows = await tm.store._query(
        f"SELECT template_id FROM {tm.settings.clickhouse_database}.templates FINAL", {}
    )
    return {r["template_id"] for r in rows}


async def test_replicas_converge_and_ids_are_stable_across_restart(make_settings) -> None:
    base = make_settings()
    settings_a = base.model_copy(update={"clickhouse_database": f"tma_{uuid.uuid4().hex[:8]}"})
    settings_b = base.model_copy(update={"clickhouse_database": f"tmb_{uuid.uuid4().hex[:8]}"})
    app_a, app_b = create_app(settings_a), create_app(settings_b)
    a, b = app_a.state.template_matching, app_b.state.template_matching
    records = stream(150)
    await asyncio.gather(app_a.state.service.start(), app_b.state.service.start())
    try:
        await app_a.state.service.mesh.publish_many(LOGS_RECORDS, [(f"acme/{r.service}", r) for r in records])
        await wait_until(lambda: a.records_stored + b.records_stored >= len(records), what="all records stored")
        assert a.records_stored and b.records_stored  # the work was shared

        await wait_until(lambda: a.registry.live and a.registry.live == b.registry.live, what="registries converge")
        await wait_until(lambda: _same_tables(a, b), what="template tables converge")
        before = {p: a.registry.engine.match(p) for p in PROBES}
        assert all(m is not None for m in before.values())
        assert {p: m.template_id for p, m in before.items()} == {
            p: b.registry.engine.match(p).template_id for p in PROBES  # type: ignore[union-attr]
        }
    finally:
        await app_b.state.service.stop()

    # replica B restarts (same database): its registry comes back before any record is consumed
    app_b2 = create_app(settings_b)
    b2 = app_b2.state.template_matching
    try:
        await app_b2.state.service.start()
        assert b2.registry.live == a.registry.live
        assert {p: b2.registry.engine.match(p).template_id for p in PROBES} == {  # type: ignore[union-attr]
            p: m.template_id for p, m in before.items()
        }
    finally:
        await asyncio.gather(app_b2.state.service.stop(), app_a.state.service.stop())


async def _same_tables(a, b) -> bool:
    ids_a, ids_b = await template_ids(a), await template_ids(b)
    return bool(ids_a) and ids_a == ids_b
