"""With DEBUG off the site refuses to start on development settings (config/production.py).

Each case starts a real process with the environment a server would get: the settings module
is what gunicorn, the task cluster and manage.py all load, so a refusal here is a refusal to
serve.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOOD = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-key-" + "x" * 40,
    "ALLOWED_HOSTS": "tsunagu.example.lg.jp",
    "PUBLIC_BASE_URL": "https://tsunagu.example.lg.jp",
}
# What the test runner's own environment adds (tests/environment.py) must not hide a refusal.
CLEARED = ("SECRET_KEY", "ALLOW_HTTP_CLOSED_NETWORK", "ALLOWED_HOSTS", "PUBLIC_BASE_URL", "DEBUG")


def start(**changes):
    """`manage.py check` with the GOOD environment changed by `changes` (None removes)."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(GOOD)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_start():
    result = start()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "changes, says",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is unset or the development key"),
        (
            {"SECRET_KEY": "django-insecure-tsunagu-development-key-not-for-production"},
            "SECRET_KEY is unset or the development key",
        ),
        ({"SECRET_KEY": "django-insecure-" + "q" * 40}, "SECRET_KEY is a development key"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS is empty or a wildcard"),
        ({"ALLOWED_HOSTS": "tsunagu.example.lg.jp,*"}, "ALLOWED_HOSTS is empty or a wildcard"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty or a wildcard"),
        ({"PUBLIC_BASE_URL": "http://tsunagu.example.lg.jp"}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL ('http://127.0.0.1:8000') is not https"),
    ],
)
def test_debug_off_refuses_to_start(changes, says):
    result = start(**changes)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr


def test_every_problem_is_named_at_once():
    result = start(SECRET_KEY=None, ALLOWED_HOSTS="*", PUBLIC_BASE_URL="http://x")
    assert result.returncode != 0
    for says in ("SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"):
        assert says in result.stderr


def test_a_closed_network_may_run_on_http_when_it_says_so():
    assert start(PUBLIC_BASE_URL="http://10.0.0.5", ALLOW_HTTP_CLOSED_NETWORK="1").returncode == 0
    # The flag allows http, nothing else.
    refused = start(
        PUBLIC_BASE_URL="http://10.0.0.5", ALLOW_HTTP_CLOSED_NETWORK="1", SECRET_KEY=None
    )
    assert refused.returncode != 0


def test_development_starts_as_before():
    # DEBUG on: the development key, the default hosts and plain http are fine.
    result = start(DEBUG="1", SECRET_KEY=None, ALLOWED_HOSTS=None, PUBLIC_BASE_URL=None)
    assert result.returncode == 0, result.stderr
