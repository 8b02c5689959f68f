"""The DX office browses the access log by staff member, resident, action and week, finds a
resident by POST, and exports the log as CSV with a stated purpose; each look is logged."""

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AccessLog, Action
from audit.services import access_record
from tests import factories
from tests.factories import tokyo

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")


def shown(response):
    return [(row.staff, row.what) for row in response.context["rows"]]


def test_only_the_dx_office_opens_the_log(dx_client, desk_client, venue_client):
    assert dx_client.get(LOG).status_code == 200
    assert desk_client.get(LOG).status_code == 403
    assert venue_client.get(LOG).status_code == 403


def test_the_log_shows_this_week_in_tokyo_by_default(dx_client, desk_user, settings):
    access_record(user=desk_user, action=Action.VIEW, what="resident page")
    access_record(user=desk_user, action=Action.VIEW, what="old", now=tokyo(2020, 1, 6, 9))

    response = dx_client.get(LOG)

    assert shown(response) == [("desk", "住民のページ")]
    assert "閲覧" in response.content.decode()  # the action, in Japanese


def test_the_log_is_filtered_by_staff_action_and_dates(dx_client, desk_user, dx_user):
    first = factories.resident()
    when = tokyo(2026, 3, 2, 0, 30)  # Monday 00:30 in Tokyo: still Sunday in UTC
    access_record(user=desk_user, action=Action.VIEW, what="a", residents=[first], now=when)
    access_record(user=desk_user, action=Action.SEARCH, what="b", now=when)
    access_record(user=dx_user, action=Action.VIEW, what="c", now=when)
    access_record(user=dx_user, action=Action.VIEW, what="d", now=tokyo(2026, 3, 1, 23, 59))
    period = {"date_from": "2026-03-02", "date_to": "2026-03-08"}

    assert shown(dx_client.get(LOG, {**period, "staff": desk_user.pk})) == [
        ("desk", "b"),
        ("desk", "a"),
    ]
    assert shown(dx_client.get(LOG, {**period, "action": "search"})) == [("desk", "b")]
    assert len(shown(dx_client.get(LOG, period))) == 3
    assert shown(dx_client.get(LOG, {"date_from": "2026-03-01", "date_to": "2026-03-01"})) == [
        ("dx", "d")
    ]


def test_bad_filters_get_a_japanese_message_not_an_error(dx_client):
    response = dx_client.get(LOG, {"date_from": "2026-03-09", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "終了日が開始日より前になっています" in response.content.decode()
    response = dx_client.get(LOG, {"resident": "abc", "action": "nonsense"})
    assert response.status_code == 200


def test_the_log_about_a_resident_names_them_and_is_itself_logged(dx_client, desk_user, dx_user):
    one, other = factories.resident(family_name="山田", given_name="太郎"), factories.resident()
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[one])
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[other])

    response = dx_client.get(LOG, {"resident": one.pk})

    assert shown(response) == [("desk", "住民のページ")]
    body = response.content.decode()
    assert "山田 太郎" in body
    assert reverse("residents:detail", args=[one.pk]) in body
    latest = AccessLog.objects.first()
    assert (latest.user, latest.action) == (dx_user, "view")
    assert latest.what == "access log about a resident"
    assert list(latest.residents.values_list("resident_id", flat=True)) == [one.pk]


def test_a_resident_is_found_by_post_and_the_search_is_logged(dx_client, dx_user):
    one = factories.resident(family_name_kana="ミナミ", given_name_kana="ハナコ", birth_year=1948)

    response = dx_client.post(reverse("audit:find_resident"), {"q": "ミナミ ハナコ"})

    assert response.status_code == 200
    assert [r.pk for r in response.context["found"]] == [one.pk]
    assert f"?resident={one.pk}" in response.content.decode()
    latest = AccessLog.objects.first()
    assert (latest.action, latest.what) == ("search", "access log resident search")
    empty = dx_client.post(reverse("audit:find_resident"), {"q": ""})
    assert "名前か電話番号を入力してください" in empty.content.decode()
    assert dx_client.get(reverse("audit:find_resident")).status_code == 405


def test_the_resident_page_links_to_their_log_for_the_office_only(dx_client, desk_client):
    one = factories.resident()
    page = reverse("residents:detail", args=[one.pk])
    link = f'{LOG}?resident={one.pk}"'
    assert link in dx_client.get(page).content.decode()
    assert link not in desk_client.get(page).content.decode()


def test_the_export_needs_a_purpose(dx_client):
    response = dx_client.post(reverse("audit:export"), {"purpose": ""})
    assert response.status_code == 400
    assert "出力する理由を書いてください" in response.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_export_is_csv_with_a_bom_and_is_logged(dx_client, desk_user, dx_user):
    one = factories.resident(family_name="山田", given_name="太郎")
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[one])
    access_record(user=desk_user, action=Action.SEARCH, what="desk search")

    response = dx_client.post(
        reverse("audit:export"), {"purpose": "月次点検", "staff": desk_user.pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["日時", "職員", "役割", "操作"]
    assert len(lines) == 3
    assert lines[2][3] == "閲覧" and lines[2][5] == str(one.pk) and lines[2][6] == "山田 太郎"
    assert lines[2][2] == "受付担当"
    logged = AccessLog.objects.first()
    assert (logged.user, logged.action, logged.what) == (dx_user, "export", "access log CSV")
    assert (logged.row_count, logged.purpose) == (2, "月次点検")


def test_the_export_refuses_other_roles(desk_client):
    assert desk_client.post(reverse("audit:export"), {"purpose": "x"}).status_code == 403


def test_the_log_is_paginated_in_a_fixed_number_of_queries(
    dx_client, desk_user, django_assert_max_num_queries
):
    residents = [factories.resident() for _ in range(3)]
    for n in range(51):
        access_record(user=desk_user, action=Action.VIEW, what=f"page {n}", residents=residents)

    with django_assert_max_num_queries(8):
        first = dx_client.get(LOG)
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode()
    second = dx_client.get(LOG, {"page": 2})
    assert shown(second) == [("desk", "page 0")]
