"""Pure ingestion logic: body parsing, validation, normalisation, record ids. No I/O, no asyncio.

Everything a producer can get wrong raises ``Rejected`` (a ``ValueError``) with a reason a
person can act on; the HTTP path turns it into a per-record error, the Kafka path into a
dead letter (the runtime dead-letters whatever a decoder raises).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec
import orjson
from ingestion_native import PlainPath

from ingestion.redaction import Redactor
from logmesh_contracts import K8sRef, LogRecord, stable_id
from logmesh_contracts.models import Level

RejectKind = Literal["invalid", "oversized"]


class Rejected(ValueError):
    """A record (or a whole body) that cannot be accepted, and why."""

    def __init__(self, reason: str, kind: RejectKind = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 65_536
    oversize_policy: Literal["reject", "truncate"] = "reject"
    max_batch_records: int = 10_000
    max_body_bytes: int = 16 * 1024 * 1024
    max_metadata_entries: int = 64
    max_field_chars: int = 1024
    max_record_bytes: int = 1_048_576
    # the time window a record may carry: older than the store's retention (template-matching's
    # log_ttl_days) it would be dropped at insert, far in the future it would never be searched
    max_age_s: float = 30 * 86_400
    max_future_s: float = 86_400


# ------------------------------------------------------------------ levels

_LEVELS: dict[str, Level] = {}
for _level, _names in {
    "TRACE": ("trace", "trc", "finest", "finer", "verbose", "vrb"),
    "DEBUG": ("debug", "dbg", "fine", "config", "d"),
    "INFO": ("info", "inf", "information", "informational", "i", "log", "default"),
    "NOTICE": ("notice", "note", "ntc"),
    "WARN": ("warn", "warning", "wrn", "w"),
    "ERROR": ("error", "err", "e", "severe", "failure", "fail"),
    "FATAL": ("fatal", "ftl", "critical", "crit", "panic", "emerg", "emergency", "alert", "dpanic", "f", "c"),
}.items():
    for _name in _names:
        for _spelling in (_name, _name.upper(), _name.capitalize()):  # the common spellings skip normalising
            _LEVELS[_spelling] = _level

# syslog severities 0-7 (RFC 5424)
_SYSLOG: tuple[Level, ...] = ("FATAL", "FATAL", "FATAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG")


def map_level(value: object) -> tuple[Level, str | None]:
    """The contract level for a producer's level, and the original when it was not recognised.

    Unknown names map to INFO (and the original travels in metadata) rather than rejecting the line:
    a log shipper's exotic level is no reason to lose the log.
    """
    if value is None or value == "":
        return "INFO", None
    found = _LEVELS.get(value) if type(value) is str else None
    if found is not None:
        return found, None
    if isinstance(value, bool):
        raise Rejected("level: expected a string or a syslog number, got a boolean")
    if isinstance(value, int):
        if 0 <= value <= 7:
            return _SYSLOG[value], None
        return "INFO", str(value)
    if not isinstance(value, str):
        raise Rejected(f"level: expected a string, got {_type_name(value)}")
    name = value.strip().lower()
    found = _LEVELS.get(name)
    if found is not None:
        return found, None
    if name.isdigit() and len(name) == 1 and int(name) <= 7:
        return _SYSLOG[int(name)], None
    return "INFO", value[:64]


# -------------------------------------------------------------- timestamps

# a plain decimal number (epoch seconds, ms, us or ns), optionally with a fraction
_NUMERIC = re.compile(r"-?\d+(?:\.\d+)?")


def _from_epoch(number: float, original: object) -> datetime:
    if number != number or number < 0:  # NaN or before 1970
        raise Rejected(f"timestamp: {original!r} is not a valid epoch time (must be >= 0)")
    magnitude = abs(number)
    # Unit by magnitude: 1e11 s is the year 5138, so anything larger is ms, then us, then ns.
    if magnitude < 1e11:
        seconds = number
    elif magnitude < 1e14:
        seconds = number / 1e3
    elif magnitude < 1e17:
        seconds = number / 1e6
    else:
        seconds = number / 1e9
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Rejected(f"timestamp: {original!r} is out of range") from exc


def parse_timestamp(value: object, now: datetime) -> datetime:
    """ISO 8601 (any offset; naive means UTC) or epoch seconds/ms/us/ns, as an aware UTC datetime."""
    if value is None or value == "":
        return now
    if isinstance(value, bool):
        raise Rejected("timestamp: expected ISO 8601 or epoch seconds/milliseconds, got a boolean")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float (OTLP's int64 nanoseconds arrive as Python ints)
            raise Rejected(f"timestamp: {str(value)[:32]}... is out of range") from None
        return _from_epoch(number, value)
    if not isinstance(value, str):
        raise Rejected(f"timestamp: expected ISO 8601 or epoch seconds/milliseconds, got {_type_name(value)}")
    if value[4:5] == "-":  # the common case, an ISO date as producers write it: no stripping, no number test
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass  # lower-case "t"/"z", surrounding spaces, or invalid: the full path below decides
        else:
            return parsed if parsed.tzinfo is UTC else _as_utc(parsed, value)
    text = value.strip()
    if _NUMERIC.fullmatch(text):
        return _from_epoch(float(text), value)
    try:
        parsed = datetime.fromisoformat(text.upper())  # RFC 3339 allows a lower-case "t" and "z"
    except ValueError:
        raise Rejected(f"timestamp: {value[:64]!r} is neither ISO 8601 nor epoch seconds/milliseconds") from None
    return _as_utc(parsed, value)


def _as_utc(parsed: datetime, value: str) -> datetime:
    """A parsed ISO time in UTC (naive means UTC already)."""
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise Rejected(f"timestamp: {value[:64]!r} is out of range") from exc


# ---------------------------------------------------------------- text

# ANSI escape sequences (colours, cursor moves): ESC [ params intermediates final-byte
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# C0 controls and DEL, except tab and newline which multi-line messages (stack traces) need
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# any C0 control or DEL, for single-line fields
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f]")


def clean_message(text: str) -> str:
    """Drop ANSI colour codes and control characters; keep tabs and newlines; CRLF becomes LF."""
    if text.isprintable():
        return text
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return _CONTROL.sub("", text)


def clean_field(text: str) -> str:
    if not text.isprintable():
        text = _CONTROL_ANY.sub("", text)
    return text.strip()


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# ------------------------------------------------------------- records

KNOWN_FIELDS = frozenset(
    {"org", "message", "timestamp", "service", "host", "level", "dashboard", "metadata",
     "namespace", "pod", "container", "node", "cluster", "k8s"}
)
_K8S_FIELDS = ("namespace", "pod", "container", "node", "cluster")
_OPTIONAL_FIELDS = ("service", "host", "dashboard", *_K8S_FIELDS)  # the order ``encode`` unpacks


_EMPTY_K8S: dict[str, str | None] = dict.fromkeys(K8sRef.model_fields)  # the contract's K8sRef with nothing known
_ORG_LIMIT: int = next(  # the contract's own bound
    rule.max_length for rule in LogRecord.model_fields["org"].metadata if hasattr(rule, "max_length")
)
_SERVICE_LIMIT = 256
# msgspec writes the same bytes as orjson.dumps(option=OPT_UTC_Z) for these documents (tests hold the
# two equal) at a fifth of the CPU: orjson 3.13's dumps has a fixed cost of ~2.7 µs per call here
_ENCODE = msgspec.json.Encoder().encode


class _PlainRecord(msgspec.Struct, forbid_unknown_fields=True):
    """A ``logs.raw`` JSON object holding only ``LogRecord``'s flat fields, each of the JSON type the common
    case sends: what ``Normaliser.plain_document`` takes. Missing and null both read as None."""

    org: str | None = None
    message: str | None = None
    timestamp: str | int | float | None = None
    level: str | int | None = None
    service: str | None = None
    host: str | None = None
    dashboard: str | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    node: str | None = None
    cluster: str | None = None


_read_plain = msgspec.json.Decoder(_PlainRecord).decode


# the redaction rules with shapes that ``PlainPath`` emulates itself (kind, pattern, check, shape): the bare AWS
# secret key and card numbers; a change to either must be taught to the native code first
_NATIVE_SHAPE_RULES = frozenset({
    ("aws-secret-key", r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
     r"(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", "random", r"[A-Za-z0-9/+]{40}"),
    ("card", r"(?<![\w.:/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w.:])", "card", r"\d{4}[ -]?\d{4}[ -]?\d{4}"),
})


# what follows a ``needs`` pattern's secret word (on lower-cased printable ASCII, ``\s`` is the space)
_NEEDS_SUFFIX = r"[\"']?\s*[:=]"


def finite_words(pattern: str) -> set[str]:
    """Every string a regex of literals, character sets of literals, groups, alternations and bounded repeats
    matches: its finite language, read from Python's own parse of it. ValueError for anything else."""
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    def sequence(items: Any) -> set[str]:
        words = {""}
        for op, arg in items:
            words = {head + tail for head in words for tail in node(op, arg)}
        return words

    def node(op: Any, arg: Any) -> set[str]:
        if op is sre.LITERAL:
            return {chr(arg)}
        if op is sre.IN and all(kind is sre.LITERAL for kind, _ in arg):
            return {chr(code) for _, code in arg}
        if op is sre.SUBPATTERN and not arg[1] and not arg[2]:
            return sequence(arg[3])
        if op is sre.BRANCH:
            return set().union(*(sequence(alternative) for alternative in arg[1]))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[1] <= 4:
            once = sequence(arg[2])
            words, found = {""}, set()
            for count in range(arg[1] + 1):
                if count >= arg[0]:
                    found |= words
                words = {head + tail for head in words for tail in once}
            return found
        raise ValueError(f"{pattern!r}: {op} is not a finite set of words")

    return sequence(_parser.parse(pattern))


