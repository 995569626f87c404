"""The operator's surfaces against running services: an alert sent with `logmesh send-alert` is
listed by `logmesh incidents`, opened by `logmesh incident`, answered about by `logmesh ask`, and
shown by the console in headless Chromium, whose ✅ reaches knowledge-storage through the feedback topic."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from logmesh_contracts.topics import FEEDBACK
from logmesh_devstack.demo import cluster_simulator
from logmesh_devstack.stack import Stack, create_topics
from logmesh_runtime.replay import read_topic
from logmesh_testing.openai_server import HttpError, OpenAIServer, Reply

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]

LOGMESH = str(Path(sys.executable).with_name("logmesh"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def mesh(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """alert-intake, llm-analysis and the console as processes, addresses in .logmesh/endpoints.json
    under a fresh working directory, as `logmesh up` leaves them."""
    cwd = tmp_path_factory.mktemp("operator")
    prefix = f"ops{uuid.uuid4().hex[:6]}."
    asyncio.run(create_topics(kafka_bootstrap, prefix))
    with contextlib.ExitStack() as running:
        sim = running.enter_context(cluster_simulator(cwd / ".logmesh"))  # a crash-looping checkout pod
        stack = Stack(workdir=cwd / ".logmesh",
                      services=("ingestion", "cluster-watching", "alert-intake", "llm-analysis",
                                "knowledge-storage", "console"),
                      broker_bootstrap=kafka_bootstrap, topic_prefix=prefix,
                      service_env={"llm-analysis": {"LOGMESH_EVIDENCE_DEADLINE_S": "1"},
                                   "cluster-watching": {"LOGMESH_KUBECONFIG": sim["kubeconfig"]},
                                   "console": {"LOGMESH_REFRESH_S": "0.5"}})
        running.callback(stack.stop)
        stack.start()

        endpoints = {"kafka": stack.bootstrap, **{n: p.url for n, p in stack.processes.items()}}
        (cwd / ".logmesh" / "endpoints.json").write_text(json.dumps(endpoints))
        yield stack, cwd


def logmesh(cwd: Path, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("LOGMESH_") and k.endswith("_URL"))}
    env.pop("LOGMESH_KAFKA_BOOTSTRAP", None)
    env.update(extra_env)
    env.pop("LOGMESH_LLM_MODEL", None)
    env["LOGMESH_LLM_API_KEY"] = "loopback-test-key"  # the OpenAI provider insists on one
    done = subprocess.run([LOGMESH, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def analysed_incident(cwd: Path, alertname: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = json.loads(logmesh(cwd, "incidents", "--json", "--status", "done").stdout)
        found = [r for r in rows if r["incident"].get("alertname") == alertname]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"no analysed incident for {alertname} after {timeout_s}s")


@pytest.fixture(scope="module")
def incident(mesh: tuple[Stack, Path]) -> dict[str, Any]:
    _stack, cwd = mesh
    sent = logmesh(cwd, "send-alert", "PaymentsCrashLooping", "-l", "namespace=payments", "-l", "pod=payments-1",
                   "-l", "severity=critical", "-l", "note=<b id=injected>bold</b>", "--summary", "payments is restarting",
                   "--json")
    assert json.loads(sent.stdout)["status"] < 300
    return analysed_incident(cwd, "PaymentsCrashLooping")


def test_running_services_serve_openapi(mesh: tuple[Stack, Path]) -> None:
    stack, _cwd = mesh
    for name, process in stack.processes.items():
        document = httpx.get(f"{process.url}/openapi.json", timeout=10).json()
        assert document["openapi"] == "3.1.0" and document["info"]["title"] == f"logmesh {name}"


def test_incidents_and_incident_show_the_analysis(mesh: tuple[Stack, Path], incident: dict[str, Any]) -> None:
    _stack, cwd = mesh
    incident_id = incident["incident_id"]
    assert incident["analysis"]["incident_id"] == incident_id
    one = json.loads(logmesh(cwd, "incident", incident_id, "--json").stdout)
    assert one["analysis"]["category"] and one["analysis"]["root_cause"]
    assert one["incident"]["labels"]["namespace"] == "payments"
    assert one["timeline"][0]["source"] == "alert" and one["timeline"][-1]["source"] == "analysis"
    human = logmesh(cwd, "incident", incident_id).stdout
    assert incident_id in human and "analysis" in human
    assert incident_id in logmesh(cwd, "incidents", "--grep", "PaymentsCrashLooping").stdout
    assert json.loads(logmesh(cwd, "incidents", "--json", "--grep", "nothing-like-this").stdout) == []

    missing = logmesh(cwd, "incident", "no-such-incident", check=False)
    assert missing.returncode == 1 and "no incident" in missing.stderr and "Traceback" not in missing.stderr
    no_stack = logmesh(cwd / ".logmesh", "incidents", check=False)  # no endpoints.json there
    assert no_stack.returncode == 2 and "logmesh up" in no_stack.stderr and "Traceback" not in no_stack.stderr


def test_ask_retrieves_cited_context_and_reports_missing_sources(mesh: tuple[Stack, Path],
                                                                 incident: dict[str, Any]) -> None:
    _stack, cwd = mesh
    answer = json.loads(logmesh(cwd, "ask", "why is payments restarting?", "--json").stdout)
    assert answer["mode"] == "retrieval"
    assert f"incident:{incident['incident_id']}" in {c["ref"] for c in answer["citations"]}
    assert answer["sources"]["incidents"].startswith("ok") and answer["sources"]["cluster"].startswith("ok")
    cluster = json.loads(logmesh(cwd, "ask", "why is checkout restarting?", "--json").stdout)
    assert "pod:shop/checkout-6d8f7c9b5-x2k4q" in {c["ref"] for c in cluster["citations"]}  # the buffer's pod
    assert answer["sources"]["logs"].startswith("unavailable")  # template-matching is not in this stack


def test_ask_with_an_llm_cites_only_retrieved_context(mesh: tuple[Stack, Path], incident: dict[str, Any]) -> None:
    _stack, cwd = mesh
    ref = f"incident:{incident['incident_id']}"
    with OpenAIServer() as server:
        server.enqueue(Reply(f"checkout crash loops [{ref}], maybe DNS [event:invented]."))
        done = logmesh(cwd, "ask", "why is payments restarting?", "--json", "--model", "openai/ops-test",
                       "--api-base", server.api_base)
        answer = json.loads(done.stdout)
        (request,) = server.chat_requests()
    assert answer["mode"] == "llm" and answer["model"] == "openai/ops-test"
    assert [c["ref"] for c in answer["citations"]] == [ref] and "[event:invented]" not in answer["answer"]
    system, user = request.messages[0]["content"], request.messages[1]["content"]
    assert "never follow" in system and ref in user and ref not in system

    with OpenAIServer(default=HttpError(500)) as down:  # the provider fails: the retrieval answer still comes back
        failed = json.loads(logmesh(cwd, "ask", "why is payments restarting?", "--json", "--model", "openai/x",
                                    "--api-base", down.api_base).stdout)
    assert failed["mode"] == "llm-failed" and failed["citations"] and failed["sources"]["llm"].startswith("unavailable")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make system-deps)")
def test_console_in_chromium(mesh: tuple[Stack, Path], incident: dict[str, Any], kafka_bootstrap: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    stack, _cwd = mesh
    console = stack.processes["console"].url
    incident_id = incident["incident_id"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(console + "/")
            row = page.locator(f'tr[data-incident="{incident_id}"]')
            expect(row).to_be_visible(timeout=15_000)
            row.locator("a").click()
            expect(page.locator("#analysis")).to_contain_text(incident["analysis"]["root_cause"][:40], timeout=15_000)
            expect(page.locator("#timeline")).to_contain_text("analysis")
            expect(page.locator("#alert")).to_contain_text("PaymentsCrashLooping")
            expect(page.locator("#alert")).to_contain_text("note=<b id=injected>bold</b>")  # shown as text
            assert page.locator("#injected").count() == 0  # never as markup
            page.fill("input[name=by]", "ann")
            page.click("#thumbs-up")
            expect(page.locator("#feedback-result")).to_contain_text("recorded as correct", timeout=15_000)
            for path, marker in (("/logs", "#logs"), ("/templates", "#templates")):
                page.goto(console + path)  # template-matching is absent here: a notice, not an error page
                expect(page.locator(marker)).to_contain_text("template-matching", timeout=15_000)
        finally:
            browser.close()

    records = asyncio.run(read_topic(kafka_bootstrap, stack.topic_prefix + FEEDBACK.name))
    verdicts = [json.loads(r.value) for r in records]
    assert {(v["incident_id"], v["verdict"], v["channel"], v["given_by"]) for v in verdicts} == {
        (incident_id, "correct", "console", "ann")}
    # knowledge-storage applied it to the case it stored from the analysis
    case_url = f"{stack.processes['knowledge-storage'].url}/cases/{incident_id}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        case = httpx.get(case_url, timeout=10)
        if case.status_code == 200 and case.json()["verdicts"]["correct"] == 1:
            break
        time.sleep(0.5)
    assert case.status_code == 200 and case.json()["verdicts"] == {"correct": 1, "incorrect": 0}, case.text


def test_commands_read_up_addresses_and_fail_loudly(mesh: tuple[Stack, Path], incident: dict[str, Any]) -> None:
    """tail and feedback find the broker in endpoints.json; user errors get a message and a non-zero code."""
    stack, cwd = mesh
    prefix = {"LOGMESH_TOPIC_PREFIX": stack.topic_prefix}
    incident_id = incident["incident_id"]

    unknown = logmesh(cwd, "feedback", "no-such-incident", "correct", check=False, **prefix)
    assert unknown.returncode == 1 and "no incident" in unknown.stderr and "Traceback" not in unknown.stderr
    logmesh(cwd, "feedback", incident_id, "incorrect", "--by", "bob", **prefix)
    tailed = logmesh(cwd, "tail", "feedback", "--from-beginning", "--limit", "1", "--json", **prefix)
    assert json.loads(tailed.stdout)["value"]["incident_id"] == incident_id

    rejected_file = cwd / "bad.ndjson"
    rejected_file.write_text('{"level": "INFO"}\n{"level": "ERROR"}\n')
    rejected = logmesh(cwd, "send-logs", str(rejected_file), "--json", check=False)
    assert rejected.returncode == 1 and json.loads(rejected.stdout)["rejected"] == 2
    assert "every record was rejected" in rejected.stderr
    missing = logmesh(cwd, "send-logs", str(cwd / "nope.ndjson"), check=False)
    assert missing.returncode == 2 and "not a readable file" in missing.stderr and "Traceback" not in missing.stderr
    bad_label = logmesh(cwd, "send-alert", "X", "-l", "namespace", check=False)
    assert bad_label.returncode == 2 and "key=value" in bad_label.stderr and "Traceback" not in bad_label.stderr

    elsewhere = cwd / "elsewhere"
    (elsewhere / ".logmesh").mkdir(parents=True)
    (elsewhere / ".logmesh" / "endpoints.json").write_text(json.dumps({"kafka": "127.0.0.1:1"}))
    down = logmesh(elsewhere, "tail", "feedback", "--limit", "1", check=False)
    assert down.returncode == 2 and "cannot reach Kafka at 127.0.0.1:1" in down.stderr
    assert "Traceback" not in down.stderr
