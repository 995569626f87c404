"""Durable local state in SQLite (WAL): the analysis intent survives a crash or restart.

Two roles share the file:
* intake side — sources already seen (dedup of alerts on fingerprint+startsAt, events on
  event_id) and incidents this replica announced, indexed by correlation key;
* owner side — incidents received on ``incidents.opened`` (pending until analysed), their
  evidence parts, and the incidents already analysed (results are keyed by incident id,
  so a redelivered incident or part never causes a second analysis).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from llm_analysis.domain import merge_incidents
from logmesh_contracts import EvidencePart, Incident

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (source_key TEXT PRIMARY KEY, incident_id TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS announced (incident_id TEXT PRIMARY KEY, body TEXT NOT NULL, last_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS correlation (key TEXT PRIMARY KEY, incident_id TEXT NOT NULL, last_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY, body TEXT NOT NULL, status TEXT NOT NULL,
    deadline REAL NOT NULL, expected TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, deadline);
CREATE TABLE IF NOT EXISTS parts (
    event_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS parts_incident ON parts (incident_id);
CREATE TABLE IF NOT EXISTS results (
    incident_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, status TEXT NOT NULL, category TEXT NOT NULL,
    model TEXT, completed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS traces (incident_id TEXT PRIMARY KEY, carrier TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (incident_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS analyses (incident_id TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


class SqliteStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # ------------------------------------------------------------ intake side
    def source_incident(self, source_key: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT incident_id FROM sources WHERE source_key = ?", (source_key,)).fetchone()
        return row[0] if row else None

    def correlated(self, keys: list[str], since: datetime) -> Incident | None:
        """The most recent incident announced for any of these keys after ``since``."""
        if not keys:
            return None
        marks = ",".join("?" * len(keys))
        with self._lock:
            row = self.db.execute(
                f"SELECT a.body FROM correlation c JOIN announced a ON a.incident_id = c.incident_id "
                f"WHERE c.key IN ({marks}) AND c.last_at >= ? ORDER BY c.last_at DESC LIMIT 1",
                (*keys, since.timestamp()),
            ).fetchone()
        return Incident.model_validate_json(row[0]) if row else None

    def announce(self, incident: Incident, keys: list[str], source_keys: list[str], at: datetime) -> None:
        with self._lock, self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO announced VALUES (?, ?, ?) ON CONFLICT(incident_id) DO UPDATE SET body = excluded.body, "
                "last_at = max(last_at, excluded.last_at)",
                (incident.incident_id, incident.model_dump_json(), at.timestamp()),
            )
            for key in keys:
                self.db.execute(
                    "INSERT INTO correlation VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "incident_id = excluded.incident_id, last_at = excluded.last_at WHERE excluded.last_at >= last_at",
                    (key, incident.incident_id, at.timestamp()),
                )
            for source_key in source_keys:
                self.db.execute("INSERT OR IGNORE INTO sources VALUES (?, ?, ?)",
                                (source_key, incident.incident_id, at.timestamp()))

    # ------------------------------------------------------------- owner side
    def is_analysed(self, incident_id: str) -> bool:
        with self._lock:
            return self.db.execute("SELECT 1 FROM results WHERE incident_id = ?", (incident_id,)).fetchone() is not None

    def upsert_incident(self, incident: Incident, now: datetime) -> str:
        """Record the intent to analyse; merges a second announcement. Returns 'new', 'merged' or 'done'."""
        with self._lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.db.execute("SELECT 1 FROM results WHERE incident_id = ?", (incident.incident_id,)).fetchone():
                return "done"
            row = self.db.execute("SELECT body FROM incidents WHERE incident_id = ?", (incident.incident_id,)).fetchone()
            outcome = "new"
            if row:
                incident = merge_incidents(Incident.model_validate_json(row[0]), incident)
                outcome = "merged"
            self.db.execute(
                "INSERT INTO incidents VALUES (?, ?, 'pending', ?, ?, ?) ON CONFLICT(incident_id) DO UPDATE SET "
                "body = excluded.body, deadline = excluded.deadline, expected = excluded.expected, "
                "updated_at = excluded.updated_at",
                (incident.incident_id, incident.model_dump_json(), incident.evidence_deadline.timestamp(),
                 json.dumps(sorted(incident.expected_evidence)), now.timestamp()),
            )
            return outcome

    def remember_trace(self, incident_id: str, carrier: dict[str, str]) -> None:
        """The trace an incident was opened in (first wins), so its analysis continues that trace."""
        if carrier:
            with self._lock, self.db:
                self.db.execute("INSERT OR IGNORE INTO traces VALUES (?, ?)", (incident_id, json.dumps(carrier)))

    def trace(self, incident_id: str) -> dict[str, str]:
        with self._lock:
            row = self.db.execute("SELECT carrier FROM traces WHERE incident_id = ?", (incident_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def known(self, incident_id: str) -> bool:
        with self._lock:
            return self.db.execute(
                "SELECT 1 FROM incidents WHERE incident_id = ? UNION SELECT 1 FROM results WHERE incident_id = ?",
                (incident_id, incident_id)).fetchone() is not None

    def add_part(self, part: EvidencePart) -> bool:
        with self._lock, self.db:
            cursor = self.db.execute("INSERT OR IGNORE INTO parts VALUES (?, ?, ?, ?, ?)",
                                     (part.event_id, part.incident_id, part.kind, part.model_dump_json(),
                                      part.collected_at.timestamp()))
            return cursor.rowcount == 1

    def pending(self) -> list[tuple[str, float, set[str], set[str]]]:
        """Pending incidents: (incident_id, deadline, expected kinds, arrived kinds)."""
        with self._lock:
            rows = self.db.execute("SELECT incident_id, deadline, expected FROM incidents WHERE status = 'pending'").fetchall()
            kinds: dict[str, set[str]] = {}
            for incident_id, kind in self.db.execute(
                "SELECT p.incident_id, p.kind FROM parts p JOIN incidents i ON i.incident_id = p.incident_id "
                "WHERE i.status = 'pending'"
            ):
                kinds.setdefault(incident_id, set()).add(kind)
        return [(r[0], r[1], set(json.loads(r[2])), kinds.get(r[0], set())) for r in rows]

    def load(self, incident_id: str) -> tuple[Incident, list[EvidencePart]] | None:
        with self._lock:
            row = self.db.execute("SELECT body FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone()
            if row is None:
                return None
            parts = [EvidencePart.model_validate_json(r[0]) for r in self.db.execute(
                "SELECT body FROM parts WHERE incident_id = ? ORDER BY event_id", (incident_id,))]
        return Incident.model_validate_json(row[0]), parts

    def mark_analysed(self, incident_id: str, event_id: str, status: str, category: str, model: str | None,
                      at: datetime, body: str | None = None) -> None:
        """``body``: the published AnalysisResult as JSON, kept for the read API (incident views)."""
        with self._lock, self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                            (incident_id, event_id, status, category, model, at.timestamp()))
            self.db.execute("DELETE FROM outbox WHERE incident_id = ?", (incident_id,))
            if body is not None:
                self.db.execute("INSERT OR IGNORE INTO analyses VALUES (?, ?)", (incident_id, body))
            self.db.execute("UPDATE incidents SET status = 'done', updated_at = ? WHERE incident_id = ?",
                            (at.timestamp(), incident_id))

    def results_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM results").fetchone()[0]

    def keep_outgoing(self, incident_id: str, body: str) -> None:
        """The finished result, durable before it is published: a crash before ``mark_analysed`` makes
        the restart publish this same result again (same event id, same content), never a new analysis."""
        with self._lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO outbox VALUES (?, ?)", (incident_id, body))

    def outgoing(self, incident_id: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT body FROM outbox WHERE incident_id = ?", (incident_id,)).fetchone()
        return row[0] if row else None

    def org_of(self, incident_id: str) -> str | None:
        """The org an incident belongs to (from its stored body; for the parts-only case, unknown)."""
        with self._lock:
            row = self.db.execute("SELECT body FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone()
        return json.loads(row[0]).get("org", "default") if row else None

    def describe(self, incident_id: str) -> dict[str, object] | None:
        with self._lock:
            row = self.db.execute("SELECT status, body FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone()
            result = self.db.execute("SELECT event_id, status, category, model FROM results WHERE incident_id = ?",
                                     (incident_id,)).fetchone()
            kinds = [r[0] for r in self.db.execute("SELECT DISTINCT kind FROM parts WHERE incident_id = ?",
                                                   (incident_id,))]
        if row is None and result is None:
            return None
        info: dict[str, object] = {"incident_id": incident_id, "status": row[0] if row else "done",
                                   "evidence": sorted(kinds)}
        if row:
            info["incident"] = json.loads(row[1])
        if result:
            info["result"] = {"event_id": result[0], "status": result[1], "category": result[2], "model": result[3]}
        return info

    def list_incidents(self, *, status: str | None = None, org: str | None = None, since: datetime | None = None,
                       text: str | None = None, limit: int = 50) -> list[dict[str, object]]:
        """Incidents this replica owns, newest first, each with its analysis when there is one."""
        with self._lock:
            rows = self.db.execute(
                "SELECT i.incident_id, i.status, i.body, a.body FROM incidents i "
                "LEFT JOIN analyses a ON a.incident_id = i.incident_id ORDER BY i.updated_at DESC").fetchall()
        found: list[dict[str, object]] = []
        for incident_id, state, body, analysis in rows:
            incident = json.loads(body)
            if status and state != status:
                continue
            if org and incident.get("org") != org:
                continue
            if since and datetime.fromisoformat(incident["opened_at"]) < since:
                continue
            result = json.loads(analysis) if analysis else None
            if text and text.lower() not in json.dumps([incident, result]).lower():
                continue
            found.append({"incident_id": incident_id, "status": state, "incident": incident, "analysis": result})
            if len(found) >= limit:
                break
        return found

    def analysis(self, incident_id: str) -> dict[str, object] | None:
        with self._lock:
            row = self.db.execute("SELECT body FROM analyses WHERE incident_id = ?", (incident_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def evidence(self, incident_id: str) -> list[dict[str, object]]:
        with self._lock:
            rows = self.db.execute("SELECT body FROM parts WHERE incident_id = ? ORDER BY at, event_id",
                                   (incident_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def prune(self, before: datetime) -> None:
        """Forget finished incidents and intake memory older than ``before``."""
        cutoff = before.timestamp()
        with self._lock, self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM parts WHERE incident_id IN "
                            "(SELECT incident_id FROM incidents WHERE status = 'done' AND updated_at < ?)", (cutoff,))
            self.db.execute("DELETE FROM analyses WHERE incident_id IN "
                            "(SELECT incident_id FROM incidents WHERE status = 'done' AND updated_at < ?)", (cutoff,))
            self.db.execute("DELETE FROM incidents WHERE status = 'done' AND updated_at < ?", (cutoff,))
            # parts for incidents another replica owns (evidence is read by every replica)
            self.db.execute("DELETE FROM parts WHERE at < ? AND incident_id NOT IN (SELECT incident_id FROM incidents)",
                            (cutoff,))
            self.db.execute("DELETE FROM sources WHERE at < ?", (cutoff,))
            self.db.execute("DELETE FROM correlation WHERE last_at < ?", (cutoff,))
            self.db.execute("DELETE FROM announced WHERE last_at < ?", (cutoff,))