def _clean_short(value: object, limit: int) -> bool:
    """The common case that needs no further checks: a printable, trimmed string within the limit."""
    return type(value) is str and len(value) <= limit and value.isprintable() and value.strip() == value


class Normaliser:
    """Validates a producer's record and encodes it as the contract's ``LogRecord`` JSON.

    The hot path builds the JSON document directly (building the pydantic model costs more
    than everything else here together); ``normalise`` reads that JSON back through the
    contract model, which is how the tests hold ``encode`` to the contract.
    """

    def __init__(self, limits: Limits | None = None, redactor: Redactor | None = None) -> None:
        self.limits = limits or Limits()
        self.redactor = redactor
        self._max_age = timedelta(seconds=self.limits.max_age_s) if self.limits.max_age_s > 0 else None
        self._max_future = timedelta(seconds=self.limits.max_future_s) if self.limits.max_future_s > 0 else None

    def _check_window(self, timestamp: datetime, received_at: datetime) -> None:
        if self._max_age is not None and received_at - timestamp > self._max_age:
            raise Rejected(
                f"timestamp: {timestamp.isoformat()} is older than the {self.limits.max_age_s / 86_400:g}-day "
                "retention; it would be deleted on arrival (send recent records, or raise the retention)"
            )
        if self._max_future is not None and timestamp - received_at > self._max_future:
            raise Rejected(
                f"timestamp: {timestamp.isoformat()} is more than {self.limits.max_future_s:g} s ahead of the "
                "receive time; fix the producer's clock or time zone"
            )

    def _string(self, raw: Mapping[str, Any], name: str, required: bool = False, limit: int | None = None) -> str | None:
        value = raw.get(name)
        if value is None:
            if required:
                raise Rejected(f"{name}: required field missing")
            return None
        if not isinstance(value, str):
            raise Rejected(f"{name}: expected a string, got {_type_name(value)}")
        value = clean_field(value)
        limit = limit or self.limits.max_field_chars
        if len(value) > limit:
            raise Rejected(f"{name}: {len(value)} characters; the limit is {limit}", "oversized")
        if not value:
            if required:
                raise Rejected(f"{name}: must not be empty")
            return None
        return value

    def _metadata(self, raw: Mapping[str, Any]) -> dict[str, str]:
        given = raw.get("metadata")
        if given is not None and not isinstance(given, dict):
            raise Rejected(f"metadata: expected an object, got {_type_name(given)}")
        if not given and raw.keys() <= KNOWN_FIELDS:
            return {}
        extra_keys = raw.keys() - KNOWN_FIELDS
        merged = {**{k: raw[k] for k in raw if k in extra_keys}, **(given or {})}  # explicit metadata wins
        if len(merged) > self.limits.max_metadata_entries:
            raise Rejected(
                f"metadata: {len(merged)} entries (unknown top-level fields count too); "
                f"the limit is {self.limits.max_metadata_entries}",
                "oversized",
            )
        out: dict[str, str] = {}
        for key, value in merged.items():
            if value is None:
                continue
            try:
                text = value if isinstance(value, str) else orjson.dumps(value).decode()
            except TypeError as exc:  # orjson's nesting limit (254 levels) or a value JSON cannot hold
                raise Rejected(f"metadata.{str(key)[:64]}: cannot be stored ({exc})") from None
            text = clean_field(text)
            if len(text) > self.limits.max_field_chars:
                raise Rejected(
                    f"metadata.{key[:64]}: {len(text)} characters; the limit is {self.limits.max_field_chars}",
                    "oversized",
                )
            out[clean_field(str(key))[:256]] = text
        return out

    def _message(self, raw: Mapping[str, Any]) -> tuple[str, bool]:
        value = raw.get("message")
        if value is None:
            raise Rejected("message: required field missing")
        if not isinstance(value, str):
            raise Rejected(f"message: expected a string, got {_type_name(value)}")
        limit = self.limits.max_message_bytes
        if len(value) * 4 > limit:  # only measure bytes when the characters could exceed the limit
            size = len(value.encode("utf-8", "surrogatepass"))
            if size > limit:
                if self.limits.oversize_policy == "reject":
                    raise Rejected(f"message: {size} bytes; the limit is {limit}", "oversized")
                value = value.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")
                return clean_message(value), True
        value = clean_message(value)
        if not value.strip():
            raise Rejected("message: must not be empty")
        return value, False

    def encode(self, raw: Mapping[str, Any], *, event_id: str, received_at: datetime) -> tuple[str, bytes]:
        """The ``logs.records`` key and value for one producer record, or ``Rejected`` with the reason."""
        return self.finish(self.document(raw, event_id=event_id, received_at=received_at))

    def finish(self, document: dict[str, Any]) -> tuple[str, bytes]:
        """A document from ``document`` redacted and encoded: its ``logs.records`` key and value."""
        if self.redactor is not None:
            message, redacted = self.redactor.text(document["message"])
            document["message"] = message
            self._redact_metadata(document, redacted)
        return self.dump(document)

    def encode_many(self, documents: list[dict[str, Any]]) -> list[tuple[str, bytes] | Rejected]:
        """``encode`` for documents from ``document``, the redaction of their messages done as one batch
        (``Redactor.texts``, identical results): a record that cannot be encoded is ``Rejected`` in its place."""
        if self.redactor is not None:
            masked = self.redactor.texts([document["message"] for document in documents])
            for document, (message, redacted) in zip(documents, masked, strict=True):
                document["message"] = message
                if redacted or document["metadata"]:
                    self._redact_metadata(document, redacted)
        out: list[tuple[str, bytes] | Rejected] = []
        for document in documents:
            try:
                out.append(self.dump(document))
            except Rejected as exc:
                out.append(exc)
        return out

    def _redact_metadata(self, document: dict[str, Any], redacted: bool) -> None:
        assert self.redactor is not None
        if document["metadata"]:
            document["metadata"], meta_hit = self.redactor.metadata(document["metadata"])
            redacted = redacted or meta_hit
        document["redacted"] = redacted

    @staticmethod
    def dump(document: dict[str, Any]) -> tuple[str, bytes]:
        """A document from ``document`` (redacted) as its ``logs.records`` key and value."""
        try:
            return f"{document['org']}/{document['service']}", _ENCODE(document)
        except (msgspec.EncodeError, TypeError, ValueError, OverflowError) as exc:  # a lone surrogate, say
            raise Rejected(f"record: cannot be encoded as JSON ({exc})") from None

    def document(self, raw: Mapping[str, Any], *, event_id: str, received_at: datetime) -> dict[str, Any]:
        """A producer record checked and normalised as ``LogRecord``'s fields, in its order, not yet redacted
        (``redacted`` is False): ``Rejected`` with the reason if it cannot be accepted."""
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise Rejected(f"record: expected an object, got {_type_name(raw)}")
        get = raw.get
        org = get("org")
        if not org or not _clean_short(org, _ORG_LIMIT):
            if org is None:
                raise Rejected(
                    "org: required field missing; send an API key of the org, the X-Scope-OrgID header, "
                    "or set LOGMESH_DEFAULT_ORG on ingestion"
                )
            org = self._string(raw, "org", required=True, limit=_ORG_LIMIT)
        message = get("message")
        if type(message) is str and len(message) * 4 <= self.limits.max_message_bytes and message.isprintable():
            truncated = False  # the common case: within the limit whatever its encoding, nothing to clean
            if not message.strip():
                raise Rejected("message: must not be empty")
        else:
            message, truncated = self._message(raw)
        timestamp = parse_timestamp(get("timestamp"), received_at)
        self._check_window(timestamp, received_at)
        given_level = get("level")
        level = _LEVELS.get(given_level) if type(given_level) is str else None  # the common spellings
        original_level = None
        if level is None:
            level, original_level = map_level(given_level)
        max_chars = self.limits.max_field_chars
        optional: list[str | None] = []
        for name in _OPTIONAL_FIELDS:
            value = get(name)
            # inline fast path: a clean, short string needs no further checks
            if value is not None and not (
                type(value) is str and len(value) <= max_chars and value.isprintable() and value.strip() == value
            ):
                value = self._string(raw, name)
            optional.append(value or None)
        nested = get("k8s")
        if nested is not None:
            if not isinstance(nested, dict):
                raise Rejected(f"k8s: expected an object, got {_type_name(nested)}")
            fields = dict(zip(_OPTIONAL_FIELDS, optional, strict=True))
            for name in (*_K8S_FIELDS, "service"):
                if fields[name] is None and name in nested:
                    fields[name] = self._string(nested, name)
            optional = [fields[name] for name in _OPTIONAL_FIELDS]
        service, host, dashboard, namespace, pod, container, node, cluster = optional
        service = (service or container or "unknown")[:_SERVICE_LIMIT]
        metadata = self._metadata(raw) if "metadata" in raw or not raw.keys() <= KNOWN_FIELDS else {}
        if original_level is not None:
            metadata["level_original"] = clean_field(original_level)
        if namespace or pod or container or node or cluster:
            k8s: dict[str, str | None] = {  # K8sRef's fields, in its order
                "cluster": cluster, "namespace": namespace, "pod": pod, "container": container, "node": node,
                "service": service, "kind": None, "name": None,
            }
        else:
            k8s = _EMPTY_K8S
        return {  # LogRecord's fields, in its order
            "schema_version": 1,
            "event_id": event_id,
            "org": org,
            "timestamp": timestamp,
            "received_at": received_at,
            "service": service,
            "host": host,
            "level": level,
            "message": message,
            "dashboard": dashboard,
            "k8s": k8s,
            "metadata": metadata,
            "redacted": False,
            "truncated": truncated,
        }

    def plain_document(self, value: bytes, *, event_id: str, received_at: datetime) -> dict[str, Any] | None:
        """``document(decode_raw(value, {}, ...))`` for the common ``logs.raw`` value, decoded by msgspec into
        typed fields instead of a dict: a JSON object of ``LogRecord``'s flat fields only, with an org, each
        string printable, trimmed and within its limit, a known level spelling. None whenever anything is
        otherwise (other fields, other types, text to clean, a timestamp to reject, invalid JSON): the
        general path then decides, with its own result or reason. Tests hold the two equal."""
        try:
            plain = _read_plain(value)
        except Exception:  # msgspec's errors, invalid UTF-8, anything: the general path decides and explains
            return None
        org = plain.org
        if org is None or not org or not _clean_short(org, _ORG_LIMIT):
            return None
        message = plain.message
        if message is None or len(message) * 4 > self.limits.max_message_bytes or not message.isprintable() \
                or not message.strip():
            return None
        given_level = plain.level
        level = _LEVELS.get(given_level) if type(given_level) is str else "INFO" if given_level is None else None
        if level is None:  # a level to map, or one to keep in metadata
            return None
        given_timestamp = plain.timestamp
        try:
            if type(given_timestamp) is str and given_timestamp[4:5] == "-":  # ISO as producers write it
                timestamp = datetime.fromisoformat(given_timestamp)
                if timestamp.tzinfo is not UTC:
                    timestamp = _as_utc(timestamp, given_timestamp)
            else:
                timestamp = parse_timestamp(given_timestamp, received_at)
            self._check_window(timestamp, received_at)
        except ValueError:  # Rejected, or an ISO spelling only the general path's parse takes
            return None
        max_chars = self.limits.max_field_chars
        service, host, dashboard, namespace, pod, container, node, cluster = optional = (
            plain.service, plain.host, plain.dashboard, plain.namespace, plain.pod, plain.container, plain.node,
            plain.cluster)
        for field_value in optional:
            if field_value is not None and not (
                len(field_value) <= max_chars and field_value.isprintable() and field_value.strip() == field_value
            ):
                return None
        service = (service or container or "unknown")[:_SERVICE_LIMIT]
        if namespace or pod or container or node or cluster:
            k8s: dict[str, str | None] = {  # K8sRef's fields, in its order
                "cluster": cluster or None, "namespace": namespace or None, "pod": pod or None,
                "container": container or None, "node": node or None, "service": service, "kind": None,
                "name": None,
            }
        else:
            k8s = _EMPTY_K8S
        return {  # LogRecord's fields, in its order (as ``document``)
            "schema_version": 1,
            "event_id": event_id,
            "org": org,
            "timestamp": timestamp,
            "received_at": received_at,
            "service": service,
            "host": host or None,
            "level": level,
            "message": message,
            "dashboard": dashboard or None,
            "k8s": k8s,
            "metadata": {},
            "redacted": False,
            "truncated": False,
        }

    def plain_path(self, *, max_record_bytes: int, delivery_fields: tuple[int, ...]) -> PlainPath:
        """The native (Rust) ``plain_document`` + ``dump`` for a whole poll of ``logs.raw`` deliveries, with this
        normaliser's limits, levels and its redactor's trigger words and shapes: for each delivery the
        ``logs.records`` key and value, or None where the Python path must decide; the messages to redact are
        reported (``ingestion_native`` says what it answers for)."""
        needles: dict[str, bool] = {}  # trigger word -> whether every rule it triggers has a ``needs`` condition
        shapes: set[tuple[str, str, str | None, str]] = set()
        needs: set[str] = set()
        if self.redactor is not None:
            for rule, _ in self.redactor.rules:
                for needle in rule.triggers:
                    needles[needle] = needles.get(needle, True) and rule.needs is not None
                if rule.shape:
                    if rule.triggers:
                        raise ValueError(f"redaction rule {rule.kind}: ingestion_native knows shape rules without "
                                         "trigger words only: teach it the new one")
                    shapes.add((rule.kind, rule.pattern, rule.check, rule.shape))
                if rule.needs:
                    needs.add(rule.needs)
            if shapes and shapes != _NATIVE_SHAPE_RULES:
                raise ValueError(f"ingestion_native knows the shape rules {sorted(_NATIVE_SHAPE_RULES)} only; "
                                 f"the redactor has {sorted(shapes, key=str)}: teach it the new one")
        if len(needs) > 1 or any(not pattern.endswith(_NEEDS_SUFFIX) for pattern in needs):
            raise ValueError(f"ingestion_native knows one redaction ``needs`` pattern of the form (words){_NEEDS_SUFFIX}; "
                             f"the redactor has {sorted(needs)}: teach it the new one")
        needs_words = sorted(finite_words(needs.pop()[:-len(_NEEDS_SUFFIX)])) if needs else []
        micro = timedelta(microseconds=1)
        return PlainPath(
            levels=dict(_LEVELS), needles=sorted(needles.items()), needs_words=needs_words, shapes=bool(shapes),
            org_limit=_ORG_LIMIT,
            field_limit=self.limits.max_field_chars, message_limit=self.limits.max_message_bytes,
            service_limit=_SERVICE_LIMIT, max_age_us=self._max_age // micro if self._max_age is not None else None,
            max_future_us=self._max_future // micro if self._max_future is not None else None,
            max_record_bytes=max_record_bytes, delivery_fields=delivery_fields,
        )

    def normalise(self, raw: Mapping[str, Any], *, event_id: str, received_at: datetime) -> LogRecord:
        """``encode``, read back through the contract model."""
        return LogRecord.model_validate_json(self.encode(raw, event_id=event_id, received_at=received_at)[1])


