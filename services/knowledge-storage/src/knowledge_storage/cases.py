"""The case base: domain rules applied to a store and an embedder (blocking; run it in a thread)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from knowledge_storage import domain
from knowledge_storage.adapters.qdrant import QdrantCaseStore
from knowledge_storage.ports import Embedder
from logmesh_contracts import AnalysisResult, EvidencePart, Feedback, Incident
from logmesh_runtime.settings import reveal

log = logging.getLogger(__name__)

EXPORT_FORMAT = "logmesh-cases/1"


@dataclass(frozen=True)
class StoreOutcome:
    incident_id: str
    created: bool
    validation: str


@dataclass(frozen=True)
class FeedbackOutcome:
    incident_id: str
    changed: bool
    case_known: bool
    validation: str | None


class CaseBase:
    def __init__(self, store: QdrantCaseStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._stats: domain.Stats | None = None

    @property
    def embedding_model(self) -> str:
        return self.embedder.model_id

    # ------------------------------------------------------------------ schema

    def ensure_schema(self) -> list[str]:
        return self.store.ensure_schema()

    def reembed(self, stale: Iterable[str], batch: int = 64) -> dict[str, int]:
        """Copy cases of other models' (or older schemas') collections into this model's, re-embedding
        their stored text, then drop them. Cases already here (stored since) are left as they are;
        validation is recomputed from the verdicts, which are the source of truth."""
        copied: dict[str, int] = {}
        for name in stale:
            count = 0
            for page in self.store.scroll_collection(name, page=batch):
                present = self.store.existing_ids([pid for pid, _ in page])
                todo = [(pid, domain.migrate_payload(p)) for pid, p in page if pid not in present]
                todo = [(pid, p) for pid, p in todo if p.get("incident_id")]
                if not todo:
                    continue
                vectors = self.embedder.embed([p.get("text", "") for _, p in todo])
                rows = []
                for (_, payload), vector in zip(todo, vectors, strict=True):
                    verdicts = self.store.verdicts_for(payload["incident_id"])
                    payload.update(domain.validation(verdicts).as_payload() if verdicts else {})
                    payload["embedding_model"] = self.embedding_model
                    rows.append((payload["incident_id"], vector, payload))
                self.store.upsert_cases(rows)
                count += len(rows)
            self.store.drop_collection(name)
            copied[name] = count
            log.info("re-embedded %d case(s) from %s with %s", count, name, self.embedding_model)
        self._stats = None
        return copied

    # ------------------------------------------------------------------- cases

    def store_result(self, result: AnalysisResult, now: datetime | None = None) -> StoreOutcome:
        """Upsert the case of an analysis (same incident = same point) and apply verdicts already given."""
        now = now or datetime.now(UTC)
        text = domain.case_text(result)
        payload = domain.case_payload(result, text, self.embedding_model, now)
        existing = self.store.get_case(result.incident_id)
        if existing is not None:
            payload["stored_at"] = existing.get("stored_at", payload["stored_at"])
        verdicts = self.store.verdicts_for(result.incident_id)
        if verdicts:
            payload.update(domain.validation(verdicts).as_payload())
        (vector,) = self.embedder.embed([text])
        self.store.upsert_case(result.incident_id, vector, payload)
        if verdicts:  # verdicts that came first learn the alert/category/model of their case
            self.store.set_verdict_fields(result.incident_id, domain.case_keys(payload))
        self._stats = None
        return StoreOutcome(result.incident_id, existing is None, payload["validation"])

    def get(self, incident_id: str) -> dict[str, Any] | None:
        case = self.store.get_case(incident_id)
        if case is not None:
            case["verdicts_detail"] = self.store.verdicts_for(incident_id)
        return case

    def delete(self, incident_id: str) -> bool:
        self._stats = None
        return self.store.delete_case(incident_id)

    def prune(self, retention_days: float, now: datetime | None = None, org: str | None = None) -> list[str]:
        if retention_days <= 0:
            return []
        now = now or datetime.now(UTC)
        cutoff = domain.ts(now) - retention_days * 86400
        gone = self.store.prune(cutoff, org) if org is not None else self.store.prune(cutoff)
        if gone:
            self._stats = None
        return gone

    # ---------------------------------------------------------------- feedback

    def apply_feedback(self, feedback: Feedback) -> FeedbackOutcome:
        """Record a person's verdict (idempotent by event id; newer replaces theirs) and revalidate the case."""
        case = self.store.get_case(feedback.incident_id)
        existing = self.store.get_verdict(feedback.incident_id, feedback.given_by)
        if not domain.replaces(existing, feedback):
            return FeedbackOutcome(feedback.incident_id, False, case is not None, case.get("validation") if case else None)
        self.store.put_verdict(domain.verdict_payload(feedback, case))
        state = None
        if case is not None:
            result = domain.validation(self.store.verdicts_for(feedback.incident_id))
            self.store.set_case_fields(feedback.incident_id, result.as_payload())
            state = result.state
        self._stats = None
        return FeedbackOutcome(feedback.incident_id, True, case is not None, state)

    def stats(self) -> dict[str, Any]:
        if self._stats is None:
            self._stats = domain.accuracy_stats(self.store.iter_cases(["category", "model", "validation"]))
        return {**self._stats.as_dict(), "embedding_model": self.embedding_model}

    # ---------------------------------------------------------------- evidence

    def similar(self, incident: Incident, *, top_n: int, threshold: float, same_namespace: bool,
                feedback_items: int) -> tuple[list[domain.Hit], list[dict[str, Any]]]:
        """Validated cases like this incident, and past verdicts on its alert name or category."""
        (vector,) = self.embedder.embed([domain.incident_text(incident)])
        filters = {"org": incident.org}
        if incident.category_hint != "unknown":
            filters["category"] = incident.category_hint
        if same_namespace and incident.target.namespace:
            filters["namespace"] = incident.target.namespace
        hits = self.store.search(vector, limit=top_n, threshold=threshold, filters=filters,
                                 exclude_incident=incident.incident_id)
        alertname = incident.alertname or incident.labels.get("alertname", "")
        category = incident.category_hint if incident.category_hint != "unknown" else ""
        verdicts = [
            v for v in self.store.recent_verdicts(alertname=alertname, category=category, org=incident.org,
                                                  limit=feedback_items + top_n)
            if v.get("incident_id") != incident.incident_id
        ][:feedback_items]
        return hits, verdicts

    def search_text(self, text: str, *, org: str, limit: int, threshold: float) -> list[domain.Hit]:
        """Validated cases closest to a free-text question (the operator's `ask` and console)."""
        (vector,) = self.embedder.embed([text])
        return self.store.search(vector, limit=limit, threshold=threshold, filters={"org": org})

    def answer(self, incident: Incident, *, top_n: int, threshold: float, same_namespace: bool = False,
               feedback_items: int = 3, now: datetime | None = None) -> EvidencePart:
        hits, verdicts = self.similar(incident, top_n=top_n, threshold=threshold, same_namespace=same_namespace,
                                      feedback_items=feedback_items)
        return domain.similar_cases_part(incident, hits, verdicts, now or datetime.now(UTC))

    # ---------------------------------------------------------- export/import

    def export_lines(self, org: str | None = None) -> Iterator[str]:
        """The case base (of ``org`` only, if given) as JSON lines: a header, then one case per line with its
        verdicts (no vectors: they belong to a model, and importing re-embeds)."""
        yield json.dumps({"format": EXPORT_FORMAT, "payload_schema": domain.PAYLOAD_SCHEMA,
                          "embedding_model": self.embedding_model, "exported_at": datetime.now(UTC).isoformat()})
        for case in self.store.iter_cases():
            if org is not None and case.get("org", "default") != org:
                continue
            case.pop("verdicts_detail", None)
            yield json.dumps({"case": case, "verdicts": self.store.verdicts_for(case["incident_id"])}, default=str)

    def import_lines(self, lines: Iterable[str], batch: int = 64, org: str | None = None) -> dict[str, int]:
        """Load exported lines: cases are re-embedded with this model; verdicts keep the newest per person."""
        counts = {"cases": 0, "verdicts": 0, "skipped": 0}
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            if not pending:
                return
            vectors = self.embedder.embed([p.get("text", "") for p in pending])
            rows = []
            for payload, vector in zip(pending, vectors, strict=True):
                verdicts = self.store.verdicts_for(payload["incident_id"])
                payload.update(domain.validation(verdicts).as_payload() if verdicts else {})
                payload["embedding_model"] = self.embedding_model
                rows.append((payload["incident_id"], vector, payload))
            self.store.upsert_cases(rows)
            counts["cases"] += len(rows)
            pending.clear()

        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"line {number}: expected an object")
            if "format" in row:
                if row["format"] != EXPORT_FORMAT:
                    raise ValueError(f"line {number}: unknown export format {row['format']!r}")
                continue
            case = row.get("case")
            if not isinstance(case, dict) or not case.get("incident_id") or not isinstance(case.get("text"), str):
                raise ValueError(f"line {number}: expected {{'case': {{'incident_id', 'text', ...}}, 'verdicts': [...]}}")
            if org is not None and case.get("org", "default") != org:
                counts["skipped"] += 1  # a key imports into its own org only
                continue
            for verdict in row.get("verdicts") or []:
                if not isinstance(verdict, Mapping) or not verdict.get("given_by"):
                    counts["skipped"] += 1
                    continue
                current = self.store.get_verdict(case["incident_id"], str(verdict["given_by"]))
                if current is None or float(verdict.get("given_ts", 0)) >= float(current.get("given_ts", 0)):
                    self.store.put_verdict({**verdict, "incident_id": case["incident_id"]})
                    counts["verdicts"] += 1
            pending.append(domain.migrate_payload(case))
            if len(pending) >= batch:
                flush()
        flush()
        self._stats = None
        return counts


def open_case_base(settings: Any, embedder: Embedder | None = None) -> CaseBase:
    """Build the store and embedder the settings name (blocking: model loads, probes)."""
    from knowledge_storage.adapters.embedders import build_embedder

    embedder = embedder or build_embedder(settings)
    started = time.perf_counter()
    store = QdrantCaseStore(
        settings.qdrant_location, prefix=settings.collections_prefix, embedding_model=embedder.model_id,
        dim=embedder.dim, api_key=reveal(settings.qdrant_api_key), timeout_s=settings.qdrant_timeout_s,
    )
    log.info("case base at %s (%s) opened in %.2fs", "server" if not store.local else "local", store.cases,
             time.perf_counter() - started)
    return CaseBase(store, embedder)
