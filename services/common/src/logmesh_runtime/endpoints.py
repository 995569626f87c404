"""Where the running mesh listens: ``.logmesh/endpoints.json``, written by ``logmesh up``.

Every command that talks to the broker or a service resolves addresses here, in this order:
an explicit option, ``LOGMESH_KAFKA_BOOTSTRAP`` / ``LOGMESH_<SERVICE>_URL``, the file, the default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENDPOINTS_FILE = Path(".logmesh/endpoints.json")
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


def url_variable(service: str) -> str:
    return f"LOGMESH_{service.upper().replace('-', '_')}_URL"


def load(path: Path | None = None) -> dict[str, str]:
    """The file's entries (missing or unreadable file: none), with ``LOGMESH_<SERVICE>_URL`` overrides."""
    path = path or ENDPOINTS_FILE
    found: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            found = {str(k): v for k, v in loaded.items() if isinstance(v, str)}
    for key, value in os.environ.items():
        if key.startswith("LOGMESH_") and key.endswith("_URL") and value:
            found[key[len("LOGMESH_"):-len("_URL")].lower().replace("_", "-")] = value
    return found


def kafka_bootstrap(explicit: str | None = None) -> str:
    """The broker: the option, then LOGMESH_KAFKA_BOOTSTRAP, then what `logmesh up` started, then 9092."""
    return explicit or os.environ.get("LOGMESH_KAFKA_BOOTSTRAP") or load().get("kafka") or DEFAULT_BOOTSTRAP


def service_url(service: str) -> str | None:
    return load().get(service)
