"""Pure logic of template-matching: rows, template events, LLM proposals, anomalies, evidence.

No I/O and no asyncio here; everything is testable with plain values.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from template_native import NativeRecord, poll_streams
from template_native import log_columns as native_log_columns

from logmesh_contracts import (
    EvidenceItem,
    EvidencePart,
    Incident,
    K8sRef,
    LogAnomaly,
    TemplateEvent,
    stable_id,
)
from template_matching.records import K8sView, Record

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL")
ERROR_LEVELS = frozenset({"ERROR", "FATAL"})
WILDCARD = "<*>"


def level_at_least(level: str, minimum: str) -> bool:
    try:
        return LEVELS.index(level) >= LEVELS.index(minimum)
    except ValueError:
        return False


# --------------------------------------------------------------------------- rows

LOG_COLUMNS: tuple[str, ...] = (
    "org", "service", "ts", "record_id", "received_at", "level", "template_id", "message", "host",
    "namespace", "pod", "container", "node", "k8s_service", "metadata", "redacted", "truncated",
)


def log_row(record: Record, template_id: str) -> list[Any]:
    """One ClickHouse row for a record, in ``LOG_COLUMNS`` order."""
    k8s = record.k8s
    return [
        record.org, record.service, _utc(record.timestamp), record.event_id, _utc(record.received_at), record.level,
        template_id, record.message, record.host or "", k8s.namespace or "", k8s.pod or "", k8s.container or "",
        k8s.node or "", k8s.service or "", dict(record.metadata), record.redacted, record.truncated,
    ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_MILLISECOND = timedelta(milliseconds=1)


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch (naive values are UTC), exact: what a DateTime64(3) column stores."""
    return (value - (_EPOCH if value.tzinfo is not None else _EPOCH_NAIVE)) // _MILLISECOND


def epoch_ms_column(values: Iterable[datetime]) -> list[int]:
    """:func:`epoch_ms` of each value; a run of equal values (a poll's broker receive times share
    their millisecond) is converted once."""
    column: list[int] = []
    append = column.append
    last: datetime | None = None
    last_ms = 0
    for value in values:
        if value != last:
            last, last_ms = value, (value - (_EPOCH if value.tzinfo is not None else _EPOCH_NAIVE)) // _MILLISECOND
        append(last_ms)
    return column


class LogColumns:
    """Rows for the ``logs`` table held column by column, in ``LOG_COLUMNS`` order.

    The record hot path builds each column in one pass over the batch: no row list per record, and
    timestamps as DateTime64(3) ticks (ints), so the insert serialises each column as it is instead
    of converting every row and every datetime again.
    """

    __slots__ = ("columns",)

    def __init__(self) -> None:
        self.columns: tuple[list[Any], ...] = tuple([] for _ in LOG_COLUMNS)

    @classmethod
    def of(cls, records: Sequence[Record], template_ids: Sequence[str]) -> LogColumns:
        """The columns of a batch, one comprehension per column."""
        if len(records) != len(template_ids):
            raise ValueError(f"{len(records)} records but {len(template_ids)} template ids")
        batch = cls.__new__(cls)
        if isinstance(template_ids, list):
            try:  # a poll the native decoder read whole: its columns in one native call
                batch.columns = tuple(native_log_columns(records, template_ids))
                return batch
            except TypeError:  # not all NativeRecords (a value took the Python path): column by column
                pass
        k8s = [r.k8s for r in records]
        batch.columns = (
            [r.org for r in records], [r.service for r in records], epoch_ms_column([r.timestamp for r in records]),
            [r.event_id for r in records], epoch_ms_column([r.received_at for r in records]),
            [r.level for r in records],
            list(template_ids), [r.message for r in records], [r.host or "" for r in records],
            [k.namespace or "" for k in k8s], [k.pod or "" for k in k8s], [k.container or "" for k in k8s],
            [k.node or "" for k in k8s], [k.service or "" for k in k8s],
            [r.metadata for r in records],  # never mutated: no copy
            [r.redacted for r in records], [r.truncated for r in records],
        )
        return batch

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> LogColumns:
        batch = cls()
        for row in rows:
            for column, value in zip(batch.columns, row, strict=True):
                column.append(value)
        for index in (2, 4):  # ts, received_at
            batch.columns[index][:] = [v if isinstance(v, int) else epoch_ms(v) for v in batch.columns[index]]
        return batch

    def __len__(self) -> int:
        return len(self.columns[0])

    def __iter__(self) -> Iterator[list[Any]]:
        """Row by row (tests and small callers); timestamps as epoch milliseconds."""
        return (list(row) for row in zip(*self.columns, strict=True))


