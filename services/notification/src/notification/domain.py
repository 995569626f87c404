"""Pure logic of the notification service: no I/O, no asyncio.

* escaping untrusted text (alert annotations, log lines, model output) for each sink;
* rendering a notice as Slack Block Kit, a Teams Adaptive Card, a webhook document, a PagerDuty event;
* routing rules (severity, namespace, category -> sinks);
* the incident -> message/thread map rebuilt from ``notifications.sent``;
* the live-analysis buffer and its update throttle;
* feedback identities and request signatures (Slack v0, webhook HMAC).
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from logmesh_contracts import AnalysisResult, Feedback, NotificationRecord, stable_id

State = Literal["started", "updated", "final", "resolved", "failed"]
Verdict = Literal["correct", "incorrect"]

# How far along a (incident, sink) delivery is; a record never moves the map backwards.
STATE_RANK: dict[str, int] = {"failed": 0, "started": 1, "updated": 2, "final": 3, "resolved": 4}
PENDING = "pending"  # ``detail`` of a write-ahead record: a post is about to happen, its ref is unknown yet

SEVERITY_ICON = {"critical": ":red_circle:", "warning": ":large_orange_circle:", "info": ":large_blue_circle:"}

# --------------------------------------------------------------------------- escaping

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls except tab/newline/CR, and DEL
# Broadcast keywords Slack (and Teams, with link_names) turn into pings when written bare.
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
# A URL scheme separator: breaking it stops auto-linking in Slack, Teams and most chat clients.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{1,15}):(//)")
# Markdown link/image syntax `[text](target)` that Teams would render as a link.
_MD_LINK = re.compile(r"\]\(")
_WJ = "\u2060"  # WORD JOINER: invisible, breaks keyword and link detection without changing what a reader sees


def _defang(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = _BROADCAST.sub(lambda m: f"@{_WJ}{m.group(1)}", text)
    return _SCHEME.sub(lambda m: f"{m.group(1)}:{_WJ}{m.group(2)}", text)


def slack_escape(text: str | None) -> str:
    """Untrusted text -> Slack mrkdwn that shows the same characters but pings, links and mentions nobody.

    Escaping ``& < >`` is what Slack documents: it turns ``<!channel>``, ``<@U123>``, ``<#C123>``
    and ``<http://x|click>`` into literal text. Bare ``@here`` and URLs are broken with an
    invisible word joiner, because clients auto-link them even without angle brackets.
    """
    if not text:
        return ""
    text = _defang(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("```", "`\u200b``")  # cannot close a code block we opened


def teams_escape(text: str | None) -> str:
    """Untrusted text -> Adaptive Card TextBlock markdown with no links, mentions or HTML."""
    if not text:
        return ""
    text = _defang(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # <at>mentions</at>, HTML
    text = _MD_LINK.sub("]\u200b(", text)
    return re.sub(r"([\\*_`~#\[\]])", r"\\\1", text)  # markdown emphasis, headings, link brackets


def plain_text(text: str | None, limit: int | None = None) -> str:
    """Untrusted text for structured sinks (webhook JSON, PagerDuty): no controls, pings or live links."""
    text = _defang(text or "")
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


# ------------------------------------------------------------------------- the notice


@dataclass(frozen=True)
class Notice:
    """What is said about one incident, independent of any sink."""

    incident_id: str
    title: str
    severity: str
    category: str
    status: str
    root_cause: str
    confidence: float
    target: str
    namespace: str | None
    evidence: tuple[tuple[str, str], ...] = ()
    actions: tuple[str, ...] = ()
    diagnosis: tuple[str, ...] = ()
    impact: str = ""
    missing_evidence: tuple[str, ...] = ()
    model: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    source_event_id: str = ""


def target_text(result: AnalysisResult) -> str:
    t = result.target
    parts = [p for p in (t.cluster, t.namespace, t.pod or t.name, t.container) if p]
    if t.node and not t.pod:
        parts.append(f"node {t.node}")
    return "/".join(parts)


def notice_from_result(result: AnalysisResult, link_base_url: str | None = None) -> Notice:
    links: list[tuple[str, str]] = []
    if link_base_url:
        links.append(("Incident", link_base_url.rstrip("/") + "/" + result.incident_id))
    return Notice(
        incident_id=result.incident_id,
        title=result.title,
        severity=result.severity,
        category=result.category,
        status=result.status,
        root_cause=result.root_cause,
        confidence=result.confidence,
        target=target_text(result),
        namespace=result.target.namespace,
        evidence=tuple((c.ref, c.excerpt) for c in result.evidence),
        actions=tuple(result.actions),
        diagnosis=tuple(result.diagnosis),
        impact=result.impact,
        missing_evidence=tuple(result.missing_evidence),
        model=result.model,
        links=tuple(links),
        source_event_id=result.event_id,
    )


def summary_line(notice: Notice) -> str:
    """One human line for logs and the file sink."""
    where = f" [{notice.target}]" if notice.target else ""
    return truncate(
        plain_text(
            f"{notice.severity.upper()} {notice.category}{where} {notice.title} — {notice.root_cause}"
            f" (confidence {notice.confidence:.0%}, incident {notice.incident_id})"
        ),
        500,
    )


# ------------------------------------------------------------------------ Slack layout

ACTION_CORRECT = "logmesh_feedback_correct"
ACTION_INCORRECT = "logmesh_feedback_incorrect"
SLACK_SECTION_LIMIT = 2900  # Slack rejects section text over 3000 characters
METADATA_EVENT_TYPE = "logmesh_incident"


def slack_metadata(incident_id: str) -> dict[str, Any]:
    """Message metadata that lets a restarted service find a message it posted but did not record."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"incident_id": incident_id}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SLACK_SECTION_LIMIT)}}