def record_key(record: LogRecord) -> str:
    """Kafka key of ``logs.records``: one partition (and so one order) per org/service."""
    return f"{record.org}/{record.service}"


# ------------------------------------------------------------- record ids


@functools.lru_cache(maxsize=4096)
def kafka_id_prefix(topic: str, partition: int) -> str:
    """What ``kafka_event_id`` puts before ``-<offset>``."""
    return stable_id("logs.raw", topic, partition, length=20)


def kafka_event_id(topic: str, partition: int, offset: int) -> str:
    """A logs.raw message's position is its identity: redelivery yields the same id."""
    return f"{kafka_id_prefix(topic, partition)}-{offset}"


def http_id_prefix(client_request_id: str, body: bytes) -> str:
    """Ids of a keyed request's records are ``<prefix>-<index>``: the client's request id
    (``Idempotency-Key``) and the body's digest, so a retried request reproduces its ids and a
    reused key with another body does not."""
    return stable_id("http", client_request_id, hashlib.blake2b(body, digest_size=16).hexdigest())


# ---------------------------------------------------------------- bodies

NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
     "application/jsonlines"}
)


@dataclass
class ParsedBody:
    """The records of one request, each a mapping to normalise or the reason it was rejected."""

    shape: Literal["single", "batch", "ndjson"]
    items: list[Any] = field(default_factory=list)


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress gzip (several members allowed) without ever holding more than ``limit`` bytes."""
    out = bytearray()
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise Rejected(f"body: not valid gzip ({exc})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise Rejected(f"body: more than {limit} bytes after gunzip", "oversized")
        if not inflater.eof:
            raise Rejected("body: gzip stream is truncated")
        data = inflater.unused_data.lstrip(b"\x00")
    return bytes(out)


def _invalid_utf8_path(value: object, path: str = "") -> str | None:
    """Where a string decoded with surrogateescape still carries undecodable bytes, if anywhere."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "<value>"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _invalid_utf8_path(key, path) or _invalid_utf8_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _invalid_utf8_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _json_error(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:200]


