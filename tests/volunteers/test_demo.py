"""The demo city's volunteers: quick, idempotent, and the demo volunteer has something to try."""

import io
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo import volunteers as demo_volunteers
from demo.seed import ensure_users
from volunteers.models import Assignment, Volunteer

pytestmark = pytest.mark.django_db


def test_demo_volunteers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    first = demo_volunteers.counts()
    assert first["volunteers"] == demo_volunteers.VOLUNTEERS + 1
    me = Volunteer.objects.get(user__username="volunteer")
    mine = Assignment.objects.filter(volunteer=me)
    upcoming = mine.filter(session__starts_at__gte=timezone.now())
    assert upcoming.filter(status="accepted").exists()
    assert upcoming.filter(status="proposed").exists()
    assert mine.worked().exists()
    assert demo_volunteers.seed(users=ensure_users(), small=True, seed=1) is False
    assert demo_volunteers.counts() == first

    # And it is quick (the whole area again, after taking it away).
    Assignment.objects.all().delete()
    Volunteer.objects.all().delete()
    started = time.monotonic()
    assert demo_volunteers.seed(users=ensure_users(), small=True, seed=2026)
    assert time.monotonic() - started < 5
    assert demo_volunteers.counts() == first
