"""The desk's 「ウェブ予約の確認」: records the web registered, confirmed or merged; and the
「ウェブ」 badge on the desk's booking lists."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from classes.booking import booking_create
from classes.models import BookingSource
from residents.services import resident_merge
from selfbook.models import Review, WebBooking, WebBookingStatus

pytestmark = pytest.mark.django_db


def web_registered(make, session, **fields):
    resident = make.resident(**fields)
    booking = booking_create(
        session_id=session.pk, resident_id=resident.pk, user=None, source=BookingSource.WEB
    ).booking
    return WebBooking.objects.create(
        session=session,
        status=WebBookingStatus.BOOKED,
        consent_contact=True,
        form_nonce=uuid.uuid4(),
        resident=resident,
        booking=booking,
        review=Review.PENDING,
        booked_at=timezone.now(),
    )


def test_the_desk_confirms_a_new_record(desk_client, desk_user, make):
    session = make.session()
    item = web_registered(make, session, family_name="鬼束", given_name="麗子")
    page = desk_client.get(reverse("selfbook:review_list"))
    text = page.content.decode()
    assert "ウェブ予約の確認" in text and "鬼束 麗子" in text
    assert reverse("residents:merge", args=[item.resident_id]) in text
    entry = AccessLog.objects.get(what="web booking check list")
    assert entry.user == desk_user and entry.resident_count == 1

    answer = desk_client.post(reverse("selfbook:review_confirm", args=[item.pk]))
    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.review, item.reviewed_by) == (Review.CONFIRMED, desk_user)
    assert "鬼束" not in desk_client.get(reverse("selfbook:review_list")).content.decode()
    again = desk_client.post(reverse("selfbook:review_confirm", args=[item.pk]), follow=True)
    assert "すでに確認済み" in again.content.decode()


def test_merging_the_new_record_needs_no_more_checking(desk_user, make):
    session = make.session()
    existing = make.resident()
    item = web_registered(make, session)
    resident_merge(keep_id=existing.pk, remove_id=item.resident_id, user=desk_user)
    item.refresh_from_db()
    assert item.review == Review.MERGED and item.reviewed_by == desk_user
    assert item.booking.resident_id == existing.pk


def test_the_list_answers_in_a_few_queries(desk_client, make, django_assert_max_num_queries):
    session = make.session(capacity=50)
    for _ in range(20):
        web_registered(make, session)
    with django_assert_max_num_queries(12):
        desk_client.get(reverse("selfbook:review_list"))


def test_web_bookings_carry_a_badge_on_the_desk_lists(desk_client, make):
    session = make.session()
    item = web_registered(make, session)
    by_phone = make.resident()
    booking_create(session_id=session.pk, resident_id=by_phone.pk, user=None)
    roster = desk_client.get(reverse("classes:session_detail", args=[session.pk])).content
    assert roster.decode().count('class="badge web"') == 1
    card = desk_client.get(reverse("classes:resident_bookings", args=[item.resident_id]))
    assert 'class="badge web"' in card.content.decode()
    other = desk_client.get(reverse("classes:resident_bookings", args=[by_phone.pk]))
    assert 'class="badge web"' not in other.content.decode()
