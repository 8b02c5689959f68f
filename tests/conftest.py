"""Shared fixtures: one user per role, logged-in clients, and small builders."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from accounts.access import Role
from tests import factories
from tests.clock import test_now


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Every test starts at the same instant (tests/clock.py); time moves on from there."""
    with time_machine.travel(test_now(), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _test_settings(request, settings):
    # Counters kept in the cache (rate limits) start from nothing in every test that can reach
    # the database the cache lives in (a transactional test's rows outlive its rollback).
    fixtures = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & fixtures:
        if "transactional_db" not in fixtures:
            request.getfixturevalue("db")  # set up before this fixture, whatever the order
        cache.clear()
    settings.LANGUAGE_CODE = "ja"
    # Password hashing is deliberately slow; tests create users all the time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password="pass-for-tests-123", **extra
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


@pytest.fixture
def desk_user(db, django_user_model):
    return _user(django_user_model, "desk", Role.DESK, first_name="受付", last_name="花子")


@pytest.fixture
def venue_user(db, django_user_model):
    return _user(django_user_model, "venue", Role.VENUE)


@pytest.fixture
def volunteer_user(db, django_user_model):
    return _user(django_user_model, "volunteer", Role.VOLUNTEER)


@pytest.fixture
def dx_user(db, django_user_model):
    return _user(django_user_model, "dx", Role.DXOFFICE)


@pytest.fixture
def no_role_user(db, django_user_model):
    return _user(django_user_model, "nobody")


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.jp", "pass-123")


def _client_for(user):
    """A client of its own, logged in as `user`: a test asking for two roles gets two people."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk_client(desk_user):
    return _client_for(desk_user)


@pytest.fixture
def dx_client(dx_user):
    return _client_for(dx_user)


@pytest.fixture
def venue_client(venue_user):
    return _client_for(venue_user)


@pytest.fixture
def volunteer_client(volunteer_user):
    return _client_for(volunteer_user)


class _FollowUps:
    """Runs what follows a change the way the task cluster does after the commit."""

    def run(self):
        """Every due follow-up, and the ones they lead to; returns how many were done."""
        from followups.services import followups_run_due

        done = 0
        for _round in range(10):
            ran = followups_run_due()
            if not ran:
                return done
            done += ran
        raise AssertionError("follow-ups keep making follow-ups")


@pytest.fixture
def followups(db):
    """`followups.run()`: carry out what the changes so far must be followed by."""
    return _FollowUps()


@pytest.fixture
def make():
    """`make.resident(...)`, `make.session(...)`, ... (see tests/factories.py)."""
    return factories