TEMPLATE_COLUMNS: tuple[str, ...] = (
    "template_id", "template", "kind", "source", "previous_template_id", "org", "service", "sample",
    "first_seen", "updated_at", "count",
)


def template_row(event: TemplateEvent) -> list[Any]:
    return [
        event.template_id, event.template, event.kind, event.source, event.previous_template_id or "",
        event.org or "", event.service or "", event.sample or "", _utc(event.first_seen), _utc(event.updated_at),
        event.count,
    ]


def _contract_k8s(k8s: K8sRef | K8sView) -> K8sRef:
    """Records decoded on the hot path carry a struct that mirrors ``K8sRef``; anomalies carry the contract type."""
    return k8s if isinstance(k8s, K8sRef) else K8sRef(**{name: getattr(k8s, name) for name in K8sRef.model_fields})


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def template_event(
    *,
    template_id: str,
    template: str,
    previous_template_id: str | None,
    is_new: bool,
    record: Record,
    now: datetime,
    kind: str | None = None,
    source: str = "miner",
    count: int = 1,
) -> TemplateEvent:
    """The registry announcement for a template the miner created or changed.

    ``event_id`` is derived from the template id, kind and predecessor, so a redelivered record that
    re-announces the same change produces the same event (and compaction keeps one per template).
    """
    if kind is None:
        if previous_template_id and previous_template_id != template_id:
            kind = "merged" if is_new else "updated"  # the engine generalised a template (its id changed)
        else:
            kind = "created"
    return TemplateEvent(
        event_id=stable_id("template", template_id, kind, previous_template_id or ""),
        template_id=template_id,
        template=template,
        kind=kind,  # type: ignore[arg-type]
        previous_template_id=previous_template_id if previous_template_id != template_id else None,
        source=source,  # type: ignore[arg-type]
        service=record.service,
        org=record.org,
        sample=record.message[:2000] if not record.truncated else record.message[:500],
        first_seen=_utc(record.timestamp),
        updated_at=now,
        count=count,
    )


# -------------------------------------------------------------------- LLM proposals

_SPACE = re.compile(r"\s+")  # any whitespace run; templates and lines compare whitespace-insensitively


def template_regex(template: str) -> re.Pattern[str]:
    """A regex that matches exactly the lines a template (``<*>`` = any text) describes."""
    pieces = []
    for literal in template.strip().split(WILDCARD):
        words = _SPACE.split(literal)
        pieces.append(r"\s+".join(re.escape(w) for w in words))
    return re.compile(r"\s*" + "(.*?)".join(pieces) + r"\s*", re.DOTALL)


def template_matches(template: str, lines: Iterable[str]) -> bool:
    pattern = template_regex(template)
    return all(pattern.fullmatch(line) is not None for line in lines)


def too_generic(template: str) -> bool:
    """A template with no literal word left explains nothing (e.g. ``<*> <*>``)."""
    return not re.search(r"[A-Za-z]{2,}", template.replace(WILDCARD, " "))


@dataclass(frozen=True)
class LLMItem:
    """One template the LLM is asked to refine, with the lines it came from."""

    template_id: str
    template: str
    lines: tuple[str, ...]
    org: str
    service: str


SYSTEM_PROMPT = (
    "You are a log parser. For each item, return one log template that matches every given line: "
    "keep the constant words, replace every variable part (numbers, ids, names, paths, addresses, "
    "durations) with <*>. Answer only JSON: {\"templates\": [{\"id\": <item id>, \"template\": \"...\"}]}."
)


