"""The case base in Qdrant: one collection of cases per embedding model and payload schema,
one vector-less collection of verdicts (the source of truth for validation)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from knowledge_storage.domain import (
    PAYLOAD_SCHEMA,
    VALIDATED,
    VERDICT_SCHEMA,
    Hit,
    case_point_id,
    verdict_point_id,
)

log = logging.getLogger(__name__)

CASES = "ks_cases"
VERDICTS = "ks_verdicts"
_KEYWORD_FIELDS = ("incident_id", "org", "alertname", "category", "namespace", "service", "model", "validation",
                   "embedding_model")
_SCROLL_PAGE = 256


def slug(text: str) -> str:
    # collection names: letters, digits, '-', '_' only
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_").lower()


def cases_collection(prefix: str, embedding_model: str, schema: int = PAYLOAD_SCHEMA) -> str:
    return f"{prefix}{CASES}_p{schema}_{slug(embedding_model)}"


class QdrantCaseStore:
    """Blocking adapter; one instance per process (local mode locks its directory)."""

    def __init__(self, location: str, *, prefix: str, embedding_model: str, dim: int,
                 api_key: str | None = None, timeout_s: float = 10.0) -> None:
        if location.startswith(("http://", "https://")):
            self.client = QdrantClient(url=location, api_key=api_key, timeout=int(max(1, timeout_s)))
            self.local = False
        elif location == ":memory:":
            self.client = QdrantClient(location=":memory:")
            self.local = True
        else:
            self.client = QdrantClient(path=location)
            self.local = True
        self.prefix = prefix
        self.embedding_model = embedding_model
        self.dim = dim
        self.cases = cases_collection(prefix, embedding_model)
        self.verdicts = f"{prefix}{VERDICTS}_v{VERDICT_SCHEMA}"
        # local mode is plain Python state: one caller at a time
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self.client.close()

    # ------------------------------------------------------------------ schema

    def ensure_schema(self) -> list[str]:
        """Create this model's collections; return other case collections that need re-embedding."""
        with self.lock:
            if not self.client.collection_exists(self.cases):
                self.client.create_collection(
                    self.cases, vectors_config=models.VectorParams(size=self.dim, distance=models.Distance.COSINE)
                )
                self._indexes(self.cases, {**dict.fromkeys(_KEYWORD_FIELDS, "keyword"), "completed_ts": "float"})
                log.info("created collection %s", self.cases)
            if not self.client.collection_exists(self.verdicts):
                self.client.create_collection(self.verdicts, vectors_config={})
                self._indexes(self.verdicts, {"incident_id": "keyword", "alertname": "keyword", "category": "keyword",
                                              "org": "keyword", "given_ts": "float"})
            names = [c.name for c in self.client.get_collections().collections]
        stale = [n for n in names if n.startswith(f"{self.prefix}{CASES}_p") and n != self.cases]
        return sorted(stale)

    def _indexes(self, collection: str, fields: Mapping[str, str]) -> None:
        if self.local:  # payload indexes do nothing in local mode (and it warns)
            return
        kinds = {"keyword": models.PayloadSchemaType.KEYWORD, "float": models.PayloadSchemaType.FLOAT}
        for name, kind in fields.items():
            self.client.create_payload_index(collection, name, field_schema=kinds[kind], wait=True)

    def drop_collection(self, name: str) -> None:
        with self.lock:
            self.client.delete_collection(name)

    def scroll_collection(self, name: str, page: int = _SCROLL_PAGE) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """Pages of (point id, payload) of any collection, e.g. a stale one being re-embedded."""
        offset = None
        while True:
            with self.lock:
                points, offset = self.client.scroll(name, limit=page, offset=offset, with_payload=True,
                                                    with_vectors=False)
            if points:
                yield [(str(p.id), dict(p.payload or {})) for p in points]
            if offset is None:
                return

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        with self.lock:
            return {str(p.id) for p in self.client.retrieve(self.cases, ids=list(ids), with_payload=False)}

    # ------------------------------------------------------------------- cases

    def upsert_cases(self, rows: Sequence[tuple[str, Sequence[float], Mapping[str, Any]]]) -> None:
        points = [models.PointStruct(id=case_point_id(i), vector=list(v), payload=dict(p)) for i, v, p in rows]
        with self.lock:
            self.client.upsert(self.cases, points=points, wait=True)

    def upsert_case(self, incident_id: str, vector: Sequence[float], payload: Mapping[str, Any]) -> None:
        self.upsert_cases([(incident_id, vector, payload)])

    def get_case(self, incident_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.client.retrieve(self.cases, ids=[case_point_id(incident_id)], with_payload=True)
        return dict(found[0].payload or {}) if found else None

    def set_case_fields(self, incident_id: str, fields: Mapping[str, Any]) -> bool:
        with self.lock:
            if self.get_case(incident_id) is None:
                return False
            self.client.set_payload(self.cases, payload=dict(fields), points=[case_point_id(incident_id)], wait=True)
        return True

    def delete_case(self, incident_id: str) -> bool:
        with self.lock:
            existed = self.get_case(incident_id) is not None
            self.client.delete(self.cases, points_selector=models.PointIdsList(points=[case_point_id(incident_id)]),
                               wait=True)
            self.client.delete(self.verdicts, points_selector=models.FilterSelector(filter=_eq(incident_id=incident_id)),
                               wait=True)
        return existed

    def search(self, vector: Sequence[float], *, limit: int, threshold: float, filters: Mapping[str, str],
               exclude_incident: str | None = None) -> list[Hit]:
        conditions: list[models.Condition] = [_match("validation", VALIDATED), *(_match(k, v) for k, v in filters.items() if v)]
        must_not: list[models.Condition] | None = [models.HasIdCondition(has_id=[case_point_id(exclude_incident)])] if exclude_incident else None
        with self.lock:
            response = self.client.query_points(
                self.cases, query=list(vector), limit=limit, score_threshold=threshold, with_payload=True,
                query_filter=models.Filter(must=conditions, must_not=must_not),
            )
        return [Hit(score=float(p.score), payload=dict(p.payload or {})) for p in response.points]

    def iter_cases(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        offset = None
        selector: bool | list[str] = list(fields) if fields else True
        while True:
            with self.lock:
                points, offset = self.client.scroll(self.cases, limit=_SCROLL_PAGE, offset=offset,
                                                    with_payload=selector, with_vectors=False)
            for point in points:
                yield dict(point.payload or {})
            if offset is None:
                return

    def count_cases(self) -> int:
        with self.lock:
            return self.client.count(self.cases, exact=True).count

    def prune(self, older_than_ts: float, org: str | None = None) -> list[str]:
        """Delete cases completed before ``older_than_ts`` (of ``org`` only, if given) and their verdicts."""
        must: list[Any] = [models.FieldCondition(key="completed_ts", range=models.Range(lt=older_than_ts))]
        if org is not None:
            must.append(models.FieldCondition(key="org", match=models.MatchValue(value=org)))
        old = models.Filter(must=must)
        gone: list[str] = []
        offset = None
        while True:
            with self.lock:
                points, offset = self.client.scroll(self.cases, scroll_filter=old, limit=_SCROLL_PAGE, offset=offset,
                                                    with_payload=["incident_id"], with_vectors=False)
            gone += [str((p.payload or {}).get("incident_id")) for p in points]
            if offset is None:
                break
        with self.lock:
            if gone:
                self.client.delete(self.cases, points_selector=models.FilterSelector(filter=old), wait=True)
                for start in range(0, len(gone), 256):
                    ids = gone[start : start + 256]
                    self.client.delete(self.verdicts, wait=True, points_selector=models.FilterSelector(
                        filter=models.Filter(must=[models.FieldCondition(key="incident_id",
                                                                         match=models.MatchAny(any=ids))])))
            if org is not None:
                return gone  # another org's stray verdicts are not this caller's to age out
            # verdicts on incidents whose analysis never arrived age out too
            self.client.delete(self.verdicts, wait=True, points_selector=models.FilterSelector(filter=models.Filter(
                must=[models.FieldCondition(key="given_ts", range=models.Range(lt=older_than_ts))])))
        return gone

    # ---------------------------------------------------------------- verdicts

    def verdicts_for(self, incident_id: str) -> list[dict[str, Any]]:
        with self.lock:
            points, _ = self.client.scroll(self.verdicts, scroll_filter=_eq(incident_id=incident_id), limit=1000,
                                           with_payload=True, with_vectors=False)
        return [dict(p.payload or {}) for p in points]

    def get_verdict(self, incident_id: str, given_by: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.client.retrieve(self.verdicts, ids=[verdict_point_id(incident_id, given_by)], with_payload=True)
        return dict(found[0].payload or {}) if found else None

    def put_verdict(self, payload: Mapping[str, Any]) -> None:
        point = models.PointStruct(id=verdict_point_id(payload["incident_id"], payload["given_by"]), vector={},
                                   payload=dict(payload))
        with self.lock:
            self.client.upsert(self.verdicts, points=[point], wait=True)

    def set_verdict_fields(self, incident_id: str, fields: Mapping[str, Any]) -> None:
        with self.lock:
            self.client.set_payload(self.verdicts, payload=dict(fields), wait=True,
                                    points=models.FilterSelector(filter=_eq(incident_id=incident_id)))

    def recent_verdicts(self, *, alertname: str, category: str, org: str, limit: int,
                        scan: int = 200) -> list[dict[str, Any]]:
        """Latest verdicts on the same alert name or category (bounded scan, newest first)."""
        should: list[models.Condition] = [_match(k, v) for k, v in (("alertname", alertname), ("category", category)) if v]
        if not should or limit <= 0:
            return []
        must: list[models.Condition] = [_match("org", org)]
        flt = models.Filter(must=must, should=should)
        with self.lock:
            points, _ = self.client.scroll(self.verdicts, scroll_filter=flt, limit=scan, with_payload=True,
                                           with_vectors=False)
        rows = sorted((dict(p.payload or {}) for p in points), key=lambda v: -float(v.get("given_ts", 0.0)))
        return rows[:limit]


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def _eq(**pairs: str) -> models.Filter:
    return models.Filter(must=[_match(k, v) for k, v in pairs.items()])