def _split_batch(document: object, max_records: int) -> ParsedBody:
    if isinstance(document, dict):
        if "logs" in document:
            logs = document["logs"]
            if not isinstance(logs, list):
                raise Rejected(f"logs: expected an array of records, got {_type_name(logs)}")
            parsed = ParsedBody("batch", logs)
        else:
            parsed = ParsedBody("single", [document])
    elif isinstance(document, list):
        parsed = ParsedBody("batch", document)
    else:
        raise Rejected(f"body: expected a record, an array or {{\"logs\": [...]}}, got {_type_name(document)}")
    if len(parsed.items) > max_records:
        raise Rejected(f"batch: {len(parsed.items)} records; the limit is {max_records}", "oversized")
    if not parsed.items:
        raise Rejected("batch: no records")
    return parsed


def _parse_ndjson(body: bytes, max_records: int) -> ParsedBody:
    items: list[Any] = []
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        if len(items) >= max_records:
            raise Rejected(f"batch: more than {max_records} records; the limit is {max_records}", "oversized")
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                items.append(Rejected("invalid UTF-8 in this line"))
            else:
                items.append(Rejected(f"invalid JSON: {_json_error(exc)}"))
            continue
        items.append(document)
    if not items:
        raise Rejected("body: no records")
    return ParsedBody("ndjson", items)


