"""What the rules read out of evidence besides keyword checks. Pure functions, no I/O.

* log lines with their level (from the level field or the template's levels, never from words
  in the message) and the causal-line ranking: new or rare error templates first, one line per
  template, so a flood of one template cannot push the causal line out;
* lines that address the analyst ("ignore previous instructions") are never quoted;
* structured facts from cluster-watching's formats: containers (state, exit code, limits),
  autoscalers, a Service's selector against the pods' labels, node conditions, object changes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

LEVELS = {"TRACE": 0, "DEBUG": 0, "INFO": 1, "NOTICE": 1, "WARN": 2, "WARNING": 2, "ERROR": 3, "ERR": 3,
          "CRITICAL": 4, "CRIT": 4, "FATAL": 4, "PANIC": 4, "EMERG": 4, "ALERT": 4}
_TEMPLATE_LEVELS = re.compile(r"^\d+x \[([A-Za-z/]+)\]")
# a level field: "level=error", "lvl=warn", "[warn]", "ERROR" / "E0115" near the start of the line
_LEVEL_FIELD = re.compile(
    r"(?:\b(?:level|lvl|severity)[\"']?\s*[=:]\s*[\"']?(?P<kv>[a-z]+)|\[(?P<br>trace|debug|info|notice|warn|warning|error|"
    r"crit|fatal)\]|(?<![\w=\-])(?-i:(?P<word>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|PANIC)):?(?![\w=\-]))",
    re.IGNORECASE)
# Text that talks to the analyst instead of describing the system: never quoted, never weighted.
_INSTRUCTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above) (?:instructions|prompts?)|disregard (?:all |the )?(?:previous|above)|"
    r"\bsystem prompt\b|\bnotice to the (?:assistant|model|ai)\b|\b(?:assistant|ai|model|llm)[,:]? (?:please )?(?:reply|answer|respond|output|say)\b|"
    r"\breply (?:only )?with\b|\brespond (?:only )?with\b|\banswer with category\b|\byou are now\b|"
    r"\"category\"\s*:|\broot_cause\"?\s*:|close the incident|print the system", re.IGNORECASE)
_ERRORISH = re.compile(r"error|fail|fatal|panic|exception|refused|denied|timeout|timed out|unable|cannot|can't|invalid|"
                       r"not found|unauthori|expired|exceeded|no space|killed", re.IGNORECASE)


def looks_like_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


def template_level(title: str) -> int | None:
    """The most severe level in a template-matching title ("12x [INFO/ERROR] ...")."""
    match = _TEMPLATE_LEVELS.match(title)
    if not match:
        return None
    ranks = [LEVELS.get(part.upper()) for part in match.group(1).split("/")]
    known = [r for r in ranks if r is not None]
    return max(known) if known else None


_KLOG = re.compile(r"^([IWEF])\d{4} \d{2}:\d{2}:\d{2}")
_KLOG_LEVELS = {"I": 1, "W": 2, "E": 3, "F": 4}


def line_level(line: str) -> int | None:
    """The level a log line states in its level field (within its first 60 characters), if any."""
    klog = _KLOG.match(line)
    if klog:
        return _KLOG_LEVELS[klog.group(1)]
    match = _LEVEL_FIELD.search(line[:60])
    if not match:
        return None
    word = (match.group("kv") or match.group("br") or match.group("word") or "").upper()
    return LEVELS.get(word)


@dataclass(frozen=True)
class LogLine:
    ref: str
    text: str
    level: int | None  # None: the line states no level
    template_count: int
    new: bool  # the template was not seen before the window


@dataclass
class TemplateDoc:
    ref: str
    title: str
    body: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        try:
            return int(self.attributes.get("count") or _TEMPLATE_COUNT.match(self.title).group(1))  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            return 1

    @property
    def new(self) -> bool:
        return self.attributes.get("seen_before") == "0" or self.attributes.get("new") == "true"


_TEMPLATE_COUNT = re.compile(r"^(\d+)x ")


def log_lines(doc: TemplateDoc) -> list[LogLine]:
    tlevel = template_level(doc.title)
    lines = []
    for raw in doc.body.splitlines():
        line = raw.strip()
        if not line:
            continue
        level = line_level(line)
        if level is None:
            level = tlevel
        lines.append(LogLine(doc.ref, line, level, doc.count, doc.new))
    return lines


def weight_for_level(level: int | None) -> float:
    """INFO and below never decide anything; a line without a level counts (describe output, events)."""
    if level is None:
        return 1.0
    return 0.0 if level <= LEVELS["INFO"] else 1.0


def after_change(doc: TemplateDoc, changed_at: str | None) -> bool:
    """Whether the template first appeared at or after a rollout/config change (ISO-8601 strings compare in UTC 'Z')."""
    first = doc.attributes.get("first_seen", "")
    return bool(changed_at and first and _iso(first) >= _iso(changed_at))


def _iso(value: str) -> str:
    return value.replace("+00:00", "Z")


def causal_lines(docs: list[TemplateDoc], matched: set[tuple[str, str]], limit: int = 4,
                 changed_at: str | None = None) -> list[LogLine]:
    """The log lines most likely to show the cause, one per template.

    Severity comes from the level field; new templates (absent before the window) and rare ones rank
    before frequent ones; a line a check matched ranks higher. Floods do not help a template: only
    its best line competes, and a high count lowers its rank.
    """
    best: dict[str, tuple[float, LogLine]] = {}
    for doc in docs:
        for line in log_lines(doc):
            if looks_like_instruction(line.text):
                continue
            level = line.level
            if level is None and not _ERRORISH.search(line.text):
                continue
            if level is not None and level < LEVELS["WARN"]:
                continue
            severity = (level if level is not None else 2.5) - 2  # WARN 0, ERROR 1, FATAL 2
            score = severity * 1.5
            score += 2.0 if line.new else 0.0
            score += 1.0 if line.template_count <= 20 else (0.3 if line.template_count <= 500 else 0.0)
            score += 2.0 if (line.ref, line.text) in matched else 0.0
            score += 0.5 if _ERRORISH.search(line.text) else 0.0
            score += 1.5 if after_change(doc, changed_at) else 0.0  # first occurrences after a deploy
            if doc.ref not in best or score > best[doc.ref][0]:
                best[doc.ref] = (score, line)
    ranked = sorted(best.values(), key=lambda pair: -pair[0])
    return [line for _, line in ranked[:limit]]


# ------------------------------------------------------------------ structured facts


@dataclass
class Container:
    pod: str
    name: str
    state: str = ""
    last_state: str = ""
    restarts: int = 0
    limits: str = ""

    def reason(self, which: str = "last") -> str | None:
        match = re.search(r"reason=(\w+)", self.last_state if which == "last" else self.state)
        return match.group(1) if match else None

    def exit_code(self) -> str | None:
        match = re.search(r"exitCode=(\d+)", self.last_state) or re.search(r"exitCode=(\d+)", self.state)
        return match.group(1) if match else None

    def memory_limit(self) -> str | None:
        match = re.search(r"'memory': '([^']+)'", self.limits)
        return match.group(1) if match else None


_POD_NAME = re.compile(r"^Name: (\S+)", re.M)
_CONTAINER = re.compile(r"^\s*Container ([\w.\-]+): .*?restarts=(\d+)", re.M)


def containers(text: str) -> list[Container]:
    """Containers in a describe_pod body (cluster-watching's format)."""
    name_match = _POD_NAME.search(text)
    pod = name_match.group(1) if name_match else "?"
    found: list[Container] = []
    current: Container | None = None
    for line in text.splitlines():
        match = _CONTAINER.match(line)
        if match:
            current = Container(pod, match.group(1), restarts=int(match.group(2)))
            found.append(current)
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("State:"):
            current.state = stripped[6:].strip()
        elif stripped.startswith("Last state:"):
            current.last_state = stripped[11:].strip()
        elif stripped.startswith("Requests:"):
            current.limits = stripped.split("Limits:", 1)[-1].strip()
    return found


@dataclass
class Autoscaler:
    name: str
    current: int
    maximum: int
    metrics: str


_HPA = re.compile(r"^Name: (\S+).*?Replicas: current=(\d+) desired=(\d+) min=(\d+) max=(\d+)(?:.*?Metrics: ([^\n]*))?", re.S)


def autoscaler(text: str) -> Autoscaler | None:
    match = _HPA.search(text)
    if not match:
        return None
    return Autoscaler(match.group(1), int(match.group(2)), int(match.group(5)), (match.group(6) or "").strip())


_SELECTOR = re.compile(r"^Selector: (\{.*\})", re.M)
_POD_LABELS = re.compile(r"^(\S+) .*\blabels=(\S+)", re.M)


def selector_of(text: str) -> dict[str, str] | None:
    match = _SELECTOR.search(text)
    if not match:
        return None
    try:
        value = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def pod_labels(text: str) -> dict[str, dict[str, str]]:
    """Pod -> labels from pod lines that carry ``labels=k=v,k=v``."""
    out: dict[str, dict[str, str]] = {}
    for pod, labels in _POD_LABELS.findall(text):
        pairs = [p.split("=", 1) for p in labels.split(",") if "=" in p]
        out[pod] = {k: v for k, v in pairs}
    return out


def selector_mismatch(selector: dict[str, str], labels: dict[str, dict[str, str]]) -> list[str]:
    """For each selector key no pod satisfies: what the selector wants and what the pods have."""
    if not labels or any(all(pod.get(k) == v for k, v in selector.items()) for pod in labels.values()):
        return []
    problems = []
    for key, value in selector.items():
        have = sorted({pod[key] for pod in labels.values() if key in pod})
        if value not in have:
            problems.append(f"selector {key}={value} but the pods have "
                            + (", ".join(f"{key}={h}" for h in have) if have else f"no {key} label"))
    return problems


def node_conditions(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(\w+)=(True|False|Unknown)\b", text, re.M))


_RESOURCE_LIMITS = re.compile(r"^([\w.\-]+): requests=(\{[^}]*\}) limits=(\{[^}]*\})", re.M)
_RESOURCE_LAST = re.compile(r"^([\w.\-]+): restarts=(\d+) last termination=(\S+) exit=(\S+)", re.M)


def resource_containers(text: str) -> list[Container]:
    """Containers in cluster-watching's "Resources, QoS and OOM history" item."""
    found: dict[str, Container] = {}
    for name, _requests, limits in _RESOURCE_LIMITS.findall(text):
        found[name] = Container("?", name, limits=limits)
    for name, restarts, reason, code in _RESOURCE_LAST.findall(text):
        container = found.setdefault(name, Container("?", name))
        container.restarts = int(restarts)
        container.last_state = f"terminated reason={reason} exitCode={code}"
    return list(found.values())
