"""The one settings module, driven by the environment."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(expression, **env):
    """Evaluate `expression` with config.settings loaded under the given environment."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        f"django.setup(); from django.conf import settings; print({expression})"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sqlite_by_default_with_immediate_transactions_and_wal():
    options = settings_in_subprocess("settings.DATABASES['default']")
    assert "sqlite3" in options and "var/tsunagu.sqlite3" in options
    assert "'transaction_mode': 'IMMEDIATE'" in options
    assert "journal_mode=WAL" in options


def test_database_url_selects_postgresql():
    engine = settings_in_subprocess(
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tsunagu",
    )
    assert engine == "django.db.backends.postgresql tsunagu"


def test_task_broker_is_the_orm_unless_redis_is_configured():
    assert settings_in_subprocess("settings.Q_CLUSTER.get('orm')") == "default"
    with_redis = settings_in_subprocess(
        "settings.Q_CLUSTER.get('redis'), 'orm' in settings.Q_CLUSTER",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert with_redis == "redis://127.0.0.1:6379/0 False"


def test_the_heartbeat_limit_comes_from_the_environment():
    assert settings_in_subprocess("settings.HEARTBEAT_STALE_SECONDS") == "300"
    assert (
        settings_in_subprocess("settings.HEARTBEAT_STALE_SECONDS", HEARTBEAT_STALE_SECONDS="120")
        == "120"
    )


def test_the_task_cluster_takes_from_the_broker_at_most_one_task_per_worker_ahead():
    assert settings_in_subprocess("settings.Q_CLUSTER['queue_limit']", Q_WORKERS="3") == "3"


def test_japanese_first_in_tokyo():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
