"""Sessions end after SESSION_IDLE_MINUTES idle; a password change ends the user's others."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"


def log_in(username="desk", password=PASSWORD):
    client = Client()
    answer = client.post(reverse("account_login"), {"login": username, "password": password})
    assert answer.status_code == 302
    return client


def is_logged_in(client):
    return client.get(reverse("classes:desk")).status_code == 200


def test_a_session_ends_after_the_idle_time(desk_user, settings, _frozen_clock):
    settings.SESSION_IDLE_MINUTES = 30
    client = log_in()
    assert is_logged_in(client)
    # Working on: a request every 20 minutes keeps the session.
    for _ in range(4):
        _frozen_clock.shift(20 * 60)
        assert is_logged_in(client)
    # 31 minutes without a request: the session is gone, the login page asks again.
    _frozen_clock.shift(31 * 60)
    answer = client.get(reverse("classes:desk"))
    assert answer.status_code == 302 and reverse("account_login") in answer["Location"]


def test_the_cookie_lasts_the_idle_time(desk_user, settings):
    settings.SESSION_IDLE_MINUTES = 15
    client = log_in()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 15 * 60
    assert "remember" not in client.get(reverse("account_login")).content.decode()


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(desk_user):
    here, elsewhere = log_in(), log_in()
    assert is_logged_in(here) and is_logged_in(elsewhere)
    changed = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-pass-9031",
            "password2": "a-new-long-pass-9031",
        },
    )
    assert changed.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)


def test_the_scan_api_does_not_touch_the_session(venue_client, django_assert_num_queries):
    # A scan without a pass is refused before any query; with the session cookie of a
    # logged-in phone, the session is not loaded or written either.
    with django_assert_num_queries(0):
        answer = venue_client.post(
            reverse("attendance:api_checkin"), "{}", content_type="application/json"
        )
    assert answer.status_code == 401
