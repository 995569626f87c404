"""Export or check the committed OpenAPI documents: docs/openapi/<service>.json.

Each service's app is built (not started) exactly as ``python -m <package>`` builds it, and the
document it serves at ``GET /openapi.json`` is written out. ``check`` fails when a committed
document differs from what the code serves, like the AsyncAPI drift check.

    python deploy/tools/openapi.py export | check
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "openapi"
SETTINGS = {
    "ingestion": "IngestionSettings",
    "template-matching": "TemplateMatchingSettings",
    "cluster-watching": "ClusterWatchingSettings",
    "alert-intake": "AlertIntakeSettings",
    "llm-analysis": "LlmAnalysisSettings",
    "knowledge-storage": "KnowledgeStorageSettings",
    "notification": "NotificationSettings",
    "console": "ConsoleSettings",
}


def served(service: str) -> dict[str, Any]:
    """The document the service's app serves, built in a throwaway data dir."""
    package = service.replace("-", "_")
    with tempfile.TemporaryDirectory(prefix="openapi-") as data_dir:
        settings = getattr(importlib.import_module(f"{package}.settings"), SETTINGS[service])(data_dir=Path(data_dir))
        app = importlib.import_module(f"{package}.app").create_app(settings)
        route = next(r for r in app.routes if getattr(r, "path", None) == "/openapi.json")
        return json.loads(route.endpoint(None).body)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    command = argv[1] if len(argv) > 1 else "check"
    stale = []
    for service in SETTINGS:
        text = render(served(service))
        path = OUT / f"{service}.json"
        if command == "export":
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(str(path.relative_to(ROOT)))
    if stale:
        print(f"out of date: {', '.join(stale)}; run `make schemas`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
