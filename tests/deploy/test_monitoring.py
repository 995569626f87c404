"""deploy/ operations pieces: PodDisruptionBudgets, the topic-creation Job, the ServiceMonitor and
the alert rules, checked with promtool and unit-tested against synthetic series."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from logmesh_contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MONITORING = DEPLOY / "components" / "monitoring"
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool comes with Debian's prometheus: `make system-deps`"
)


def base_docs(name: str) -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all((DEPLOY / "base" / f"{name}.yaml").read_text()) if d}


def rule_groups() -> list[dict]:
    return yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())["spec"]["groups"]


def test_every_service_has_a_disruption_budget_selecting_its_pods() -> None:
    for name in SERVICES:
        docs = base_docs(name)
        workload = docs.get("Deployment") or docs["StatefulSet"]
        budget = docs["PodDisruptionBudget"]["spec"]
        assert budget["maxUnavailable"] == 1
        pod_labels = workload["spec"]["template"]["metadata"]["labels"]
        assert budget["selector"]["matchLabels"].items() <= pod_labels.items(), name


def test_llm_analysis_replicas_have_stable_names_for_their_evidence_groups() -> None:
    statefulset = base_docs("llm-analysis")["StatefulSet"]
    assert statefulset["spec"]["serviceName"] == "llm-analysis"
    assert base_docs("llm-analysis")["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["kind"] == "StatefulSet"


def test_the_topic_creation_job_runs_the_runtime_with_replication_three() -> None:
    (job,) = yaml.safe_load_all((DEPLOY / "base" / "create-topics-job.yaml").read_text())
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "logmesh_runtime.topic_admin"]
    args = container["args"]
    assert args[args.index("--replication-factor") + 1] == "3"
    assert "create-topics-job.yaml" in yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())["resources"]
    # the module the Job runs exists and takes those arguments
    result = subprocess.run([sys.executable, "-m", "logmesh_runtime.topic_admin", "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "--replication-factor" in result.stdout


def test_the_service_monitor_scrapes_every_service() -> None:
    monitor = yaml.safe_load((MONITORING / "service-monitor.yaml").read_text())
    selector = monitor["spec"]["selector"]["matchLabels"]
    (endpoint,) = monitor["spec"]["endpoints"]
    for name in SERVICES:
        service = base_docs(name)["Service"]
        assert selector.items() <= service["metadata"]["labels"].items(), name
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}, name
    component = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    assert set(component["resources"]) == {"service-monitor.yaml", "prometheus-rules.yaml"}


def test_every_metric_an_alert_uses_is_exported_by_a_service() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "services").glob("*/src/**/*.py"))
    exported = set(re.findall(r'"(logmesh_[a-z_]+)"', source))
    wanted = {"consumer lag": "LogmeshConsumerLagHigh", "DLQ rate": "LogmeshDeadLetters",
              "analysis failures": "LogmeshAnalysisFailures", "ingest rejections": "LogmeshIngestRejections"}
    alerts = {r["alert"]: r for g in rule_groups() for r in g["rules"]}
    assert set(wanted.values()) <= set(alerts)
    for rule in alerts.values():
        used = set(re.findall(r"\b(logmesh_[a-z_]+)", rule["expr"]))
        assert used and used <= exported, (rule["alert"], used - exported)


@needs_promtool
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": rule_groups()}))
    result = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


UNIT_TESTS = """
rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'logmesh_consumer_lag{namespace="logmesh",service="template-matching",topic="logs.records",partition="0"}'
        values: '20000x20'
      - series: 'logmesh_consumer_lag{namespace="logmesh",service="notification",topic="analysis.results",partition="0"}'
        values: '5x20'
      - series: 'logmesh_messages_dead_lettered_total{namespace="logmesh",service="ingestion",topic="logs.raw",stage="decode"}'
        values: '0+10x30'
      - series: 'logmesh_ingest_records_total{namespace="logmesh",path="http",outcome="accepted"}'
        values: '0+100x30'
      - series: 'logmesh_ingest_records_total{namespace="logmesh",path="http",outcome="rejected"}'
        values: '0+20x30'
      - series: 'logmesh_ingest_records_total{namespace="logmesh",path="kafka",outcome="accepted"}'
        values: '0+1000x30'
      - series: 'logmesh_ingest_records_total{namespace="logmesh",path="kafka",outcome="rejected"}'
        values: '0+1x30'
      - series: 'logmesh_analyses_total{namespace="logmesh",status="complete",category="pod-crash"}'
        values: '0+3x40'
      - series: 'logmesh_analyses_total{namespace="logmesh",status="failed",category="unknown"}'
        values: '0+1x40'
      - series: 'logmesh_publish_failures_total{namespace="logmesh",service="ingestion",topic="logs.raw"}'
        values: '0x40'
    alert_rule_test:
      - eval_time: 15m
        alertname: LogmeshConsumerLagHigh
        exp_alerts:
          - exp_labels: {severity: warning, namespace: logmesh, service: template-matching, topic: logs.records}
            exp_annotations:
              summary: template-matching is 20000 messages behind on logs.records
              description: >-
                The consumer group falls behind for 10 minutes. Scale the service (up to the topic's partition
                count), or look for a slow dependency in its logs (ClickHouse, Qdrant, the LLM).
      - eval_time: 5m
        alertname: LogmeshConsumerLagHigh
        exp_alerts: []
      - eval_time: 25m
        alertname: LogmeshDeadLetters
        exp_alerts:
          - exp_labels: {severity: warning, namespace: logmesh, service: ingestion, topic: logs.raw, stage: decode}
            exp_annotations:
              summary: ingestion dead-letters messages from logs.raw (decode)
              description: >-
                More than 3 messages a minute go to logs.raw.dlq. Read them with
                `logmesh tail logs.raw.dlq --from-beginning`: each carries its reason.
      - eval_time: 25m
        alertname: LogmeshIngestRejections
        exp_alerts:
          - exp_labels: {severity: warning, namespace: logmesh, path: http}
            exp_annotations:
              summary: ingestion rejects 16.67% of records on its http path
              description: >-
                A log shipper sends records logmesh cannot read (bad JSON, missing fields, too large). The
                rejection reasons are in the HTTP answers and, for Kafka input, in logs.raw.dlq.
      - eval_time: 35m
        alertname: LogmeshAnalysisFailures
        exp_alerts:
          - exp_labels: {severity: warning, namespace: logmesh}
            exp_annotations:
              summary: 25% of analyses fail
              description: >-
                llm-analysis publishes failed analyses. Its logs name the cause (LLM endpoint, budget, evidence).
      - eval_time: 35m
        alertname: LogmeshPublishFailures
        exp_alerts: []
"""


@needs_promtool
def test_alerts_fire_on_trouble_and_stay_quiet_otherwise(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule_groups()}))
    (tmp_path / "tests.yaml").write_text(UNIT_TESTS)
    result = subprocess.run(["promtool", "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
