"""A corpus of log lines carrying generated fake secrets, for recall tests and the redaction benchmark.

Every secret is made here from a seeded generator in the provider's documented shape; none is
real. Each line carries exactly one secret inside ordinary log context (plain text, logfmt,
JSON, headers, connection strings), so a stage's recall is "lines whose secret did not survive".
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


@dataclass(frozen=True)
class SecretLine:
    kind: str
    line: str
    secret: str

    def leaked(self, text: str) -> bool:
        """Whether the secret, or a 12-character piece of it, is still in ``text``."""
        if self.secret in text:
            return True
        probe = self.secret.replace("\\n", "\n")
        width = 12
        core = [probe[i:i + width] for i in range(0, max(1, len(probe) - width + 1), 4)]
        return any(piece in text for piece in core if len(piece) == width and piece.strip(" -=") == piece)


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """A random string guaranteed to hold an upper, a lower and a digit (as real keys almost surely do)."""
    while True:
        value = _pick(rng, alphabet, n)
        if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def _luhn_card(rng: random.Random, prefix: str, length: int) -> str:
    digits = [int(c) for c in prefix] + [rng.randrange(10) for _ in range(length - len(prefix) - 1)]
    for check in range(10):
        candidate = [*digits, check]
        total = 0
        for position, value in enumerate(reversed(candidate)):
            if position % 2:
                value *= 2
                value -= 9 if value > 9 else 0
            total += value
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


def _grouped(card: str, sep: str) -> str:
    return sep.join(card[i:i + 4] for i in range(0, len(card), 4))


def _jwt(rng: random.Random) -> str:
    def seg(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    header = seg({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"})
    payload = seg({"sub": _pick(rng, ALNUM, 10), "iat": rng.randrange(1_600_000_000, 1_800_000_000)})
    return f"{header}.{payload}.{_pick(rng, URLSAFE, 43)}"


def _pem(rng: random.Random, label: str) -> str:
    body = "\n".join(_pick(rng, B64, 64) for _ in range(4))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


# kind -> (secret maker, line templates with {s} for the secret)
Maker = Callable[[random.Random], str]
KINDS: dict[str, tuple[Maker, tuple[str, ...]]] = {
    "aws-access-key-id": (lambda r: "AKIA" + _pick(r, UPPER_NUM, 16), (
        "s3 upload failed for key {s}: AccessDenied", "aws_access_key_id={s} region=eu-west-1",
        '{{"level":"error","msg":"sts call failed","access_key":"{s}"}}', "using credentials {s} from env")),
    "aws-session-key-id": (lambda r: "ASIA" + _pick(r, UPPER_NUM, 16), (
        "assumed role, temporary key {s} expires in 3600s", "AWS_ACCESS_KEY_ID={s}")),
    "aws-secret-named": (lambda r: _mixed(r, B64, 40), (
        "aws_secret_access_key = {s}", "AWS_SECRET_ACCESS_KEY={s} exported", '{{"SecretAccessKey": "{s}"}}',
        "config: aws_secret_key: {s}")),
    "aws-secret-bare": (lambda r: _mixed(r, B64, 40), (
        "boto: signing request with {s} failed", "credentials loaded: AKIAXXXX / {s}",
        "retrying with secret {s} after throttling")),
    "gcp-api-key": (lambda r: "AIza" + _pick(r, URLSAFE, 35), (
        "maps request https://maps.googleapis.com/maps/api/geocode/json?key={s} returned 403",
        "GOOGLE_API_KEY={s}")),
    "gcp-oauth-token": (lambda r: "ya29." + _pick(r, URLSAFE, 60), (
        "refreshed google token {s} for sa-deployer", "calling storage API with access token {s}")),
    "gcp-service-account": (lambda r: _pem(r, "PRIVATE KEY").replace("\n", "\\n"), (
        '{{"type": "service_account", "project_id": "shop-prod", "private_key": "{s}\\n"}}',)),
    "azure-storage-key": (lambda r: _pick(r, B64, 86) + "==", (
        "DefaultEndpointsProtocol=https;AccountName=shopprod;AccountKey={s};EndpointSuffix=core.windows.net",
        "blob client init failed: AccountKey={s}")),
    "azure-client-secret": (lambda r: _pick(r, ALNUM, 3) + str(r.randrange(10)) + "Q~" + _pick(r, ALNUM + "_-.", 34), (
        "AZURE_CLIENT_SECRET={s}", "msal: acquiring token with client secret {s} failed: AADSTS7000215")),
    "azure-sas": (lambda r: _pick(r, ALNUM, 40) + "%3D", (
        "GET https://shop.blob.core.windows.net/c/x?sv=2022-11-02&ss=b&srt=o&sp=r&sig={s} 403",)),
    "github-classic": (lambda r: r.choice(["ghp_", "gho_", "ghs_"]) + _pick(r, ALNUM, 36), (
        "git clone https://github.com/acme/app using token {s}", "GITHUB_TOKEN={s}", "gh auth: {s} is expired")),
    "github-fine-grained": (lambda r: "github_pat_" + _pick(r, ALNUM, 22) + "_" + _pick(r, ALNUM, 59), (
        "workflow used {s} to push", "export GH_PAT={s}")),
    "gitlab-token": (lambda r: "glpat-" + _pick(r, URLSAFE, 20), (
        "gitlab api 401 with PRIVATE-TOKEN {s}", "registry login with {s} failed")),
    "slack-token": (lambda r: r.choice(["xoxb-", "xoxp-"]) + "-".join(_pick(r, string.digits, 12) for _ in range(2))
                    + "-" + _pick(r, ALNUM, 24), (
        "slack api chat.postMessage with {s} -> invalid_auth", "SLACK_BOT_TOKEN={s}")),
    "slack-webhook": (lambda r: "https://hooks.slack.com/services/T" + _pick(r, UPPER_NUM, 8) + "/B"
                      + _pick(r, UPPER_NUM, 10) + "/" + _pick(r, ALNUM, 24), (
        "posting alert to {s} failed: 404 no_service", "webhook_url: {s}")),
    "stripe-live": (lambda r: "sk_live_" + _pick(r, ALNUM, 24), (
        "charge failed using {s}: card_declined", "stripe client configured: {s}")),
    "stripe-restricted": (lambda r: "rk_live_" + _pick(r, ALNUM, 24), ("payments worker key {s} rejected",)),
    "openai-key": (lambda r: "sk-proj-" + _pick(r, URLSAFE, 48), (
        "llm call failed (401) with api key {s}", "OPENAI_API_KEY={s}")),
    "openai-legacy-key": (lambda r: "sk-" + _pick(r, ALNUM, 48), ("embedding request used {s}",)),
    "anthropic-key": (lambda r: "sk-ant-api03-" + _pick(r, URLSAFE, 80), ("ANTHROPIC_API_KEY={s}",)),
    "jwt": (_jwt, (
        "auth middleware rejected token {s}: expired", "Authorization: Bearer {s}",
        '{{"msg":"login","id_token":"{s}"}}', "cookie session={s}; Path=/")),
    "pem-rsa": (lambda r: _pem(r, "RSA PRIVATE KEY"), ("loaded key material:\n{s}",)),
    "pem-openssh": (lambda r: _pem(r, "OPENSSH PRIVATE KEY"), ("ssh deploy key written: {s}",)),
    "pem-ec": (lambda r: _pem(r, "EC PRIVATE KEY"), ("tls: {s}",)),
    "url-password": (lambda r: _mixed(r, ALNUM, 14), (
        "connecting to postgres://app:{s}@db.internal:5432/shop", "amqp://guest:{s}@rabbitmq:5672/ refused",
        "mongodb+srv://svc:{s}@cluster0.example.net/test?retryWrites=true")),
    "redis-password-only": (lambda r: _mixed(r, ALNUM, 16), (
        "redis connect redis://:{s}@cache:6379/0 timeout", "REDIS_URL=rediss://:{s}@redis.prod:6380")),
    "basic-auth": (lambda r: base64.b64encode(f"admin:{_mixed(r, ALNUM, 12)}".encode()).decode(), (
        "Authorization: Basic {s}", "upstream request headers: authorization=Basic {s}")),
    "bearer-token": (lambda r: _mixed(r, URLSAFE, 32), (
        "Authorization: Bearer {s}", "curl -H 'Authorization: bearer {s}' http://api/v1")),
    "password-kv": (lambda r: _mixed(r, ALNUM + "!#$%", 12), (
        "db login failed user=shop password={s}", '{{"user":"svc","password":"{s}"}}', "DB_PASSWORD: {s}",
        "ldap bind pwd={s} rejected", "--client-secret={s} passed on the command line")),
    "api-key-kv": (lambda r: _mixed(r, ALNUM, 32), (
        "x-api-key: {s}", "api_key={s} quota exceeded", '{{"apiKey": "{s}"}}')),
    "card-number": (lambda r: _luhn_card(r, r.choice(["4", "51", "37", "6011"]), 16), (
        "payment declined for card {s}", "order 1182 paid with {s} amount=42.00")),
    "card-grouped": (lambda r: _grouped(_luhn_card(r, "4", 16), r.choice("- ")), (
        "card {s} charged", "refund to {s} queued")),
    "sendgrid-key": (lambda r: "SG." + _pick(r, URLSAFE, 22) + "." + _pick(r, URLSAFE, 43), ("mailer: {s} 401",)),
    "npm-token": (lambda r: "npm_" + _pick(r, ALNUM, 36), ("//registry.npmjs.org/:_authToken={s}",)),
    "huggingface-token": (lambda r: "hf_" + _pick(r, ALNUM, 34), ("model download with {s} forbidden",)),
}


def corpus(seed: int = 17, per_template: int = 3) -> list[SecretLine]:
    """Every kind, every template, ``per_template`` fresh secrets each (about 300 lines by default)."""
    rng = random.Random(seed)
    lines: list[SecretLine] = []
    for kind, (make, templates) in KINDS.items():
        for template in templates:
            for _ in range(per_template):
                secret = make(rng)
                lines.append(SecretLine(kind, template.format(s=secret), secret))
    return lines
