"""Scanner passes: short-lived, renewed by the open page, and refused at the next scan once
their user logs out, is deactivated, or loses the venue role or the venue."""

import json
import time
import uuid
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse

from accounts.access import Role
from attendance.models import CheckIn
from attendance.tickets import ticket_issue
from tests.attendance.test_venue import API, book, pass_for, running_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(make, venue_user):
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    return venue


@pytest.fixture
def session(make, venue):
    return running_now(make, venue, capacity=20)


@pytest.fixture
def tokens(session, make, desk_user):
    def issue():
        booking = book(session, make.resident(), desk_user)
        return ticket_issue(booking_id=booking.pk, user=desk_user).token

    return issue


def post_scan(scan_pass, session, code):
    body = {"session": session.pk, "code": code, "nonce": str(uuid.uuid4())}
    # The phone's scanner sends no cookie: only the pass speaks for it.
    return Client().post(
        API, json.dumps(body), content_type="application/json", HTTP_X_SCAN_PASS=scan_pass
    )


def refused(response):
    return (
        response.status_code == 401
        and response.json()["message"]
        == "受付画面の有効期限が切れました。ページを読み込み直してください。"
    )


def renew(client, session):
    return client.get(reverse("attendance:venue_scan_pass_renew", args=[session.pk]))


def test_a_renewed_pass_scans_and_says_when_to_renew_again(venue_client, session, tokens):
    answer = renew(venue_client, session)
    assert answer.status_code == 200
    data = answer.json()
    assert data["renew_in"] == 5 * 60  # halfway through the default 10 minutes
    assert post_scan(data["pass"], session, tokens()).json()["result"] == "ok"


def test_the_page_tells_its_script_where_and_when_to_renew(venue_client, session):
    page = venue_client.get(reverse("attendance:venue_session", args=[session.pk])).content
    url = reverse("attendance:venue_scan_pass_renew", args=[session.pk])
    assert f'data-renew="{url}"'.encode() in page and b'data-renew-in="300"' in page


@override_settings(SCAN_PASS_MINUTES=2)
def test_a_pass_lasts_scan_pass_minutes(venue_client, session, tokens):
    scan_pass = pass_for(venue_client, session)
    soon = time.time() + 110
    with mock.patch("django.core.signing.time.time", return_value=soon):
        assert post_scan(scan_pass, session, tokens()).json()["result"] == "ok"
    later = time.time() + 130
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert refused(post_scan(scan_pass, session, tokens()))


def test_logout_refuses_the_users_passes_and_their_renewal(venue_client, session, tokens):
    scan_pass = pass_for(venue_client, session)
    assert post_scan(scan_pass, session, tokens()).json()["ok"]
    before = CheckIn.objects.count()
    venue_client.post(reverse("account_logout"))
    assert refused(post_scan(scan_pass, session, tokens()))
    assert refused(post_scan(scan_pass, session, "NOSUCHTICKET"))  # unknown codes too
    assert CheckIn.objects.count() == before  # nothing logged for a refused pass
    assert renew(venue_client, session).status_code == 302  # to the login page


def test_another_users_logout_leaves_my_pass_alone(venue_client, dx_client, session, tokens):
    mine = pass_for(venue_client, session)
    dx_client.post(reverse("account_logout"))
    assert post_scan(mine, session, tokens()).json()["result"] == "ok"


def test_logging_in_again_gives_a_pass_that_works(venue_user, session, tokens):
    client = Client()
    client.force_login(venue_user)
    old = pass_for(client, session)
    client.logout()
    client.force_login(venue_user)
    assert refused(post_scan(old, session, tokens()))
    assert post_scan(renew(client, session).json()["pass"], session, tokens()).json()["ok"]


def test_deactivation_refuses_the_pass(venue_client, venue_user, session, tokens):
    scan_pass = pass_for(venue_client, session)
    venue_user.is_active = False
    venue_user.save()
    assert refused(post_scan(scan_pass, session, tokens()))