def slack_live_blocks(incident_id: str, stage: str, text: str, title: str | None = None) -> list[dict[str, Any]]:
    label = {
        "started": "Analysis started",
        "evidence": "Collecting evidence",
        "diagnosis": "Running diagnostics",
        "llm": "Analysing",
        "done": "Analysis finished, preparing the result",
        "failed": "Analysis failed",
    }.get(stage, "Analysing")
    heading = f":hourglass_flowing_sand: *{label}*"
    if title:
        heading += f" — {slack_escape(title)}"
    blocks = [_section(heading)]
    if text.strip():
        tail = text[-SLACK_SECTION_LIMIT + 20 :]  # the newest text matters most while it streams
        blocks.append(_section("```" + slack_escape(tail) + "```"))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"incident `{incident_id}`"}]})
    return blocks


def slack_final_blocks(notice: Notice, feedback: bool = True) -> list[dict[str, Any]]:
    icon = SEVERITY_ICON.get(notice.severity, ":white_circle:")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(slack_escape(notice.title), 150) or "Incident"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Severity*\n{icon} {slack_escape(notice.severity)}"},
                {"type": "mrkdwn", "text": f"*Category*\n{slack_escape(notice.category)}"},
                {"type": "mrkdwn", "text": f"*Target*\n{slack_escape(notice.target) or '—'}"},
                {"type": "mrkdwn", "text": f"*Confidence*\n{notice.confidence:.0%} ({slack_escape(notice.status)})"},
            ],
        },
        _section(f"*Root cause*\n{slack_escape(notice.root_cause)}"),
    ]
    if notice.impact:
        blocks.append(_section(f"*Impact*\n{slack_escape(notice.impact)}"))
    if notice.evidence:
        lines = [f"• `{slack_escape(ref)}` {slack_escape(truncate(excerpt, 300))}" for ref, excerpt in notice.evidence[:8]]
        blocks.append(_section("*Evidence*\n" + "\n".join(lines)))
    if notice.diagnosis:
        blocks.append(_section("*Diagnosis*\n" + "\n".join(f"• {slack_escape(d)}" for d in notice.diagnosis[:8])))
    if notice.actions:
        blocks.append(
            _section("*Actions*\n" + "\n".join(f"{i}. {slack_escape(a)}" for i, a in enumerate(notice.actions[:8], 1)))
        )
    context = [f"incident `{notice.incident_id}`"]
    if notice.model:
        context.append(f"model {slack_escape(notice.model)}")
    if notice.missing_evidence:
        context.append("missing evidence: " + slack_escape(", ".join(notice.missing_evidence)))
    for text, url in notice.links:  # configured by the operator, not untrusted input
        context.append(f"<{url}|{slack_escape(text)}>")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    if feedback:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Was this analysis right? React with "
                                              ":white_check_mark: or :x:, or use the buttons."}]}
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": "logmesh_feedback",
                "elements": [
                    {"type": "button", "action_id": ACTION_CORRECT, "style": "primary", "value": notice.incident_id,
                     "text": {"type": "plain_text", "text": "✅ Correct"}},
                    {"type": "button", "action_id": ACTION_INCORRECT, "style": "danger", "value": notice.incident_id,
                     "text": {"type": "plain_text", "text": "❌ Incorrect"}},
                ],
            }
        )
    return blocks


