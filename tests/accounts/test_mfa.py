"""MFA (allauth.mfa, TOTP): required per role by MFA_REQUIRED_ROLES."""

import time

import pytest
from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value  # noqa: E402
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"


def code_for(secret):
    """What the authenticator app on the phone shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, username="desk"):
    return client.post(reverse("account_login"), {"login": username, "password": PASSWORD})


def test_a_role_that_needs_mfa_sets_it_up_first_then_logs_in_with_a_code(
    desk_user, settings, _frozen_clock
):
    settings.MFA_REQUIRED_ROLES = ["desk"]
    client = Client()
    log_in(client)
    # Every page sends to the set-up page until TOTP is active.
    for name in ("home", "classes:desk", "residents:list"):
        answer = client.get(reverse(name))
        assert answer.status_code == 302, name
        assert answer["Location"] == reverse("mfa_activate_totp"), name
    # allauth asks for the password again before adding an authenticator.
    ask = client.get(reverse("mfa_activate_totp"))
    assert ask["Location"].startswith(reverse("account_reauthenticate"))
    again = client.post(ask["Location"], {"password": PASSWORD})
    assert again["Location"] == reverse("mfa_activate_totp")
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert "個人情報を扱う役割" in setup.content.decode()
    secret = setup.context["form"].secret
    activated = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=desk_user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("classes:desk")).status_code == 200

    # The next login asks for the code after the password.
    client.post(reverse("account_logout"))
    _frozen_clock.shift(30)  # a new code (a code is accepted once)
    answer = log_in(client)
    assert answer["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("classes:desk")).status_code == 302  # not in yet
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    right = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert right.status_code == 302
    assert client.get(reverse("classes:desk")).status_code == 200


def test_roles_that_do_not_need_it_go_straight_in(desk_user, venue_user, settings):
    settings.MFA_REQUIRED_ROLES = ["dxoffice"]
    client = Client()
    log_in(client)
    assert client.get(reverse("classes:desk")).status_code == 200


def test_the_logout_and_the_language_menu_stay_open(desk_user, settings):
    settings.MFA_REQUIRED_ROLES = ["desk"]
    client = Client()
    log_in(client)
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session
