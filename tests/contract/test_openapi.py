"""Every service's HTTP API has an OpenAPI document: served at /openapi.json, committed under
docs/openapi/ and kept in step with the code (like the AsyncAPI document for the topics)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from logmesh_contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "openapi"


def test_committed_documents_match_what_the_services_serve() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "tools" / "openapi.py"), "check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_every_service_documents_its_routes_and_errors() -> None:
    assert {p.stem for p in DOCS.glob("*.json")} == {*SERVICES, "console"}
    for path in DOCS.glob("*.json"):
        document = json.loads(path.read_text())
        assert document["openapi"].startswith("3.1") and document["info"]["title"] == f"logmesh {path.stem}"
        assert {"/health", "/ready", "/metrics"} <= set(document["paths"]), path.name
        assert len(document["paths"]) > 3, f"{path.name}: no service routes"
        for route, operations in document["paths"].items():
            for method, operation in operations.items():
                assert method in {"get", "post", "put", "delete", "patch"}
                assert operation["operationId"] and operation["summary"], f"{path.name} {method} {route}"
                assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        assert "{" + parameter["name"] + "}" in route


def test_typed_read_apis_reference_the_contract_models() -> None:
    incidents = json.loads((DOCS / "llm-analysis.json").read_text())
    listed = incidents["paths"]["/api/v1/incidents"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {"status", "org", "since", "q", "limit"}
    schemas = incidents["components"]["schemas"]
    assert {"IncidentList", "IncidentRow", "IncidentDetail", "Incident", "AnalysisResult"} <= set(schemas)
    cases = json.loads((DOCS / "knowledge-storage.json").read_text())
    assert cases["paths"]["/cases/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseSearchResult"}
