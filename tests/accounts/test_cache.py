"""The shared cache: one store for every process, made by `migrate`."""

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from tests.test_settings import settings_in_subprocess

pytestmark = pytest.mark.django_db


def test_the_database_cache_unless_redis_is_configured():
    assert settings_in_subprocess("settings.CACHES['default']['BACKEND']") == (
        "django.core.cache.backends.db.DatabaseCache"
    )
    with_redis = settings_in_subprocess(
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']",
        REDIS_URL="redis://127.0.0.1:6379/5",
    )
    assert with_redis == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/5"
    own_db = settings_in_subprocess(
        "settings.CACHES['default']['LOCATION'], settings.Q_CLUSTER['redis']",
        REDIS_URL="redis://127.0.0.1:6379/5",
        CACHE_REDIS_URL="redis://127.0.0.1:6379/6",
    )
    assert own_db == "redis://127.0.0.1:6379/6 redis://127.0.0.1:6379/5"


def test_migrate_makes_the_cache_table_and_the_cache_works(settings):
    assert settings.CACHE_TABLE in connection.introspection.table_names()
    cache = caches["default"]
    cache.set("accounts-test", 41, 60)
    assert cache.incr("accounts-test") == 42
    call_command("migrate", verbosity=0)  # running migrate again changes nothing


def _redis_reachable():
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_the_redis_cache_when_configured():
    code = (
        "(lambda c: (c.set('n', 1, 30), c.incr('n'), c.get('n'), c.delete('n'))[2])"
        "(__import__('django.core.cache', fromlist=['cache']).cache)"
    )
    out = settings_in_subprocess(
        code, REDIS_URL="redis://127.0.0.1:6379/13", CACHE_KEY_PREFIX="tsunagu-accounts-test"
    )
    assert out == "2"
