"""The public calendar: upcoming, scheduled sessions only, filtered from the query string,
with the seats a newcomer could take, in a bounded number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create, session_cancel
from classes.models import Series
from tests.factories import days_ahead

pytestmark = pytest.mark.django_db


def listed(client, **params):
    response = client.get(reverse("selfbook:calendar"), params)
    assert response.status_code == 200
    return [s.pk for _day, sessions in response.context["days"] for s in sessions]


def test_only_sessions_that_can_still_be_booked(client, make):
    coming = make.session()
    cancelled = make.session()
    session_cancel(session_id=cancelled.pk, user=None, reason="講師の都合")
    past = make.session(starts_at=days_ahead(-2))
    retired = make.session(course=make.course(is_active=False))
    closed_venue = make.session(venue=make.venue(is_active=False))
    assert listed(client) == [coming.pk]
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    assert past.pk not in listed(client, date_from=week_ago.isoformat())
    assert {cancelled.pk, retired.pk, closed_venue.pk}.isdisjoint(listed(client))


def test_filters_by_date_venue_kind_and_phone(client, make):
    here, there = make.venue(), make.venue()
    android = make.course(category="smartphone_basic", device_os="android")
    iphone = make.course(category="smartphone_basic", device_os="iphone")
    any_phone = make.course(category="consultation")
    a = make.session(venue=here, course=android, starts_at=days_ahead(3))
    b = make.session(venue=there, course=iphone, starts_at=days_ahead(4))
    c = make.session(venue=here, course=any_phone, starts_at=days_ahead(10))
    assert listed(client) == [a.pk, b.pk, c.pk]
    assert listed(client, venue=here.pk) == [a.pk, c.pk]
    assert listed(client, category="consultation") == [c.pk]
    assert listed(client, device_os="iphone") == [b.pk, c.pk]  # and courses for any phone
    day = (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    assert listed(client, date_from=day, date_to=day) == [b.pk]
    assert listed(client, date_from="2026年13月40日") == [a.pk, b.pk, c.pk]  # a bad date is ignored


def test_seats_left_and_full_sessions(client, make):
    roomy = make.session(capacity=5, starts_at=days_ahead(3))
    full = make.session(capacity=1, starts_at=days_ahead(4))
    booking_create(session_id=roomy.pk, resident_id=make.resident().pk, user=None)
    booking_create(session_id=roomy.pk, resident_id=make.resident().pk, user=None)
    booking_create(session_id=full.pk, resident_id=make.resident().pk, user=None)
    page = client.get(reverse("selfbook:calendar")).content.decode()
    assert "残り3席" in page and "満席・キャンセル待ち" in page
    assert listed(client, seats="on") == [roomy.pk]


def test_grouped_by_day_and_paged(client, make):
    for n in range(25):
        make.session(starts_at=days_ahead(1 + n // 5, hour=9 + n % 5))
    first = client.get(reverse("selfbook:calendar"))
    assert len(first.context["days"]) == 4 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("selfbook:calendar"), {"page": 2})
    assert [len(sessions) for _day, sessions in second.context["days"]] == [5]
    assert "次のページ" in first.content.decode()


def test_a_session_of_a_series_booked_as_a_whole_is_left_to_the_desk(client, make):
    venue = make.venue()
    series = Series.objects.create(
        title="3回コース",
        venue=venue,
        frequency=Series.Frequency.WEEKLY,
        weekday=2,
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + datetime.timedelta(days=30),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        capacity=10,
        book_as_whole=True,
    )
    part = make.session(venue=venue, series=series)
    assert part.pk not in listed(client)
    assert client.get(reverse("selfbook:session", args=[part.pk])).status_code == 404


def test_the_calendar_answers_in_a_few_queries_whatever_the_number_of_sessions(
    client, make, django_assert_max_num_queries
):
    for n in range(30):
        session = make.session(starts_at=days_ahead(1 + n % 7, hour=9 + n % 8))
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=None)
    with django_assert_max_num_queries(6):
        client.get(reverse("selfbook:calendar"))
    with django_assert_max_num_queries(6):
        client.get(reverse("selfbook:session", args=[session.pk]))