def test_a_deactivation_that_skips_signals_is_refused_too(
    venue_client, venue_user, django_user_model, session, tokens
):
    # A bulk update sends no signal; the scan's read sees the user inactive all the same.
    scan_pass = pass_for(venue_client, session)
    django_user_model.objects.filter(pk=venue_user.pk).update(is_active=False)
    assert refused(post_scan(scan_pass, session, tokens()))


def test_a_deleted_user_has_no_pass(venue_client, venue_user, session, tokens):
    scan_pass = pass_for(venue_client, session)
    CheckIn.objects.all().delete()
    venue_user.delete()
    assert refused(post_scan(scan_pass, session, tokens()))


def test_saving_the_user_for_other_reasons_keeps_the_pass(
    venue_client, venue_user, session, tokens
):
    scan_pass = pass_for(venue_client, session)
    venue_user.first_name = "花子"
    venue_user.save()
    venue_user.save(update_fields=["last_login"])
    assert post_scan(scan_pass, session, tokens()).json()["ok"]


@pytest.mark.parametrize(
    "take_away",
    [
        lambda user: user.groups.remove(Group.objects.get(name=Role.VENUE)),
        lambda user: Group.objects.get(name=Role.VENUE).user_set.remove(user),
        lambda user: user.groups.clear(),
        lambda user: Group.objects.get(name=Role.VENUE).user_set.clear(),
        lambda user: Group.objects.get(name=Role.VENUE).delete(),
    ],
    ids=[
        "user.groups.remove",
        "group.user_set.remove",
        "user.groups.clear",
        "group.clear",
        "delete",
    ],
)
def test_losing_the_venue_role_refuses_the_pass(
    venue_client, venue_user, session, tokens, take_away
):
    scan_pass = pass_for(venue_client, session)
    take_away(venue_user)
    assert refused(post_scan(scan_pass, session, tokens()))
    assert renew(venue_client, session).status_code == 403


@pytest.mark.parametrize(
    "take_away",
    [
        lambda user, venue: venue.staff.remove(user),
        lambda user, venue: user.staffed_venues.remove(venue),
        lambda user, venue: venue.staff.clear(),
        lambda user, venue: user.staffed_venues.clear(),
    ],
    ids=["venue.staff.remove", "user.staffed_venues.remove", "venue.clear", "user.clear"],
)
def test_losing_the_venue_refuses_the_pass(
    venue_client, venue_user, venue, session, tokens, take_away
):
    scan_pass = pass_for(venue_client, session)
    take_away(venue_user, venue)
    assert refused(post_scan(scan_pass, session, tokens()))
    assert renew(venue_client, session).status_code == 403


def test_being_given_another_venue_keeps_the_pass(venue_client, venue_user, make, session, tokens):
    scan_pass = pass_for(venue_client, session)
    make.venue(name="大王谷コミュニティセンター").staff.add(venue_user)
    assert post_scan(scan_pass, session, tokens()).json()["ok"]


def test_a_revoked_pass_costs_the_scan_no_extra_query(
    venue_client, venue_user, session, tokens, django_assert_max_num_queries
):
    # The check rides on the scan's one read (the fixed count of an accepted scan is
    # test_venue.test_a_scan_costs_a_fixed_number_of_queries): a refusal reads once, in its
    # savepoint, which it rolls back.
    scan_pass = pass_for(venue_client, session)
    venue_user.is_active = False
    venue_user.save()
    code = tokens()
    with django_assert_max_num_queries(4) as queries:
        assert refused(post_scan(scan_pass, session, code))
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1 and "INSERT" not in statements


def test_a_superuser_made_ordinary_loses_the_pass(admin_user, session, tokens):
    client = Client()
    client.force_login(admin_user)
    scan_pass = pass_for(client, session)
    admin_user.is_superuser = False
    admin_user.save()
    assert refused(post_scan(scan_pass, session, tokens()))


def test_a_password_change_refuses_the_pass(venue_client, venue_user, session, tokens):
    scan_pass = pass_for(venue_client, session)
    venue_user.set_password("a-new-password-for-tests-456")
    venue_user.save(update_fields=["password"])
    assert refused(post_scan(scan_pass, session, tokens()))
