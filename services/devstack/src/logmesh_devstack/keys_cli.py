"""``logmesh keys create|list|revoke|rotate``: the API key store, managed from the command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from logmesh_runtime.auth import SCOPES, KeyStore

app = typer.Typer(help="API keys: each bound to one org, with scopes ingest, read, analyze, admin.",
                  no_args_is_help=True)

StorePath = Annotated[Path, typer.Option("--store", envvar="LOGMESH_KEYS_PATH",
                                         help="The key store the services read (LOGMESH_KEYS_PATH).")]
DEFAULT_STORE = Path(".logmesh/data/keys.sqlite")  # where `logmesh up` points every service
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)
    except (ValueError, IndexError):
        raise typer.BadParameter(f"{text!r} is not a duration like 90s, 30m, 24h or 7d") from None


@app.command()
def create(
    org: Annotated[str, typer.Option(help="The org the key acts for (its only org).")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"Repeatable: {', '.join(SCOPES)}.")] = ["read"],  # noqa: B006
    name: Annotated[str, typer.Option(help="A label for people (who or what uses it).")] = "",
    expires_in: Annotated[str | None, typer.Option(help="Expire after this long, e.g. 30d.")] = None,
    store: StorePath = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """Create a key; it is printed once and only its SHA-256 is stored."""
    scopes = [s for item in scope for s in item.split(",") if s]
    expires_at = time.time() + _duration(expires_in) if expires_in else None
    try:
        key_id, key = KeyStore(store).create(org, scopes, name=name, expires_at=expires_at)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if as_json:
        print(json.dumps({"key": key, "key_id": key_id, "org": org, "scopes": sorted(set(scopes))}))
    else:
        print(key)
        print(f"key {key_id} for org {org} ({', '.join(sorted(set(scopes)))}); shown once, store it now",
              file=sys.stderr)


@app.command("list")
def list_(
    org: Annotated[str | None, typer.Option(help="Only this org's keys.")] = None,
    store: StorePath = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """Keys with their org, scopes and state (never the key itself)."""
    keys = KeyStore(store).list(org)
    if as_json:
        print(json.dumps([k.__dict__ for k in keys]))
        return
    for k in keys:
        state = "active" if k.active else ("revoked" if k.revoked_at else "expired")
        until = f" until {k.expires_at}" if k.expires_at and k.active else ""
        print(f"{k.key_id}  {k.org:16s} {','.join(k.scopes):28s} {state}{until}  {k.name}")


@app.command()
def revoke(key_id: Annotated[str, typer.Argument()], store: StorePath = DEFAULT_STORE, as_json: JsonFlag = False) -> None:
    """Revoke a key now (services stop accepting it within 5 s)."""
    done = KeyStore(store).revoke(key_id)
    print(json.dumps({"revoked": done, "key_id": key_id}) if as_json else
          (f"revoked {key_id}" if done else f"no active key {key_id}"))
    if not done:
        raise typer.Exit(1)


@app.command()
def rotate(
    key_id: Annotated[str, typer.Argument()],
    overlap: Annotated[str, typer.Option(help="How long the old key keeps working.")] = "24h",
    store: StorePath = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """A new key with the old one's org and scopes; the old one expires after the overlap."""
    keys = KeyStore(store)
    old = next((k for k in keys.list() if k.key_id == key_id and k.active), None)
    if old is None:
        print(f"no active key {key_id}; see `logmesh keys list`", file=sys.stderr)
        raise typer.Exit(1)
    new_id, key = keys.create(old.org, old.scopes, name=old.name, expires_at=None)
    keys.expire(key_id, time.time() + _duration(overlap))
    if as_json:
        print(json.dumps({"key": key, "key_id": new_id, "replaces": key_id, "overlap": overlap}))
    else:
        print(key)
        print(f"key {new_id} replaces {key_id}, which stops working in {overlap}", file=sys.stderr)
