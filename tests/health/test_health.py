"""The heartbeat and the health check that reads it."""

import datetime
import json

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from health.apps import ensure_schedules
from health.heartbeat import heartbeat_age, heartbeat_last, heartbeat_record
from health.tasks import HEARTBEAT_HOOK, HEARTBEAT_TASK, record_beat

pytestmark = pytest.mark.django_db

URL = "/health/"


def test_the_url_is_health():
    assert reverse("health:check") == URL


def test_the_heartbeat_is_scheduled_every_minute_with_the_hook_that_records_it():
    Schedule.objects.filter(name="health.heartbeat").delete()
    ensure_schedules()
    ensure_schedules()  # idempotent
    schedule = Schedule.objects.get(name="health.heartbeat")
    assert (schedule.func, schedule.hook) == (HEARTBEAT_TASK, HEARTBEAT_HOOK)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


def test_the_scheduler_carries_the_heartbeat_through_a_worker_to_its_record(monkeypatch):
    # django-q2's "sync" mode runs the worker and the monitor (which calls the hook) inline.
    monkeypatch.setattr(Conf, "SYNC", True)
    ensure_schedules()
    Schedule.objects.filter(name="health.heartbeat").update(
        next_run=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert heartbeat_last() is None

    scheduler()

    assert timezone.now() - heartbeat_last() < datetime.timedelta(seconds=5)
    assert Task.objects.get(func=HEARTBEAT_TASK).success


def test_a_failed_heartbeat_is_not_recorded():
    record_beat(Task(name="beat", func=HEARTBEAT_TASK, success=False))
    assert heartbeat_last() is None


def test_a_new_cluster_is_given_its_time_for_a_first_heartbeat():
    now = timezone.now()
    started = now - datetime.timedelta(seconds=10)
    assert heartbeat_age(None, since=started, now=now) == 10
    assert heartbeat_age(now - datetime.timedelta(hours=1), since=started, now=now) == 10
    assert heartbeat_age(now - datetime.timedelta(seconds=3), since=started, now=now) == 3


def test_a_fresh_heartbeat_answers_200_without_login_in_one_query(
    client, settings, django_assert_num_queries
):
    settings.HEARTBEAT_STALE_SECONDS = 300
    # A cache apart from the database (Redis in production), so the count is the check's own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    heartbeat_record(now=timezone.now() - datetime.timedelta(seconds=42))
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "tasks": "ok",
        "heartbeat_age_seconds": 42,
        "stale_after_seconds": 300,
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_stale_heartbeat_answers_503_with_the_reason(client, settings):
    settings.HEARTBEAT_STALE_SECONDS = 300
    heartbeat_record(now=timezone.now() - datetime.timedelta(seconds=301))
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["tasks"] == "stale"
    assert response.json()["heartbeat_age_seconds"] == 301


def test_no_heartbeat_yet_answers_503(client):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["tasks"] == "no heartbeat yet"
    assert response.json()["heartbeat_age_seconds"] is None


def test_a_database_that_does_not_answer_answers_503(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["tasks"] == "unknown"


def redis_cache(url):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "wt-ops-health-test",
        }
    }


def test_a_cache_that_does_not_answer_answers_503(client, settings):
    heartbeat_record()  # the database and the cluster are fine
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0")  # nothing listens there
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["cache"] == "unreachable"
    assert response.json()["database"] == "ok" and response.json()["tasks"] == "ok"


def test_a_shared_redis_cache_that_answers_is_ok(client, settings):
    heartbeat_record()
    settings.CACHES = redis_cache("redis://127.0.0.1:6379/13")
    response = client.get(URL)
    assert response.status_code == 200, response.json()
    assert response.json()["cache"] == "ok"


def test_the_answer_holds_no_personal_data_and_names_every_field(client, dx_user):
    heartbeat_record()
    client.force_login(dx_user)  # even for a logged-in user it says nothing about anyone
    answer = json.loads(client.get(URL).content)
    assert set(answer) == {
        "status",
        "database",
        "cache",
        "tasks",
        "heartbeat_age_seconds",
        "stale_after_seconds",
    }


def test_get_and_head_only(client):
    heartbeat_record()
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