def parse_body(body: bytes, content_type: str | None, max_records: int) -> ParsedBody:
    """One endpoint, every shape: a record, ``{"logs": [...]}``, a JSON array, or NDJSON."""
    if not body.strip():
        raise Rejected("body: empty")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in NDJSON_TYPES:
        return _parse_ndjson(body, max_records)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        stripped = body.strip()
        if b"\n" in stripped and stripped[:1] == b"{":
            return _parse_ndjson(body, max_records)  # NDJSON sent as application/json
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return _parse_with_invalid_utf8(body, max_records)
        raise Rejected(f"body: invalid JSON: {_json_error(exc)}") from None
    return _split_batch(document, max_records)


def _parse_with_invalid_utf8(body: bytes, max_records: int) -> ParsedBody:
    """Slow path: parse around undecodable bytes so only the records holding them are rejected."""
    try:
        document = json.loads(body.decode("utf-8", "surrogateescape"))
    except ValueError:
        raise Rejected("body: invalid UTF-8 (and not parseable JSON)") from None
    parsed = _split_batch(document, max_records)
    for index, item in enumerate(parsed.items):
        where = _invalid_utf8_path(item)
        if where is not None:
            parsed.items[index] = Rejected(f"{where}: invalid UTF-8")
    return parsed


# ----------------------------------------------------------- logs.raw values

