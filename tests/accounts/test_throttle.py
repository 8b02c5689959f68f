"""Login throttling: slows a guesser, never locks the real person out."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import LoginFailures

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def login(client, username, password, address="203.0.113.9", **headers):
    return client.post(
        reverse("account_login"),
        {"login": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def test_a_guesser_is_slowed_with_a_429_and_retry_after(desk_user, settings):
    settings.LOGIN_FREE_FAILURES_PER_LOGIN = 3
    attacker = Client()
    answers = [login(attacker, "desk", f"guess-{n}").status_code for n in range(3)]
    assert answers == [200, 200, 200]  # the form again, with its message
    # The fourth failure earns a wait: the next try is refused without looking at the password.
    assert login(attacker, "desk", "guess-4").status_code == 200
    refused = login(attacker, "desk", PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 2
    assert "しばらくお待ちください" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_fifty_wrong_passwords_from_elsewhere_do_not_stop_the_real_person(desk_user):
    for n in range(50):
        login(Client(), "desk", f"guess-{n}", address=f"198.51.100.{n % 5}")
    office = Client()
    answer = login(office, "desk", PASSWORD, address="192.0.2.10")
    assert answer.status_code == 302
    assert office.session["_auth_user_id"] == str(desk_user.pk)


def test_the_waits_grow_and_stop_at_the_ceiling(desk_user, settings, _frozen_clock):
    settings.LOGIN_FREE_FAILURES_PER_LOGIN = 1
    settings.LOGIN_WAIT_MAX_SECONDS = 8
    attacker = Client()
    assert login(attacker, "desk", "free guess").status_code == 200
    waits = []
    for n in range(5):
        assert login(attacker, "desk", f"guess-{n}").status_code == 200
        refused = login(attacker, "desk", PASSWORD)
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        _frozen_clock.shift(60)  # the wait is over (and far within the memory of the count)
    assert waits == [2, 4, 8, 8, 8]


def test_many_names_from_one_address_are_slowed_by_the_address(desk_user, settings):
    settings.LOGIN_FREE_FAILURES_PER_ADDRESS = 4
    attacker = Client()
    for n in range(5):
        login(attacker, f"someone-{n}", "guess")
    assert login(attacker, "somebody-else", "guess").status_code == 429
    # Another address is not affected.
    assert login(Client(), "desk", PASSWORD, address="192.0.2.10").status_code == 302


def test_the_admin_login_goes_through_the_same_page(desk_user):
    # The admin's own form would skip the throttle and the MFA step: it sends to ours.
    answer = Client().post(reverse("admin:login"), {"username": "desk", "password": PASSWORD})
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("account_login"))


def test_behind_a_proxy_the_address_comes_from_x_forwarded_for(desk_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FREE_FAILURES_PER_LOGIN = 1
    attacker = Client()
    proxy = "10.0.0.2"
    # The attacker writes a made-up address of their own to the left; the proxy appends theirs.
    for n in range(2):
        login(
            attacker, "desk", f"x{n}", address=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9"
        )
    refused = login(attacker, "desk", "y", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert refused.status_code == 429
    # The office, through the same proxy, is another client.
    office = login(Client(), "desk", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert office.status_code == 302


def test_after_logging_in_the_user_is_told_of_the_failures_since_the_last_login(
    desk_user, django_user_model
):
    for n in range(3):
        login(Client(), "DESK", f"guess-{n}", address=f"198.51.100.{n}")
    login(Client(), "nobody-by-this-name", "guess")
    office = Client()
    answer = login(office, "desk", PASSWORD, address="192.0.2.10")
    page = office.get(answer["Location"], follow=True).content.decode()
    assert "パスワードの誤りが3回" in page
    assert LoginFailures.objects.get(user=desk_user).count == 0
    # The next login has nothing to tell.
    office.logout()
    answer = login(office, "desk", PASSWORD, address="192.0.2.10")
    assert "パスワードの誤り" not in office.get(answer["Location"], follow=True).content.decode()