def slack_fallback_text(notice: Notice) -> str:
    """The notification text (push/preview); also escaped: Slack parses it like mrkdwn."""
    return truncate(slack_escape(f"[{notice.severity}] {notice.title}: {notice.root_cause}"), 3000)


def slack_resolved_text(incident_id: str, resolved_at: datetime, reason: str) -> str:
    why = f" — {slack_escape(reason)}" if reason else ""
    return f":white_check_mark: *Resolved* at {resolved_at.isoformat(timespec='seconds')}{why} (incident `{incident_id}`)"


# ------------------------------------------------------------------- other sinks' layouts


def teams_card(notice: Notice) -> dict[str, Any]:
    """An Adaptive Card in the envelope Teams incoming webhooks and Workflows accept."""
    facts = [
        {"title": "Severity", "value": teams_escape(notice.severity)},
        {"title": "Category", "value": teams_escape(notice.category)},
        {"title": "Target", "value": teams_escape(notice.target) or "—"},
        {"title": "Confidence", "value": f"{notice.confidence:.0%}"},
    ]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "text": teams_escape(notice.title)},
        {"type": "FactSet", "facts": facts},
        {"type": "TextBlock", "weight": "Bolder", "text": "Root cause"},
        {"type": "TextBlock", "wrap": True, "text": teams_escape(notice.root_cause)},
    ]
    if notice.evidence:
        body.append({"type": "TextBlock", "weight": "Bolder", "text": "Evidence"})
        body += [
            {"type": "TextBlock", "wrap": True, "text": f"- {teams_escape(ref)}: {teams_escape(truncate(ex, 300))}"}
            for ref, ex in notice.evidence[:8]
        ]
    if notice.actions:
        body.append({"type": "TextBlock", "weight": "Bolder", "text": "Actions"})
        body += [{"type": "TextBlock", "wrap": True, "text": f"{i}. {teams_escape(a)}"}
                 for i, a in enumerate(notice.actions[:8], 1)]
    body.append({"type": "TextBlock", "isSubtle": True, "wrap": True,
                 "text": f"incident {teams_escape(notice.incident_id)}"})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if notice.links:
        card["actions"] = [{"type": "Action.OpenUrl", "title": text, "url": url} for text, url in notice.links]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def teams_resolved_card(incident_id: str, resolved_at: datetime, reason: str) -> dict[str, Any]:
    text = f"Resolved at {resolved_at.isoformat(timespec='seconds')}: incident {teams_escape(incident_id)}"
    if reason:
        text += f" — {teams_escape(reason)}"
    card = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "wrap": True, "text": text}]}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "content": card}]}


def webhook_document(kind: str, incident_id: str, notice: Notice | None = None, **extra: Any) -> dict[str, Any]:
    """The generic webhook body: structured, with untrusted strings defanged."""
    doc: dict[str, Any] = {"kind": kind, "incident_id": incident_id, **extra}
    if notice is not None:
        doc.update(
            title=plain_text(notice.title),
            severity=notice.severity,
            category=notice.category,
            status=notice.status,
            target=plain_text(notice.target),
            root_cause=plain_text(notice.root_cause),
            confidence=notice.confidence,
            impact=plain_text(notice.impact),
            evidence=[{"ref": plain_text(r), "excerpt": plain_text(e)} for r, e in notice.evidence],
            actions=[plain_text(a) for a in notice.actions],
            diagnosis=[plain_text(d) for d in notice.diagnosis],
            links=[{"text": t, "url": u} for t, u in notice.links],
            model=notice.model,
            analysis_event_id=notice.source_event_id,
        )
    return doc


PD_SEVERITY = {"critical": "critical", "warning": "warning", "info": "info"}


def pagerduty_trigger(routing_key: str, notice: Notice) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": notice.incident_id,
        "payload": {
            "summary": plain_text(f"{notice.title}: {notice.root_cause}", 1024),
            "source": plain_text(notice.target or "logmesh", 255),
            "severity": PD_SEVERITY.get(notice.severity, "error"),
            "component": plain_text(notice.target, 255) or None,
            "group": notice.namespace,
            "class": notice.category,
            "custom_details": {
                "root_cause": plain_text(notice.root_cause, 4000),
                "confidence": notice.confidence,
                "actions": [plain_text(a, 500) for a in notice.actions[:10]],
                "evidence": [plain_text(f"{r}: {e}", 500) for r, e in notice.evidence[:10]],
            },
        },
    }
    event["payload"] = {k: v for k, v in event["payload"].items() if v is not None}
    if notice.links:
        event["links"] = [{"href": u, "text": t} for t, u in notice.links]
    return event


