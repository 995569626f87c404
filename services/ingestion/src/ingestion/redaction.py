"""Secret and PII masking, applied to messages and metadata before a record leaves ingestion.

One combined pattern scans each text once; the named group that matched picks the
replacement. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re

MASK = "[REDACTED]"

_PATTERNS: tuple[tuple[str, str], ...] = (
    # PEM private key blocks, header to footer, across lines.
    ("private_key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
    # user:password@ inside a URL (scheme://user:pass@host): keep the user, mask the password.
    ("url_cred", r"(?P<url_head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):[^/\s@]+@"),
    # HTTP Authorization schemes followed by an opaque credential.
    ("auth_scheme", r"\b(?P<scheme>[Bb]earer|[Bb]asic|[Tt]oken)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # JSON Web Tokens: base64url header (always starts eyJ = '{"'), payload, signature.
    ("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    # AWS access key ids: a four-letter kind prefix and 16 upper-case alphanumerics.
    ("aws_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    # Provider tokens with fixed prefixes: GitHub (ghp_, gho_, ...), Slack (xoxb-, ...), Stripe, Google API keys.
    (
        "provider_token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}"
        r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})",
    ),
    # key=value / key: value / "key": "value" where the key names a secret; the key and separator stay.
    (
        "kv",
        r"(?P<kv_head>(?i:\b(?:password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token"
        r"|refresh[_-]?token|auth[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key"
        r"|aws_secret_access_key|credentials?|session[_-]?id))[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]+",
    ),
    # e-mail addresses.
    ("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    # 13-19 digit card numbers, optionally grouped by spaces or dashes; confirmed by the Luhn check.
    ("card", r"\b\d(?:[ -]?\d){12,18}\b"),
)

_COMPILED = {name: re.compile(pattern) for name, pattern in _PATTERNS if name != "card"}  # applied in this order
_CARD = re.compile(dict(_PATTERNS)["card"])

# Cheap substring tests that must hold before a pattern can match: most lines hold no secret,
# and skipping the regexes for them keeps redaction off the hot path.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "private_key": ("PRIVATE KEY",),
    "url_cred": ("://",),
    "auth_scheme": ("bearer", "basic", "token"),
    "jwt": ("eyJ",),
    "aws_key": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
    "provider_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "_live_", "_test_", "AIza"),
    "kv": ("passw", "pwd", "secret", "token", "key", "credential", "session"),
    "email": ("@",),
}
_PATTERNS_BY_NEEDLE: dict[str, set[str]] = {}
for _name, _needles in _TRIGGERS.items():
    for _needle in _needles:
        _PATTERNS_BY_NEEDLE.setdefault(_needle.lower(), set()).add(_name)
# One scan of the lower-cased text tells whether any trigger is present at all (lower-casing makes
# it a superset of the case-sensitive ones); only then are the triggers tested one by one.
_ANY_TRIGGER = re.compile("|".join(map(re.escape, _PATTERNS_BY_NEEDLE)))
# a run of four digits: the least a card number holds (then the full pattern and Luhn decide)
_FOUR_DIGITS = re.compile(r"\d{4}")
# Metadata keys whose values are secrets whatever they look like.
_SECRET_KEY = re.compile(
    r"(?i)passw(?:or)?d|pwd|secret|token|api.?key|authorization|credential|cookie|session.?id|private.?key"
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


class Redactor:
    """Masks secrets (keys, tokens, passwords, private keys) and PII (e-mails, card numbers)."""

    def __init__(self, *, emails: bool = True) -> None:
        self.emails = emails

    def _replace(self, kind: str, match: re.Match[str]) -> str:
        text = match.group(0)
        if kind == "url_cred":
            return f"{match.group('url_head')}:{MASK}@"
        if kind == "auth_scheme":
            return f"{match.group('scheme')} {MASK}"
        if kind == "kv":
            return f"{match.group('kv_head')}{MASK}"
        if kind == "email":
            return "[REDACTED:email]" if self.emails else text
        if kind == "card":
            digits = text.replace(" ", "").replace("-", "")
            return "[REDACTED:card]" if luhn_ok(digits) else text
        return f"[REDACTED:{kind.replace('_', '-')}]"

    def text(self, value: str) -> tuple[str, bool]:
        """The masked text and whether anything was masked."""
        masked = value
        lower = value.lower()
        if _ANY_TRIGGER.search(lower) is not None:
            wanted = {name for needle, names in _PATTERNS_BY_NEEDLE.items() if needle in lower for name in names}
            for name, pattern in _COMPILED.items():  # in order: earlier masks must not be re-matched by later ones
                if name in wanted:
                    masked = pattern.sub(functools.partial(self._replace, name), masked)
        if _FOUR_DIGITS.search(masked) is not None:  # cards last, as in _COMPILED's order
            masked = _CARD.sub(self._mask_card, masked)
        return masked, masked != value

    def _mask_card(self, match: re.Match[str]) -> str:
        return self._replace("card", match)

    def metadata(self, values: dict[str, str]) -> tuple[dict[str, str], bool]:
        changed = False
        out: dict[str, str] = {}
        for key, value in values.items():
            if value and _SECRET_KEY.search(key):
                out[key] = MASK
                changed = True
                continue
            masked, hit = self.text(value)
            out[key] = masked
            changed = changed or hit
        return out, changed
