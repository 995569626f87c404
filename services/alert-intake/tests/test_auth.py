"""Credentials: bearer and basic as Alertmanager sends them, rotation, refusing to run open."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from alert_intake.auth import TOKEN_FILE, Authenticator, MissingCredentials, build_authenticator
from alert_intake.settings import AlertIntakeSettings

OLD = "old-token-0123456789abcdef"
NEW = "new-token-fedcba9876543210"


def settings(tmp_path: Path, **values: object) -> AlertIntakeSettings:
    return AlertIntakeSettings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_two_bearer_tokens_are_valid_at_once_for_rotation(tmp_path: Path) -> None:
    auth = build_authenticator(settings(tmp_path, intake_tokens=f"{OLD}, {NEW}"))
    assert auth.check(f"Bearer {OLD}").ok
    assert auth.check(f"bearer {NEW}").ok  # the scheme is case-insensitive
    for refused in (None, "", f"Bearer {OLD}x", "Bearer", f"Token {OLD}", OLD, basic("u", OLD)):
        assert not auth.check(refused).ok, refused
    assert auth.challenge() == 'Bearer realm="alert-intake"'


def test_basic_auth_with_a_second_password(tmp_path: Path) -> None:
    auth = build_authenticator(
        settings(tmp_path, intake_basic_user="alertmanager", intake_basic_password=OLD, intake_basic_password_next=NEW)
    )
    assert auth.check(basic("alertmanager", OLD)).reason == "basic"
    assert auth.check(basic("alertmanager", NEW)).ok
    assert auth.check(basic("alertmanager", "p:" + OLD)).reason == "mismatch"
    assert not auth.check(basic("other", OLD)).ok
    assert auth.check("Basic not-base64!").reason == "malformed"
    assert auth.check("Basic " + base64.b64encode(b"no-colon").decode()).reason == "malformed"
    assert not auth.check(f"Bearer {OLD}").ok  # no bearer token configured


def test_refuses_to_start_without_credentials_unless_told_to_run_open(tmp_path: Path) -> None:
    with pytest.raises(MissingCredentials, match="LOGMESH_INTAKE_ALLOW_UNAUTHENTICATED"):
        build_authenticator(settings(tmp_path, intake_generate_token=False))
    open_ = build_authenticator(settings(tmp_path, intake_allow_unauthenticated=True))
    assert open_.open and open_.check(None).reason == "open"
    # credentials given and open allowed: the credentials still apply
    assert not build_authenticator(settings(tmp_path, intake_token=OLD, intake_allow_unauthenticated=True)).open


def test_without_configuration_a_token_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    first = build_authenticator(settings(tmp_path))
    path = tmp_path / "alert-intake" / TOKEN_FILE
    token = path.read_text().strip()
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.check(f"Bearer {token}").ok and not first.check(None).ok
    assert build_authenticator(settings(tmp_path)).check(f"Bearer {token}").ok  # reused after a restart


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"intake_token": "changeme"}, "placeholder"),
        ({"intake_tokens": f"{OLD},secret"}, "placeholder"),
        ({"intake_basic_user": "am", "intake_basic_password": "password"}, "placeholder"),
        ({"intake_token": "short"}, "shorter than"),
        ({"intake_basic_user": "am"}, "go together"),
        ({"intake_tokens": f"{OLD},short"}, "LOGMESH_INTAKE_TOKENS: a secret is shorter"),
    ],
)
def test_placeholder_short_and_incomplete_secrets_are_refused(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(tmp_path, **values)


def test_secrets_do_not_show_in_settings_repr(tmp_path: Path) -> None:
    assert OLD not in repr(settings(tmp_path, intake_tokens=OLD, intake_token=NEW))
    assert NEW not in repr(settings(tmp_path, intake_tokens=OLD, intake_token=NEW))


def test_settings_read_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGMESH_INTAKE_TOKENS", f"{OLD},{NEW} ,")
    monkeypatch.setenv("LOGMESH_INTAKE_TOKEN", OLD)
    monkeypatch.setenv("LOGMESH_INTAKE_ALLOW_UNAUTHENTICATED", "true")
    loaded = AlertIntakeSettings(data_dir=tmp_path)  # type: ignore[call-arg]
    assert loaded.service_name == "alert-intake"
    assert loaded.bearer_tokens == [OLD, NEW]
    assert loaded.intake_allow_unauthenticated
    assert OLD not in repr(loaded)


def test_authenticator_compares_every_token() -> None:
    auth = Authenticator(["a" * 16, "b" * 16])
    assert auth.check("Bearer " + "b" * 16).ok
    assert not auth.check("Bearer " + "c" * 16).ok


def test_the_process_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGMESH_")}
    env.update(LOGMESH_DATA_DIR=str(tmp_path), LOGMESH_INTAKE_GENERATE_TOKEN="false")  # as in the image
    result = subprocess.run(
        [sys.executable, "-m", "alert_intake"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "refuses to start" in result.stderr and "LOGMESH_INTAKE_TOKENS" in result.stderr