_HEADER_PREFIX = "x-logmesh-"
HEADER_FIELDS = frozenset(
    {"org", "service", "host", "level", "timestamp", "dashboard", "namespace", "pod", "container", "node", "cluster"}
)


def raw_fields_from_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Record fields carried in Kafka headers: ``org`` or ``x-logmesh-org``, case-insensitive."""
    fields: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith(_HEADER_PREFIX):
            lowered = lowered[len(_HEADER_PREFIX):]
        if lowered in HEADER_FIELDS:
            fields[lowered] = value
    return fields


def decode_raw(value: bytes, headers: Mapping[str, str], *, max_bytes: int, default_org: str | None) -> dict[str, Any]:
    """A logs.raw value as a record mapping: a JSON object, or plain text with metadata in headers."""
    if len(value) > max_bytes:
        raise Rejected(f"value: {len(value)} bytes; the limit is {max_bytes}", "oversized")
    head = value.lstrip()[:1]
    from_headers = raw_fields_from_headers(headers) if headers else {}
    if head == b"{":
        try:
            document = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise Rejected(f"invalid JSON: {_json_error(exc)}") from None
        if not isinstance(document, dict):
            raise Rejected("value: expected a JSON object")
        for name, header_value in from_headers.items():
            document.setdefault(name, header_value)
    elif head == b"[":
        raise Rejected("value: a JSON array; publish one record per message")
    else:
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected(f"invalid UTF-8 at byte {exc.start}") from None
        document = {**from_headers, "message": text.rstrip("\r\n")}
    if "org" not in document and default_org:
        document["org"] = default_org
    return document