def pagerduty_resolve(routing_key: str, incident_id: str) -> dict[str, Any]:
    return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": incident_id}


# ----------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class Rule:
    sinks: tuple[str, ...]
    severity: tuple[str, ...] = ()
    namespace: tuple[str, ...] = ()  # shell-style patterns, e.g. "prod-*"
    category: tuple[str, ...] = ()

    def matches(self, severity: str, namespace: str | None, category: str) -> bool:
        if self.severity and severity not in self.severity:
            return False
        if self.category and category not in self.category:
            return False
        return not self.namespace or any(fnmatch.fnmatchcase(namespace or "", p) for p in self.namespace)


PAGING_SINKS = frozenset({"pagerduty"})


def parse_routes(raw: str | None) -> list[Rule] | None:
    """``None`` when unset; raises ValueError naming the problem when the JSON is malformed."""
    if raw is None or not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"LOGMESH_ROUTES is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError("LOGMESH_ROUTES must be a JSON list of rules")
    rules = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("sinks"), list) or not item["sinks"]:
            raise ValueError(f"LOGMESH_ROUTES[{i}] needs a non-empty 'sinks' list")
        unknown = set(item) - {"sinks", "severity", "namespace", "category"}
        if unknown:
            raise ValueError(f"LOGMESH_ROUTES[{i}] has unknown keys {sorted(unknown)}")

        def strings(key: str, item: dict[str, Any] = item, i: int = i) -> tuple[str, ...]:
            value = item.get(key, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"LOGMESH_ROUTES[{i}].{key} must be a string or a list of strings")
            return tuple(value)

        rules.append(Rule(strings("sinks"), strings("severity"), strings("namespace"), strings("category")))
    return rules


def default_rules(enabled: Iterable[str]) -> list[Rule]:
    enabled = list(enabled)
    rules = [Rule(tuple(s for s in enabled if s not in PAGING_SINKS))]
    paging = tuple(s for s in enabled if s in PAGING_SINKS)
    if paging:
        rules.append(Rule(paging, severity=("critical",)))
    return rules


def route(rules: Sequence[Rule], enabled: Sequence[str], severity: str, namespace: str | None, category: str) -> list[str]:
    """Sinks for a notice: the union of every matching rule's sinks, in enabled order, enabled only."""
    wanted: set[str] = set()
    for rule in rules:
        if rule.matches(severity, namespace, category):
            wanted.update(rule.sinks)
    return [s for s in enabled if s in wanted]


# ---------------------------------------------------------------------- the thread map


def record_id(sink: str, incident_id: str, state: str, source_event_id: str) -> str:
    """Deterministic NotificationRecord id: the same input delivered again has the same identity."""
    return stable_id("notification", sink, incident_id, state, source_event_id)


def record_key(incident_id: str, sink: str) -> str:
    """Kafka key: one compacted slot per (incident, sink), so compaction keeps every sink's thread."""
    return f"{incident_id}/{sink}"


@dataclass
class SinkState:
    incident_id: str
    sink: str
    state: str
    sent_at: datetime
    channel: str | None = None
    message_ref: str | None = None
    thread_ref: str | None = None
    pending: bool = False  # write-ahead record seen, no confirmed message yet


@dataclass
class ThreadMap:
    """incident -> (sink -> what was sent), built from ``notifications.sent`` records."""

    states: dict[tuple[str, str], SinkState] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)
    by_message: dict[tuple[str, str], str] = field(default_factory=dict)

    def apply(self, record: NotificationRecord) -> None:
        self.seen_ids.add(record.event_id)
        key = (record.incident_id, record.sink)
        current = self.states.get(key)
        pending = record.detail == PENDING
        if current is not None:
            if pending and not current.pending and current.message_ref:
                return  # a confirmed message beats a later intent to post it
            if STATE_RANK.get(record.state, 0) < STATE_RANK.get(current.state, 0) and not current.pending:
                return
        state = SinkState(
            incident_id=record.incident_id,
            sink=record.sink,
            state=record.state,
            sent_at=record.sent_at,
            channel=record.channel or (current.channel if current else None),
            message_ref=record.message_ref or (current.message_ref if current else None),
            thread_ref=record.thread_ref or (current.thread_ref if current else None),
            pending=pending,
        )
        self.states[key] = state
        if state.channel and state.message_ref:
            self.by_message[(state.channel, state.message_ref)] = record.incident_id

    def get(self, incident_id: str, sink: str) -> SinkState | None:
        return self.states.get((incident_id, sink))

    def sinks_for(self, incident_id: str) -> list[SinkState]:
        return [s for (inc, _), s in self.states.items() if inc == incident_id]

    def incident_for_message(self, channel: str, ts: str) -> str | None:
        return self.by_message.get((channel, ts))

    def prune(self, before: datetime) -> int:
        """Forget incidents whose last record is older than ``before``; returns how many entries went."""
        old = [key for key, state in self.states.items() if state.sent_at < before]
        for key in old:
            state = self.states.pop(key)
            if state.channel and state.message_ref:
                self.by_message.pop((state.channel, state.message_ref), None)
        return len(old)

    def messages(self, sink: str, since: datetime) -> list[SinkState]:
        """Messages of ``sink`` with a known ref whose analysis was delivered since ``since``."""
        return [
            s
            for s in self.states.values()
            if s.sink == sink and s.message_ref and s.channel and STATE_RANK[s.state] >= STATE_RANK["final"]
            and s.sent_at >= since
        ]


