"""Export JSON Schemas and check a model change against the committed ones.

``python -m logmesh_contracts.schemas export`` rewrites ``contracts/schemas/``;
``check`` fails when a field that old messages or readers rely on was removed or retyped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from logmesh_contracts.models import AlertmanagerWebhook
from logmesh_contracts.topics import DEAD_LETTER_MODEL, TOPICS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def models() -> dict[str, type[BaseModel]]:
    found = {t.model.__name__: t.model for t in TOPICS}
    found[DEAD_LETTER_MODEL.__name__] = DEAD_LETTER_MODEL
    found[AlertmanagerWebhook.__name__] = AlertmanagerWebhook  # HTTP payload of alert-intake
    return dict(sorted(found.items()))


def current_schemas() -> dict[str, dict[str, Any]]:
    return {name: model.model_json_schema(mode="validation") for name, model in models().items()}


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in current_schemas().items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def _field_types(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items() if k not in {"description", "title", "default", "examples"}}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return {name: resolve(prop) for name, prop in schema.get("properties", {}).items()}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Removed or retyped fields, and new required fields (old messages lack them)."""
    problems = []
    old_fields = _field_types(old, old.get("$defs", {}))
    new_fields = _field_types(new, new.get("$defs", {}))
    for name, old_type in old_fields.items():
        if name not in new_fields:
            problems.append(f"field {name!r} removed")
        elif not _widens(old_type, new_fields[name]):
            problems.append(f"field {name!r} changed type: {json.dumps(old_type)} -> {json.dumps(new_fields[name])}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"field {name!r} became required")
    return problems


def _widens(old: Any, new: Any) -> bool:
    """True when every value valid for ``old`` stays valid for ``new`` (approximately)."""
    if old == new:
        return True
    if isinstance(old, dict) and isinstance(new, dict):
        if "enum" in old and "enum" in new:
            return set(old["enum"]) <= set(new["enum"]) and {k: v for k, v in old.items() if k != "enum"} == {
                k: v for k, v in new.items() if k != "enum"
            }
        if "anyOf" in new:
            return any(_widens(old, option) for option in new["anyOf"]) or (
                "anyOf" in old and all(any(_widens(o, n) for n in new["anyOf"]) for o in old["anyOf"])
            )
        if set(old) - {"maxLength", "minLength", "maximum", "minimum", "ge", "le"} == set(new) - {
            "maxLength",
            "minLength",
            "maximum",
            "minimum",
            "ge",
            "le",
        }:
            return all(_widens(old[k], new[k]) for k in old if k in new)
    return False


def check(directory: Path = SCHEMA_DIR) -> list[str]:
    problems = []
    current = current_schemas()
    for path in sorted(directory.glob("*.json")):
        name = path.stem
        if name not in current:
            problems.append(f"{name}: model removed (messages on topics still use it)")
            continue
        problems += [f"{name}: {p}" for p in breaking_changes(json.loads(path.read_text()), current[name])]
    return problems


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "export":
        for path in export():
            print(path)
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
