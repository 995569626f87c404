"""``logmesh notifications``: what the notification service delivered (its file sink)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def notifications(
    last: Annotated[int, typer.Option(help="How many of the latest notifications to show.")] = 20,
    data_dir: Annotated[Path, typer.Option(envvar="LOGMESH_DATA_DIR", help="The services' data_dir.")] = Path(
        ".logmesh/data"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the latest notifications written by the file sink (the default sink of `logmesh up`)."""
    path = data_dir / "notification" / "notifications.jsonl"
    if not path.exists():
        if as_json:
            print(json.dumps([]))
        else:
            print(f"no notifications yet ({path} does not exist)")
        return
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines()[-max(0, last):]:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    if as_json:
        print(json.dumps(entries))
        return
    for entry in entries:
        if entry.get("kind") == "resolved":
            print(f"{entry.get('at', '')[:19]}  RESOLVED  {entry['incident_id']}  {entry.get('reason', '')}")
        else:
            print(f"{entry.get('at', '')[:19]}  {entry.get('severity', '').upper():<8}  {entry['incident_id']}  "
                  f"{entry.get('category', '')}  {entry.get('title', '')} — {entry.get('root_cause', '')}")