# ------------------------------------------------------------------ live analysis buffer


@dataclass
class LiveAnalysis:
    """Streamed text of one incident's analysis, and when its message was last updated."""

    incident_id: str
    stage: str = "started"
    last_seq: int = -1
    chunks: list[str] = field(default_factory=list)
    last_update: float | None = None
    dirty: bool = False
    finished: bool = False

    def add(self, seq: int, stage: str, text: str) -> bool:
        """Apply a progress chunk; False when it is a redelivery or out of date."""
        if seq <= self.last_seq or self.finished:
            return False
        self.last_seq = seq
        self.stage = stage
        if text:
            self.chunks.append(text)
        self.dirty = True
        return True

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def due(self, now: float, interval_s: float) -> bool:
        """Throttle: at most one update per ``interval_s``; only when there is something new."""
        return self.dirty and not self.finished and (self.last_update is None or now - self.last_update >= interval_s)

    def mark_updated(self, now: float) -> None:
        self.last_update = now
        self.dirty = False


# ------------------------------------------------------------------------------ feedback

REACTION_VERDICTS: dict[str, Verdict] = {
    "white_check_mark": "correct",
    "heavy_check_mark": "correct",
    "ballot_box_with_check": "correct",
    "x": "incorrect",
    "negative_squared_cross_mark": "incorrect",
    "heavy_multiplication_x": "incorrect",
}
BUTTON_VERDICTS: dict[str, Verdict] = {ACTION_CORRECT: "correct", ACTION_INCORRECT: "incorrect"}


def feedback_id(incident_id: str, given_by: str, verdict: str, channel: str) -> str:
    """One person's verdict through one channel has one identity, however often it is seen."""
    return stable_id("feedback", incident_id, given_by, verdict, channel)


def make_feedback(
    incident_id: str, verdict: Verdict, given_by: str, channel: str, given_at: datetime, **extra: Any
) -> Feedback:
    return Feedback(
        event_id=feedback_id(incident_id, given_by, verdict, channel),
        incident_id=incident_id,
        verdict=verdict,
        given_by=given_by,
        given_at=given_at,
        channel=channel,
        **extra,
    )


def reactions_to_verdicts(reactions: Iterable[dict[str, Any]]) -> list[tuple[str, Verdict]]:
    """``reactions.get`` reactions -> (user, verdict) pairs for the feedback emoji."""
    pairs: list[tuple[str, Verdict]] = []
    for reaction in reactions:
        name = str(reaction.get("name", "")).split("::")[0]  # skin-tone suffixes, e.g. "x::skin-tone-2"
        verdict = REACTION_VERDICTS.get(name)
        if verdict is None:
            continue
        for user in reaction.get("users") or []:
            pairs.append((str(user), verdict))
    return pairs


# ---------------------------------------------------------------------------- signatures

SLACK_MAX_SKEW_S = 300


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_signature(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float
) -> tuple[bool, str]:
    """Slack's v0 request signing; the timestamp must be within five minutes (replay window)."""
    if not timestamp or not signature:
        return False, "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        ts = int(timestamp)
    except ValueError:
        return False, "malformed timestamp"
    if abs(now - ts) > SLACK_MAX_SKEW_S:
        return False, "timestamp outside the 5-minute window"
    if not hmac.compare_digest(slack_signature(secret, timestamp, body), signature):
        return False, "signature mismatch"
    return True, "ok"


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Logmesh-Signature``: ``t=<unix ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
