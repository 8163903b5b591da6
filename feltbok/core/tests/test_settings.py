"""Settings come from the environment, strictly parsed; production passes check --deploy."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path, **extra):
    key = base64.b64encode(os.urandom(32)).decode()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FELTBOK_", "DJANGO_"))
    }
    secret_file = tmp_path / "secret"
    secret_file.write_text("p" * 64 + "-not-a-dev-key-" + base64.b64encode(os.urandom(24)).decode())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "feltbok.settings",
            "FELTBOK_SECRET_KEY_FILE": str(secret_file),
            "FELTBOK_KEYS": f"k1:{key}",
            "FELTBOK_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
            "FELTBOK_ALLOWED_HOSTS": "feltbok.example.no",
            "FELTBOK_VAR_DIR": str(tmp_path),
        }
    )
    env.update(extra)
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_the_demo_setting(tmp_path):
    result = manage(production_env(tmp_path, FELTBOK_DEMO="1"), "check")
    assert result.returncode != 0
    assert "FELTBOK_DEMO" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FELTBOK_DEBUG", "maybe", "FELTBOK_DEBUG must be a boolean"),
        ("FELTBOK_SESSION_IDLE_MINUTES", "ten", "must be an integer"),
        ("FELTBOK_SESSION_IDLE_MINUTES", "0", "must be at least 1"),
        ("FELTBOK_KEYS", "k1:c2hvcnQ=", "must be 32 bytes"),
    ],
)
def test_bad_values_are_refused(tmp_path, name, value, message):
    result = manage(production_env(tmp_path, **{name: value}), "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_needs_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["FELTBOK_SECRET_KEY_FILE"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "FELTBOK_SECRET_KEY" in result.stderr


def test_unreadable_secret_file_is_a_clear_error(tmp_path):
    result = manage(
        production_env(tmp_path, FELTBOK_SECRET_KEY_FILE=str(tmp_path / "missing")), "check"
    )
    assert result.returncode != 0
    assert "FELTBOK_SECRET_KEY_FILE: cannot read" in result.stderr


def test_code_only_commands_need_no_secrets_but_data_commands_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FELTBOK_", "DJANGO_"))}
    env["FELTBOK_VAR_DIR"] = str(tmp_path)

    checked = manage(env, "makemigrations", "--check", "--dry-run")
    refused = manage(env, "migrate", "--plan")

    assert checked.returncode == 0, checked.stderr
    assert "No changes detected" in checked.stdout
    assert refused.returncode != 0
    assert "FELTBOK_SECRET_KEY" in refused.stderr
