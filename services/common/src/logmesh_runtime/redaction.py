"""The one redaction stage: secrets and PII masked the same way wherever text leaves a service.

Used by ingestion (records), alert-intake (alert text), cluster-watching (evidence parts) and
llm-analysis (every prompt). Rules follow the shapes gitleaks and detect-secrets document for
each provider; each replacement names its kind (``[REDACTED:github-token]``) and ``scan``
counts them per kind, which the LLM audit records. Pure functions, no I/O.

Most lines hold no secret: a cheap substring test per rule (its *triggers*) decides whether
the rule's regex runs at all, which keeps redaction off the ingestion hot path.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MASK = "[REDACTED]"

# key names whose value is a secret whatever it looks like (key=value, "key": "value", headers)
_SECRET_WORD = (
    r"(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token"
    r"|auth[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|signing[_-]?key"
    r"|credentials?|session[_-]?id|sessionid|cookie|accountkey|sharedaccesskey|x-api-key|sig)"
)
_CARD_SHAPE = r"\d{4}[ -]?\d{4}[ -]?\d{4}"  # what a card number's text holds at least
_KEY_SHAPE = r"[A-Za-z0-9/+]{40}"  # what a bare 40-character key's text holds at least
_SECRET_NAME = r"(?:[\w.-]*?" + _SECRET_WORD + ")"


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: str
    triggers: tuple[str, ...]  # lower-case substrings one of which must be present for the rule to run
    keep: str | None = None  # a named group kept in front of the mask (the key, the URL's user)
    check: str | None = None  # "card": issuer prefix, length and Luhn; "random": a key, not a path
    shape: str | None = None  # for rules without triggers: a cheap regex that must match first
    # for rules with triggers: a cheap lower-case regex that every match of the pattern contains once
    # lower-cased (a trigger alone is common in prose, e.g. "key", and the pattern's lazy name prefix
    # is slow to scan for nothing); tested on ASCII texts only, where lower() is exactly (?i)
    needs: str | None = None


RULES: tuple[Rule, ...] = (
    # PEM private keys (RSA, EC, OpenSSH, PKCS#8, PGP), header to footer, also with escaped newlines in JSON
    Rule("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
         r"(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)", ("private key",)),
    # Slack incoming-webhook and workflow URLs: the path is the credential
    Rule("slack-webhook", r"https?://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{8,}",
         ("hooks.slack",)),
    # JSON Web Tokens: base64url header starting '{"' (eyJ), payload, signature
    Rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*", ("eyj",)),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other principal prefixes); any digit, not
    # only base32's, so a mistyped or synthetic key quoted in a log line is hidden too
    Rule("aws-access-key-id", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b",
         ("akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka")),
    # GitHub: classic tokens (ghp_/gho_/ghu_/ghs_/ghr_) and fine-grained personal access tokens
    Rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
         ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    # GitLab personal, deploy, runner, trigger and feed tokens
    Rule("gitlab-token", r"\b(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt)-[A-Za-z0-9_-]{20,}",
         ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-")),
    # Slack bot/user/app/refresh tokens
    Rule("slack-token", r"\bxox[abposer]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}", ("xox", "xapp-")),
    # Stripe secret, restricted and webhook-signing keys (publishable pk_ keys are public)
    Rule("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,}",
         ("_live_", "_test_", "whsec_")),
    # OpenAI-style keys (sk-, sk-proj-, sk-svcacct-) and Anthropic's sk-ant-
    Rule("llm-api-key", r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{20,}", ("sk-",)),
    # Google: API keys, OAuth access tokens and client secrets
    Rule("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}", ("aiza",)),
    Rule("gcp-oauth-token", r"\bya29\.[0-9A-Za-z_-]{20,}|\bGOCSPX-[0-9A-Za-z_-]{20,}", ("ya29.", "gocspx-")),
    # Azure: AD client secrets (xxx8Q~...) and storage/service-bus keys and SAS signatures in connection strings
    Rule("azure-client-secret", r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
         ("q~",)),
    Rule("azure-key", r"(?P<keep>(?i:AccountKey|SharedAccessKey|sig)=)[A-Za-z0-9%+/]{20,}={0,2}",
         ("accountkey=", "sharedaccesskey=", "sig=")),
    # SendGrid, npm, Twilio, Hugging Face, Datadog-style prefixed tokens
    Rule("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", ("sg.",)),
    Rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", ("npm_",)),
    Rule("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}\b", ("hf_",)),
    # user:password@ (and :password@) inside a URL: keep scheme and user, mask the password
    Rule("url-password", r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*):[^/\s@]+@", ("://",)),
    # HTTP Authorization schemes followed by a credential
    # (a Basic credential is base64: a lower-case word after "basic" is prose, not a credential)
    Rule("auth-header", r"(?P<keep>\b(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"
         r"|(?P<keep2>\b(?i:basic)\s+)(?=[A-Za-z0-9+/]+[0-9A-Z+/=])[A-Za-z0-9+/]{8,}={0,2}", ("bearer", "basic")),
    # AWS secret access keys named as such (env var, config file, JSON), any separator
    Rule("aws-secret-key", r"(?P<keep>(?i:aws_?secret(?:_?access)?_?key|secretaccesskey|aws_secret)[\"']?\s*[:=]\s*"
         r"[\"']?)[A-Za-z0-9/+=]{30,}", ("secret",)),
    # key=value / key: value / "key": "value" where the key names a secret; key and separator stay
    Rule("secret-value", r"(?P<keep>(?i:\b" + _SECRET_NAME + r")[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&{}()\[\]<>]{3,}+(?![{(\[])",
         ("pass", "pwd", "secret", "token", "key", "credential", "session", "cookie", "sig"),
         needs=_SECRET_WORD + r"[\"']?\s*[:=]"),
    # a bare 40-character AWS secret access key: base64 with upper, lower and digit (hex digests have no mix)
    Rule("aws-secret-key", r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
         r"(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", (), check="random",
         shape=_KEY_SHAPE),
    # e-mail addresses (PII)
    Rule("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", ("@",)),
    # 13-19 digit card numbers, optionally grouped by spaces or dashes, confirmed by the Luhn check
    # (an issuer prefix and length of a real scheme too: ids and epoch-milliseconds pass Luhn one time in ten)
    Rule("card", r"(?<![\w.:/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w.:])", (), check="card",
         shape=_CARD_SHAPE),
)



def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# issuer prefixes and lengths: Visa, Mastercard, Amex, Discover, JCB, Diners
_CARD_SCHEME = re.compile(r"4\d{12}(?:\d{3}){0,2}|(?:5[1-5]\d{2}|2[2-7]\d{2})\d{12}|3[47]\d{13}"
                          r"|6(?:011|5\d\d|4[4-9]\d)\d{12}|35\d{14}|3(?:0[0-5]|[68]\d)\d{11}")


def card_ok(digits: str) -> bool:
    return _CARD_SCHEME.fullmatch(digits) is not None and luhn_ok(digits)


def looks_random(value: str) -> bool:
    """A 40-character run that is a key, not a path: many distinct characters and few, scattered slashes."""
    return len(set(value)) >= 20 and value.count("/") <= 3 and "//" not in value


_KEY_RUN = b"a" * 40  # _KEY_SHAPE in the key-character translation
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")


@dataclass
class Redaction:
    """What ``scan`` made of a text: the masked text and how many of each kind it masked."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Redactor:
    """Masks secrets (keys, tokens, passwords, private keys) and PII (e-mails, card numbers)."""

    def __init__(self, *, emails: bool = True) -> None:
        self.rules = [(rule, re.compile(rule.pattern)) for rule in RULES if emails or rule.kind != "email"]
        self._needles = {needle for rule, _ in self.rules for needle in rule.triggers}
        self._any = re.compile("|".join(sorted(map(re.escape, self._needles))))
        # needle -> the rules it triggers, so a triggered text tests each needle once, not once per rule
        self._rules_by_needle: dict[str, frozenset[int]] = {
            needle: frozenset(i for i, (rule, _) in enumerate(self.rules) if needle in rule.triggers)
            for needle in sorted(self._needles)
        }
        self._shapes = {rule.kind: re.compile(rule.shape) for rule, _ in self.rules if rule.shape}
        self._any_shape = re.compile("|".join(f"(?:{rule.shape})" for rule, _ in self.rules if rule.shape))
        self._needs = [re.compile(rule.needs) if rule.needs else None for rule, _ in self.rules]
        # the shapes again, for ``texts``: over ASCII bytes where every character class a shape uses is one
        # byte value (a digit is b"0", a card separator b"-", a key character b"a"), so str.find and a
        # literal-prefixed regex do what the shape regexes do, a whole batch at a time
        if {rule.shape for rule, _ in self.rules if rule.shape} != {_CARD_SHAPE, _KEY_SHAPE}:
            raise ValueError("Redactor.texts knows the card and bare-key shapes only; teach it the new one")
        self._digits = b"".join(b"0" if 48 <= c <= 57 else b"-" if c in b" -" else b"." for c in range(256))
        self._key_chars = b"".join(b"a" if chr(c) in _KEY_CHARS else b"." for c in range(256))
        # needles holding punctuation are grouped by their first punctuation byte: one search for the byte
        # skips the whole group in batches without it (ordinary logs rarely hold "_", "~", "@" or "=")
        self._needle_groups: dict[bytes, list[tuple[bytes, frozenset[int]]]] = {}
        for needle, rules in self._rules_by_needle.items():
            gate = next((c for c in needle if not c.isalnum()), "").encode()
            self._needle_groups.setdefault(gate, []).append((needle.encode(), rules))
        self._card_run = re.compile(rb"0000-?0000-?0000")

    def scan(self, value: str) -> Redaction:
        lower = value.lower()
        return self._scan(value, lower, self._any.search(lower) is not None, self._any_shape.search(value) is not None)

    def _scan(self, value: str, lower: str, triggered: bool, shaped: bool) -> Redaction:
        result = Redaction(value)
        if not triggered and not shaped:
            return result
        wanted: set[int] = set()
        if triggered:
            for needle, rules in self._rules_by_needle.items():
                if needle in lower:
                    wanted.update(rules)
        masked = value
        for i, (rule, pattern) in enumerate(self.rules):  # in order: earlier masks must not be re-matched by later ones
            if rule.triggers:
                if i not in wanted:
                    continue
                needs = self._needs[i]
                if needs is not None and masked.isascii() and needs.search(masked.lower()) is None:
                    continue
            elif not shaped or self._shapes[rule.kind].search(masked) is None:
                continue
            masked = pattern.sub(functools.partial(self._replace_in, rule, result.counts), masked)
        result.text = masked
        return result

    def _replace_in(self, rule: Rule, counts: Counter[str], match: re.Match[str]) -> str:
        return self._replace(rule, match, counts)

    @staticmethod
    def _replace(rule: Rule, match: re.Match[str], counts: Counter[str]) -> str:
        text = match.group(0)
        if rule.check == "card" and not card_ok(text.replace(" ", "").replace("-", "")):
            return text
        if rule.check == "random" and not looks_random(text):
            return text
        if "[REDACTED" in text:
            return text
        counts[rule.kind] += 1
        groups = match.groupdict()
        keep = groups.get("keep") or groups.get("keep2") or ""
        if rule.kind == "url-password":
            return f"{keep}:[REDACTED:url-password]@"
        return f"{keep}[REDACTED:{rule.kind}]"

    def text(self, value: str) -> tuple[str, bool]:
        """The masked text and whether anything was masked."""
        lower = value.lower()
        triggered = self._any.search(lower) is not None
        shaped = self._any_shape.search(value) is not None
        if not triggered and not shaped:  # most lines: no Redaction object to build
            return value, False
        result = self._scan(value, lower, triggered, shaped)
        return result.text, bool(result.counts)

    def texts(self, values: list[str]) -> list[tuple[str, bool]]:
        """``text`` for many values at once, with identical results.

        The trigger words and shapes are looked for once over all ASCII values joined (``str.find`` and
        byte translations instead of a regex per value); only values holding one go through ``text``.
        A value whose only triggers lead to rules with a ``needs`` condition that fails on it is left
        as is without that: ``text`` would skip every rule for it too.
        """
        results: list[tuple[str, bool] | None] = [None] * len(values)
        ascii_at: list[int] = []
        for index, value in enumerate(values):
            if value.isascii():
                ascii_at.append(index)
            else:  # outside ASCII, lower() may change lengths and \d means more than 0-9
                results[index] = self.text(value)
        if not ascii_at:
            return results  # type: ignore[return-value]
        # NUL separates the values: no needle, shape or ``needs`` pattern can match across it
        joined = "\0".join([values[i] for i in ascii_at]).encode("ascii")
        starts: list[int] = []
        position = 0
        for i in ascii_at:
            starts.append(position)
            position += len(values[i]) + 1
        starts.append(position)  # one past the end: where the search after the last value resumes
        shaped: set[int] = set()  # lines (positions in ascii_at) that hold a shape: scanned in full
        triggered: dict[int, set[int]] = {}  # line -> the rules its trigger words call for
        lower = joined.lower()
        for gate, group in self._needle_groups.items():
            if gate and gate not in lower:
                continue
            for needle, rules in group:
                found = lower.find(needle)
                while found >= 0:
                    line = bisect.bisect_right(starts, found) - 1
                    triggered.setdefault(line, set()).update(rules)
                    found = lower.find(needle, starts[line + 1])  # the rest of this value: already known
        for match in self._card_run.finditer(joined.translate(self._digits)):
            shaped.add(bisect.bisect_right(starts, match.start()) - 1)
        keys = joined.translate(self._key_chars)
        found = keys.find(_KEY_RUN)
        while found >= 0:
            line = bisect.bisect_right(starts, found) - 1
            shaped.add(line)
            found = keys.find(_KEY_RUN, starts[line + 1])
        needs = self._needs
        for line, i in enumerate(ascii_at):
            value = values[i]
            rules = triggered.get(line)
            if line in shaped:
                results[i] = self.text(value)
            elif rules is None:
                results[i] = (value, False)
            elif any(needs[r] is None for r in rules):
                results[i] = self.text(value)
            else:
                lowered = value.lower()
                scan = any(needs[r].search(lowered) is not None for r in rules)  # type: ignore[union-attr]
                results[i] = self.text(value) if scan else (value, False)
        return results  # type: ignore[return-value]

    def mapping(self, values: Mapping[str, str], counts: Counter[str] | None = None) -> dict[str, str]:
        """String values masked; a value under a key that names a secret is masked whole."""
        out: dict[str, str] = {}
        for key, value in values.items():
            if value and _SECRET_KEY.search(key):
                out[key] = MASK
                if counts is not None:
                    counts["secret-value"] += 1
                continue
            result = self.scan(value)
            out[key] = result.text
            if counts is not None:
                counts.update(result.counts)
        return out

    def metadata(self, values: dict[str, str]) -> tuple[dict[str, str], bool]:
        counts: Counter[str] = Counter()
        return self.mapping(values, counts), bool(counts)

    def obj(self, value: Any, counts: Counter[str]) -> Any:
        """Every string inside a JSON-like structure masked; dict keys kept, secret-named keys' values masked."""
        if isinstance(value, str):
            result = self.scan(value)
            counts.update(result.counts)
            return result.text
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                if isinstance(item, str) and item and _SECRET_KEY.search(str(key)):
                    out[key] = "[REDACTED:secret-value]"
                    counts["secret-value"] += 1
                else:
                    out[key] = self.obj(item, counts)
            return out
        if isinstance(value, list | tuple):
            return [self.obj(item, counts) for item in value]
        return value


# metadata / label / JSON keys whose values are secrets whatever they look like
_SECRET_KEY = re.compile(
    r"(?i)passw(?:or)?d|passphrase|pwd|secret|token|api.?key|authorization|credential|cookie|session.?id|private.?key"
    r"|accountkey"
)

DEFAULT = Redactor()


def redact(text: str) -> str:
    """The masked text with the default rules (e-mails included)."""
    return DEFAULT.scan(text).text
