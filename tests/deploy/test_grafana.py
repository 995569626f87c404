"""The Grafana dashboards under deploy/grafana are valid, provisioned by docker-compose.yml, and
query what exists: ClickHouse panels run against template-matching's real schema (chDB), and
Prometheus panels name only metrics the services export."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
PANEL_TYPES = {"timeseries", "stat", "table", "logs", "bargauge", "gauge"}


def datasources() -> dict[str, str]:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "logmesh.yaml").read_text())
    return {d["uid"]: d["type"] for d in provisioned["datasources"]}


def panels(kind: str) -> list[tuple[str, dict]]:
    found = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            if panel["datasource"]["type"] == kind:
                found.append((f"{path.stem}/{panel['title']}", panel))
    return found


def test_dashboards_are_valid_and_reference_provisioned_datasources() -> None:
    assert {p.stem for p in DASHBOARDS} == {"logmesh-services", "logmesh-logs"}
    known = datasources()
    assert set(known.values()) == {"prometheus", "grafana-clickhouse-datasource"}
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"] == path.stem and board["title"] and board["schemaVersion"] >= 36
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in board["panels"]:
            assert panel["type"] in PANEL_TYPES and set(panel["gridPos"]) == {"x", "y", "w", "h"}
            assert known.get(panel["datasource"]["uid"]) == panel["datasource"]["type"], panel["title"]
            assert panel["targets"], panel["title"]


def test_compose_provisions_grafana_and_prometheus_scrapes_every_service() -> None:
    from logmesh_contracts.topics import SERVICES

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    mounts = " ".join(services["grafana"]["volumes"])
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning" in mounts
    assert "./deploy/grafana/dashboards:/var/lib/grafana/dashboards" in mounts
    assert "grafana-clickhouse-datasource" in services["grafana"]["environment"]["GF_INSTALL_PLUGINS"]
    scraped = yaml.safe_load((ROOT / "deploy" / "compose" / "prometheus.yml").read_text())["scrape_configs"]
    assert {job["job_name"] for job in scraped} == {*SERVICES, "console"}
    assert set(SERVICES) | {"console"} <= set(services)


def exported_metrics() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "services").glob("*/src/**/*.py"):
        names.update(re.findall(r'(?:Counter|Gauge|Histogram)\(\s*"(logmesh_[a-z_]+)"', path.read_text()))
    return names


@pytest.mark.parametrize(("name", "panel"), panels("prometheus"), ids=lambda v: v if isinstance(v, str) else "")
def test_prometheus_panels_name_exported_metrics(name: str, panel: dict) -> None:
    exported = exported_metrics()
    for target in panel["targets"]:
        for metric in re.findall(r"\b(logmesh_[a-z_]+)", target["expr"]):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            assert metric in exported or base in exported, f"{name}: {metric} is not exported by any service"


def grafana_macros(sql: str, database: str) -> str:
    """The ClickHouse plugin's macros and the dashboards' variables, expanded as Grafana would."""
    sql = re.sub(r"\$__timeFilter\((\w+)\)", r"\1 >= now() - INTERVAL 6 HOUR AND \1 <= now()", sql)
    sql = re.sub(r"\$__timeInterval\((\w+)\)", r"toStartOfInterval(\1, INTERVAL 60 second)", sql)
    sql = sql.replace("${org}", "default").replace("${search}", "refused")
    return sql.replace("logmesh.", f"{database}.")


async def test_clickhouse_panels_run_against_the_real_schema(clickhouse_dsn: str) -> None:
    from template_matching.adapters.clickhouse import ClickHouseStore

    database = f"grafana_{uuid.uuid4().hex[:8]}"
    store = ClickHouseStore(clickhouse_dsn, database)
    await store.start()
    try:
        checked = 0
        for name, panel in panels("grafana-clickhouse-datasource"):
            for target in panel["targets"]:
                assert "$__" in target["rawSql"] or "FINAL" in target["rawSql"], name  # time-bounded or registry
                sql = grafana_macros(target["rawSql"], database)
                await store._run(store._client.query, sql)  # raises on an unknown table, column or function
                checked += 1
        assert checked >= 5
    finally:
        await store.close()