def llm_messages(items: Sequence[LLMItem]) -> list[dict[str, str]]:
    payload = [{"id": i, "current": item.template, "lines": list(item.lines)} for i, item in enumerate(items)]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": json.dumps({"items": payload}, ensure_ascii=False)},
    ]


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)  # the outermost {...}: models wrap JSON in prose or fences


def parse_llm_answer(text: str, count: int) -> list[str | None]:
    """The proposed template per item (None where the answer has none). Raises ValueError on junk."""
    match = _JSON_OBJECT.search(text or "")
    if match is None:
        raise ValueError("answer holds no JSON object")
    data = json.loads(match.group(0))
    entries = data.get("templates") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError("answer has no 'templates' list")
    proposals: list[str | None] = [None] * count
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("template"), str):
            continue
        index = entry.get("id", position)
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if isinstance(index, int) and 0 <= index < count:
            proposals[index] = entry["template"].strip()
    return proposals


def accept_proposal(item: LLMItem, proposal: str | None) -> str | None:
    """The proposal when it is usable: matches all its lines, not trivial, and different."""
    if not proposal or len(proposal) > 4000:
        return None
    proposal = _SPACE.sub(" ", proposal).strip()
    if proposal == item.template or too_generic(proposal):
        return None
    tokens = proposal.split(" ")
    # the engine matches templates token by token, with at most one wildcard inside a token
    if len(tokens) != len(item.template.split()) or any(t.count(WILDCARD) > 1 for t in tokens):
        return None
    return proposal if template_matches(proposal, item.lines) else None


# ------------------------------------------------------------------------ anomalies


@dataclass(frozen=True)
class AnomalyConfig:
    window_s: int = 60
    baseline_windows: int = 10
    min_history: int = 3
    spike_factor: float = 3.0
    spike_min_count: int = 10
    error_rate_delta: float = 0.2
    error_min_count: int = 5
    new_template_min_level: str = "WARN"
    cooldown_s: int = 600
    samples: int = 3


