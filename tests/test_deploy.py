"""The production environment the README documents (deploy/environment.example) passes
`manage.py check --deploy` with no warning at all."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "deploy" / "environment.example"
# Left empty in the file for the operator to fill in; the test fills them as they would.
SECRETS = {"SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"}


def example_environment():
    env = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            assert name == name.strip() and name.isupper(), line
            env[name] = value
    return env


def test_the_example_leaves_the_secrets_to_fill_in():
    env = example_environment()
    assert all(env[name] == "" for name in SECRETS)
    assert env["DEBUG"] == "0" and env["PUBLIC_BASE_URL"].startswith("https://")


def deploy_check(env):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_environment():
    env = example_environment()
    env.update({name: "x" for name in SECRETS})
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    result = deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_the_https_settings():
    # The test can fail: the same environment without HTTPS settings is not clean.
    env = example_environment()
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        del env[name]
    result = deploy_check(env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


@pytest.mark.django_db
def test_production_static_files_have_hashed_names(tmp_path, settings, client):
    # STATIC_MANIFEST=1: collectstatic writes hashed copies (the vendored libraries too) and
    # pages link to them, so browsers and nginx may cache each file for a year.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "config.storage.StaticManifestStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    page = client.get(reverse("account_login")).content.decode()
    linked = re.findall(r'/static/(css/tsunagu\.[0-9a-f]{12}\.css)"', page)
    assert linked and (tmp_path / linked[0]).exists()
