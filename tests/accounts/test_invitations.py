"""Staff accounts by invitation; sign-up gives no role and needs a verified e-mail address."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.access import Perm, Role, can
from accounts.models import Invitation

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kumo-sora-umi-2231"


def invite(dx_client, **fields):
    data = {"email": "hanako@example.jp", "roles": [Role.DESK], "valid_days": 7, **fields}
    return dx_client.post(reverse("accounts:invitation_list"), data)


def link_in_mail():
    return re.search(r"https?://\S+/staff/invite/\S+/", mail.outbox[-1].body).group(0)


def test_the_office_invites_and_the_invitee_makes_a_desk_account(dx_client):
    answer = invite(dx_client)
    invitation = Invitation.objects.get()
    assert answer["Location"] == reverse("accounts:invitation_detail", args=[invitation.pk])
    link = link_in_mail()
    assert mail.outbox[-1].to == ["hanako@example.jp"]
    # The office sees the link once, then only the invitation.
    first = dx_client.get(answer["Location"]).content.decode()
    assert link in first and "メールで送りました" in first
    assert link not in dx_client.get(answer["Location"]).content.decode()

    invitee = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = invitee.get("/" + path)
    assert page.status_code == 200 and "hanako@example.jp" in page.content.decode()
    # The token must not leak as a referrer, yet the page's own form must post (a browser
    # sends "Origin: null" under no-referrer, and the CSRF check refuses it).
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    made = invitee.post(
        "/" + path, {"username": "hanako", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert made["Location"] == reverse("account_login")
    account = User.objects.get(username="hanako")
    assert can(account, Perm.BOOKINGS_MANAGE) and not can(account, Perm.REPORTS_VIEW)
    assert EmailAddress.objects.get(user=account).verified
    logged_in = invitee.post(
        reverse("account_login"), {"login": "hanako", "password": NEW_PASSWORD}
    )
    assert logged_in.status_code == 302
    # The link works once.
    again = Client().get("/" + path)
    assert again.status_code == 404 and "既に使われています" in again.content.decode()


def test_venue_staff_are_invited_to_their_venues(dx_client, make):
    venue = make.venue()
    refused = invite(dx_client, roles=[Role.VENUE])
    assert refused.status_code == 200 and Invitation.objects.count() == 0
    assert "会場" in refused.content.decode()
    invite(dx_client, roles=[Role.VENUE], venues=[venue.pk])
    token = link_in_mail().rstrip("/").rsplit("/", 1)[1]
    Client().post(
        reverse("accounts:invitation_accept", args=[token]),
        {"username": "kaijo", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    account = User.objects.get(username="kaijo")
    assert list(account.staffed_venues.all()) == [venue]


def test_an_expired_or_withdrawn_link_does_not_work(dx_client, dx_user, _frozen_clock):
    invite(dx_client, valid_days=2)
    token = link_in_mail().rstrip("/").rsplit("/", 1)[1]
    url = reverse("accounts:invitation_accept", args=[token])
    _frozen_clock.shift(2 * 24 * 3600 + 1)
    expired = Client().post(
        url, {"username": "late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert expired.status_code == 404 and "有効期限" in expired.content.decode()
    assert not User.objects.filter(username="late").exists()

    dx_client.force_login(dx_user)  # two days idle ended the office's session
    invite(dx_client, email="taro@example.jp")
    token = link_in_mail().rstrip("/").rsplit("/", 1)[1]
    pk = Invitation.objects.get(email="taro@example.jp").pk
    dx_client.post(reverse("accounts:invitation_revoke", args=[pk]))
    withdrawn = Client().get(reverse("accounts:invitation_accept", args=[token]))
    assert withdrawn.status_code == 404 and "取り消されました" in withdrawn.content.decode()


def test_bad_input_on_the_invitee_page_gets_a_message_not_an_account(dx_client, desk_user):
    invite(dx_client)
    url = reverse("accounts:invitation_accept", args=[link_in_mail().rstrip("/").rsplit("/", 1)[1]])
    taken = Client().post(
        url, {"username": "desk", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "このユーザー名は使われています" in taken.content.decode()
    differ = Client().post(url, {"username": "hanako", "password1": NEW_PASSWORD, "password2": "x"})
    assert "2つのパスワードが違います" in differ.content.decode()
    weak = Client().post(url, {"username": "hanako", "password1": "123", "password2": "123"})
    assert weak.status_code == 200
    assert User.objects.filter(username="hanako").count() == 0
    assert Client().get(reverse("accounts:invitation_accept", args=["x" * 500])).status_code == 404


def test_sign_up_gives_no_role_and_needs_a_verified_address(client, settings):
    answer = client.post(
        reverse("account_signup"),
        {
            "email": "vol@example.jp",
            "username": "vol",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert answer["Location"] == reverse("account_email_verification_sent")
    account = User.objects.get(username="vol")
    assert account.groups.count() == 0
    assert "_auth_user_id" not in client.session
    confirm = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    # Logging in before verifying sends the mail again and stops.
    stopped = client.post(reverse("account_login"), {"login": "vol", "password": NEW_PASSWORD})
    assert stopped["Location"] == reverse("account_email_verification_sent")
    client.post(confirm)
    assert EmailAddress.objects.get(user=account).verified
    logged_in = client.post(reverse("account_login"), {"login": "vol", "password": NEW_PASSWORD})
    assert logged_in.status_code == 302 and client.session["_auth_user_id"] == str(account.pk)
    # Applying as a volunteer is what such an account can do; still no role until approved.
    assert client.get(reverse("volunteers:apply")).status_code == 200
    assert not can(account, Perm.VOLUNTEER_SELF)


def test_the_login_page_offers_sign_up_to_volunteers_only_while_open(client, settings):
    page = client.get(reverse("account_login")).content.decode()
    assert "招待で作ります" in page and "支援員" in page
    assert reverse("account_signup") in page
    settings.VOLUNTEER_SELF_SIGNUP = False
    assert reverse("account_signup") not in client.get(reverse("account_login")).content.decode()


def test_sign_up_can_be_closed(client, settings):
    settings.VOLUNTEER_SELF_SIGNUP = False
    page = client.get(reverse("account_signup"))
    assert "_auth_user_id" not in client.session
    client.post(
        reverse("account_signup"),
        {
            "email": "x@example.jp",
            "username": "x",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert not User.objects.filter(username="x").exists()
    assert page.status_code == 200