class Assigned(Protocol):
    """What :meth:`AnomalyDetector.observe_batch` reads of a record's template (the engine's ``Match``)."""

    @property
    def template_id(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def is_new(self) -> bool: ...


_TEMPLATE_ID, _IS_NEW = attrgetter("template_id"), attrgetter("is_new")
_ERROR_LEVEL_NAMES = sorted(ERROR_LEVELS)


class _Assigned(NamedTuple):
    template_id: str
    template: str
    is_new: bool


@dataclass
class _Window:
    start: datetime
    total: int = 0
    errors: int = 0
    per_template: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    k8s: K8sRef | K8sView | None = None


@dataclass
class _Stream:
    current: _Window
    history: deque[_Window]
    last_seen: datetime | None = None  # wall time of the latest record


class AnomalyDetector:
    """Rolling per-(org, service) windows in event time.

    When a window closes (a later record arrives, or ``tick`` passes its end) it is judged against the
    mean of the previous ``baseline_windows`` windows: a template whose count is ``spike_factor`` times
    its baseline (and at least ``spike_min_count``) is a frequency spike; an error share that rose by
    ``error_rate_delta`` (with at least ``error_min_count`` errors) is an error-rate jump. New templates
    at or above ``new_template_min_level`` are reported at once. Reports of one kind for one subject are
    held back for ``cooldown_s``; event ids derive from kind, subject and window, so redelivery repeats them.
    """

    def __init__(self, config: AnomalyConfig | None = None, seen_capacity: int = 100_000) -> None:
        self.config = config or AnomalyConfig()
        self._streams: dict[tuple[str, str], _Stream] = {}
        self._last_reported: dict[tuple[str, ...], datetime] = {}
        # event ids of counted records, in two generations of up to seen_capacity each: the last
        # seen_capacity..2x ids are remembered (set lookups; an LRU's linked list cost ~0.3 µs per record)
        self._seen: set[str] = set()
        self._seen_before: set[str] = set()
        self._seen_capacity = seen_capacity
        self._last_window = (_EPOCH, _EPOCH, _EPOCH)  # [low, high) -> window start, of the latest record
        self._last_window_ms = (0, 0, _EPOCH)  # the same in epoch milliseconds, for natively decoded records

    def _window_start(self, ts: datetime) -> datetime:
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        low, high, start = self._last_window
        if low <= ts < high:  # consecutive records mostly share a window: skip the arithmetic
            return start
        seconds = int(ts.timestamp())
        start = datetime.fromtimestamp(seconds - seconds % self.config.window_s, UTC)
        self._last_window = (start, start + timedelta(seconds=self.config.window_s), start)
        return start

    def _record_window_start(self, record: Record) -> datetime:
        """:meth:`_window_start` of the record's event time; a natively decoded record's millisecond ticks
        give the same window without building its datetime (``int(ts.timestamp())`` is ``ms // 1000`` from
        the epoch on)."""
        ms: int = record.ts_ms if type(record) is NativeRecord else -1  # type: ignore[union-attr]
        if ms >= 0:
            low, high, start = self._last_window_ms
            if low <= ms < high:
                return start
            seconds = ms // 1000
            first = seconds - seconds % self.config.window_s
            start = datetime.fromtimestamp(first, UTC)
            self._last_window_ms = (first * 1000, (first + self.config.window_s) * 1000, start)
            return start
        return self._window_start(record.timestamp)

    def observe(
        self, record: Record, template_id: str, template: str, is_new: bool, now: datetime
    ) -> list[LogAnomaly]:
        return self.observe_batch([record], [_Assigned(template_id, template, is_new)], now)

    def observe_batch(self, records: Sequence[Record], matches: Sequence[Assigned], now: datetime) -> list[LogAnomaly]:
        """Count a poll's records in their streams' windows, in order; what closing windows and new templates show.

        One loop for the whole poll (no call per record): this runs for every stored record.
        """
        if len(records) != len(matches):
            raise ValueError(f"{len(records)} records but {len(matches)} matches")
        at_once = self._observe_at_once(records, matches, now)
        if at_once is not None:
            return at_once
        anomalies: list[LogAnomaly] = []
        seen, seen_before, capacity = self._seen, self._seen_before, self._seen_capacity
        streams, samples_kept = self._streams, self.config.samples
        error_levels, native = ERROR_LEVELS, NativeRecord
        for record, match in zip(records, matches, strict=True):
            event_id = record.event_id
            if event_id in seen or event_id in seen_before:  # a redelivered record must not count twice
                continue
            seen.add(event_id)
            if len(seen) >= capacity:
                self._seen_before, self._seen = seen_before, seen = seen, set()
            low, high, start = self._last_window_ms  # consecutive records mostly share a window
            if type(record) is not native or not low <= record.ts_ms < high:  # type: ignore[union-attr]
                start = self._record_window_start(record)
            key = (record.org, record.service)
            stream = streams.get(key)
            if stream is None:
                stream = streams[key] = _Stream(_Window(start), deque(maxlen=self.config.baseline_windows))
            elif start != stream.current.start:
                if start < stream.current.start:  # late: not counted
                    if match.is_new:
                        anomalies += self._new_template(record, match.template_id, match.template, True, now)
                    continue
                anomalies += self._roll(key, stream, start, now)
            stream.last_seen = now
            window = stream.current
            window.total += 1
            template_id = match.template_id
            count = window.per_template.get(template_id)
            if count is None:
                window.per_template[template_id] = 1
                window.templates.setdefault(template_id, match.template)
                window.samples.setdefault(template_id, []).append(record.message[:500])
            else:
                window.per_template[template_id] = count + 1
                samples = window.samples[template_id]
                if len(samples) < samples_kept:
                    samples.append(record.message[:500])
            if record.level in error_levels:
                window.errors += 1
                if len(window.error_samples) < samples_kept:
                    window.error_samples.append(record.message[:500])
            k8s = record.k8s
            if k8s.namespace or k8s.pod or k8s.service:
                window.k8s = k8s
            if match.is_new:
                anomalies += self._new_template(record, template_id, match.template, True, now)
        return anomalies

    def _observe_at_once(
        self, records: Sequence[Record], matches: Sequence[Assigned], now: datetime
    ) -> list[LogAnomaly] | None:
        """:meth:`observe_batch`'s loop for the usual poll, counted per stream and template at once: one native
        pass (``poll_streams``) counts the records of each stream and template and finds the few it samples, so
        Python takes a step per stream, template and new template, not per record. The usual poll: every record
        natively decoded and new (not seen before, none twice, no seen-id generation turning over), all in one
        window that is the current one of each of their streams (or a new stream's first). The same state and
        anomalies as the loop; None for any other poll, which the loop takes."""
        n = len(records)
        if not n or type(records) is not list:
            return None
        seen = self._seen
        ids = [r.event_id for r in records]
        if len(seen) + n >= self._seen_capacity or not seen.isdisjoint(ids) or not self._seen_before.isdisjoint(ids):
            return None
        template_ids = list(map(_TEMPLATE_ID, matches))
        kept = self.config.samples
        counted = poll_streams(records, template_ids, _ERROR_LEVEL_NAMES, kept)
        if counted is None:  # not all natively decoded
            return None
        low, high, per_stream, per_template = counted
        window_ms = self.config.window_s * 1000
        if low < 0 or low // window_ms != high // window_ms:
            return None
        streams = self._streams
        start = self._record_window_start(records[0])
        if any((stream := streams.get((org, service))) is not None and stream.current.start != start
               for org, service, *_ in per_stream):
            return None  # a window closes (or the records are late): the loop judges them in order
        before = len(seen)
        seen.update(ids)
        if len(seen) != before + n:  # an id twice in the poll: the loop counts it once, in order
            seen.difference_update(ids)  # none was in before
            return None
        windows = []
        for org, service, count, errors, error_at, k8s_at in per_stream:
            stream = streams.get((org, service))
            if stream is None:
                stream = streams[(org, service)] = _Stream(_Window(start), deque(maxlen=self.config.baseline_windows))
            stream.last_seen = now
            window = stream.current
            windows.append(window)
            window.total += count
            if errors:
                window.errors += errors
                for at in error_at:
                    if len(window.error_samples) >= kept:
                        break
                    window.error_samples.append(records[at].message[:500])
            if k8s_at >= 0:  # the k8s of the stream's last record that has one
                window.k8s = records[k8s_at].k8s
        for position, template_id, count, sampled in per_template:
            window = windows[position]
            had = window.per_template.get(template_id)
            if had is None:  # the first of the window: always sampled
                window.per_template[template_id] = count
                first, *sampled = sampled
                window.templates.setdefault(template_id, matches[first].template)
                samples = window.samples.setdefault(template_id, [])
                samples.append(records[first].message[:500])
            else:
                window.per_template[template_id] = had + count
                samples = window.samples[template_id]
            for at in sampled:
                if len(samples) >= kept:
                    break
                samples.append(records[at].message[:500])
        anomalies: list[LogAnomaly] = []
        for at in compress(range(n), map(_IS_NEW, matches)):
            anomalies += self._new_template(records[at], template_ids[at], matches[at].template, True, now)
        return anomalies

    def tick(self, now: datetime) -> list[LogAnomaly]:
        """Close the open window of every stream quiet for a whole window of wall time.

        Windows are in event time, so a stream that stops sending would never close its last window;
        this judges it. Streams still receiving records (a live one, or a replay of old logs) are
        left to close their windows themselves.
        """
        anomalies: list[LogAnomaly] = []
        quiet = timedelta(seconds=self.config.window_s)
        for key, stream in list(self._streams.items()):
            if stream.current.total and stream.last_seen is not None and now - stream.last_seen >= quiet:
                anomalies += self._roll(key, stream, stream.current.start + quiet, now)
        return anomalies

    # internals --------------------------------------------------------------------------
    def _roll(self, key: tuple[str, str], stream: _Stream, new_start: datetime, now: datetime) -> list[LogAnomaly]:
        closed = stream.current
        anomalies = self._judge(key, closed, list(stream.history), now)
        stream.history.append(closed)
        step = timedelta(seconds=self.config.window_s)
        gap = max(closed.start + step, new_start - step * self.config.baseline_windows)
        while gap < new_start:
            stream.history.append(_Window(gap))  # quiet windows count as zeros in the baseline
            gap += step
        stream.current = _Window(new_start)
        return anomalies

    def _judge(self, key: tuple[str, str], window: _Window, history: list[_Window], now: datetime) -> list[LogAnomaly]:
        cfg = self.config
        if len(history) < cfg.min_history:
            return []
        org, service = key
        end = window.start + timedelta(seconds=cfg.window_s)
        found: list[LogAnomaly] = []
        for template_id, count in window.per_template.items():
            baseline = sum(w.per_template.get(template_id, 0) for w in history) / len(history)
            # a template without history is a new template (reported as such), not a spike
            if baseline > 0 and count >= cfg.spike_min_count and count >= cfg.spike_factor * max(baseline, 1.0):
                anomaly = self._anomaly(
                    "frequency-spike", org, service, window, end, now, template_id=template_id,
                    template=window.templates.get(template_id), observed=float(count), baseline=round(baseline, 3),
                    score=round(count / max(baseline, 1.0), 3), samples=window.samples.get(template_id, []),
                    severity="warning",
                    summary=f"template seen {count} times in {cfg.window_s}s, baseline {baseline:.1f}",
                )
                if anomaly:
                    found.append(anomaly)
        if window.total:
            rate = window.errors / window.total
            totals = sum(w.total for w in history)
            base_rate = sum(w.errors for w in history) / totals if totals else 0.0
            if window.errors >= cfg.error_min_count and rate - base_rate >= cfg.error_rate_delta:
                anomaly = self._anomaly(
                    "error-rate-jump", org, service, window, end, now, template_id=None, template=None,
                    observed=round(rate, 4), baseline=round(base_rate, 4),
                    score=round(rate / base_rate, 3) if base_rate else round(rate * 100, 3),
                    samples=window.error_samples, severity="critical" if rate >= 0.5 else "warning",
                    summary=f"error share {rate:.0%} ({window.errors}/{window.total}) vs baseline {base_rate:.0%}",
                )
                if anomaly:
                    found.append(anomaly)
        return found

    def _new_template(
        self, record: Record, template_id: str, template: str, is_new: bool, now: datetime
    ) -> list[LogAnomaly]:
        if not is_new or not level_at_least(record.level, self.config.new_template_min_level):
            return []
        window = _Window(self._record_window_start(record), k8s=record.k8s)
        end = window.start + timedelta(seconds=self.config.window_s)
        severity = "critical" if record.level == "FATAL" else "warning" if record.level == "ERROR" else "info"
        anomaly = self._anomaly(
            "new-template", record.org, record.service, window, end, now, template_id=template_id, template=template,
            observed=1.0, baseline=0.0, score=1.0, samples=[record.message[:500]], severity=severity,
            summary=f"new {record.level} template: {template[:200]}", window_keyed=False,
        )
        return [anomaly] if anomaly else []

    def _anomaly(
        self, kind: str, org: str, service: str, window: _Window, end: datetime, now: datetime, *,
        template_id: str | None, template: str | None, observed: float, baseline: float, score: float,
        samples: list[str], severity: str, summary: str, window_keyed: bool = True,
    ) -> LogAnomaly | None:
        subject = (kind, org, service, template_id or "")
        last = self._last_reported.get(subject)
        if last is not None and window.start - last < timedelta(seconds=self.config.cooldown_s):
            return None
        self._last_reported[subject] = window.start
        return LogAnomaly(
            event_id=stable_id(*subject, window.start.isoformat() if window_keyed else ""),
            kind=kind,  # type: ignore[arg-type]
            org=org,
            service=service,
            severity=severity,  # type: ignore[arg-type]
            detected_at=now,
            window_start=window.start,
            window_end=end,
            k8s=_contract_k8s(window.k8s) if window.k8s else K8sRef(service=service),
            template_id=template_id,
            template=template,
            observed=observed,
            baseline=baseline,
            score=score,
            sample_lines=list(samples)[: self.config.samples],
            summary=summary,
        )


# -------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class TemplateSummary:
    """A row of the evidence query: one template's activity in the incident's window."""

    template_id: str
    template: str
    count: int
    errors: int
    levels: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    samples: tuple[str, ...]
    seen_before: int | None = None  # occurrences in the day before the window; 0 = new in this window


_LEVEL_RANK = {"TRACE": 0, "DEBUG": 0, "INFO": 1, "NOTICE": 1, "WARN": 2, "ERROR": 3, "FATAL": 4}


def _severity(summary: TemplateSummary) -> int:
    """From the records' level field, never from words in the message."""
    return max((_LEVEL_RANK.get(level, 1) for level in summary.levels), default=1)


def select_templates(candidates: Sequence[TemplateSummary], limit: int) -> list[TemplateSummary]:
    """Diversity by template: half the slots go to new or rare WARN+ templates, the rest to the busiest.

    A flood (one template or many) fills at most the busy half, so a causal line that occurred
    once, before the flood, still reaches the analysis. Rare picks come first, by severity.
    """
    unique = list({s.template_id: s for s in reversed(candidates)}.values())[::-1]
    rare = sorted((s for s in unique if _severity(s) >= _LEVEL_RANK["WARN"]),
                  key=lambda s: (-_severity(s), s.seen_before != 0, s.count, s.first_seen, s.template_id))
    busy = sorted(unique, key=lambda s: (-s.errors, -_severity(s), -s.count, s.template_id))
    chosen = rare[: limit // 2]
    taken = {s.template_id for s in chosen}
    for summary in busy:
        if len(chosen) >= limit:
            break
        if summary.template_id not in taken:
            chosen.append(summary)
            taken.add(summary.template_id)
    return chosen


def evidence_scope(incident: Incident, pad_s: int) -> dict[str, Any]:
    """The filters the evidence query runs with, from the incident's target and window."""
    target = incident.target
    return {
        "org": incident.org,
        "start": _utc(incident.window_start) - timedelta(seconds=pad_s),
        "end": _utc(incident.window_end) + timedelta(seconds=pad_s),
        "namespace": target.namespace,
        "pod": target.pod,
        "service": target.service,
    }


def evidence_part(
    incident: Incident,
    summaries: Sequence[TemplateSummary],
    now: datetime,
    *,
    max_bytes: int,
    error: str | None = None,
) -> EvidencePart:
    """Top templates (errors first) with counts and samples, bounded to ``max_bytes`` of text."""
    items: list[EvidenceItem] = []
    used = 0
    truncated = False
    for summary in summaries:
        body = "\n".join(summary.samples)
        title = f"{summary.count}x [{'/'.join(summary.levels)}] {summary.template}"[:500]
        size = len(title) + len(body)
        if used + size > max_bytes:
            room = max_bytes - used - len(title)
            if room < 200:
                truncated = True
                break
            body = body[:room]
            truncated = True
        items.append(
            EvidenceItem(
                ref=f"logtemplate:{summary.template_id}",
                title=title,
                body=body,
                attributes={
                    "template_id": summary.template_id,
                    "count": str(summary.count),
                    "errors": str(summary.errors),
                    "first_seen": summary.first_seen.isoformat(),
                    "last_seen": summary.last_seen.isoformat(),
                    **({"seen_before": str(summary.seen_before)} if summary.seen_before is not None else {}),
                },
            )
        )
        used += len(title) + len(body)
        if truncated:
            break
    return EvidencePart(
        event_id=stable_id("evidence", incident.incident_id, "logs", "template-matching"),
        incident_id=incident.incident_id,
        kind="logs",
        provider="template-matching",
        collected_at=now,
        items=items,
        truncated=truncated,
        error=error,
    )
