"""Staff pages: the message log, a message's history, a resident's messages, the call list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes import notify
from classes.booking import booking_create
from classes.models import BookingStatus
from notifications.models import Call, CallOutcome, Message
from notifications.services import MessageSpec, message_status_report, messages_queue

pytestmark = pytest.mark.django_db


def log(n, **extra):
    values = {"channel": "sms", "purpose": "reminder", "to": "+819011112222"}
    values.update(extra)
    return messages_queue(
        [
            MessageSpec(
                template_key="t",
                text=f"お知らせ {i}",
                key=f"{values['purpose']}:{values['channel']}:{i}:{extra}",
                **values,
            )
            for i in range(n)
        ],
        now=extra.pop("now", None) if "now" in extra else timezone.now(),
    )


def test_the_log_filters_by_status_channel_purpose_and_date(
    desk_client, django_assert_max_num_queries
):
    log(3)
    log(2, channel="voice")
    offer = log(1, purpose="offer")[0]
    Message.objects.filter(pk=offer.pk).update(status="failed", error="Twilio 400 21211")
    url = reverse("notifications:message_list")
    # session, user, roles, count, page of messages
    with django_assert_max_num_queries(6):
        everything = desk_client.get(url)
    assert everything.context["page"].paginator.count == 6
    assert desk_client.get(url, {"channel": "voice"}).context["page"].paginator.count == 2
    failed = desk_client.get(url, {"status": "failed"})
    assert [m.pk for m in failed.context["page"]] == [offer.pk]
    assert "21211" in failed.content.decode()
    assert desk_client.get(url, {"purpose": "offer"}).context["page"].paginator.count == 1
    today = timezone.localdate().isoformat()
    assert desk_client.get(url, {"day": today}).context["page"].paginator.count == 6
    assert desk_client.get(url, {"day": "2001-01-01"}).context["page"].paginator.count == 0
    bad = desk_client.get(url, {"day": "昨日", "status": "nonsense"})
    assert bad.status_code == 200 and bad.context["page"].paginator.count == 6


def test_a_message_shows_its_history_and_can_be_stopped(desk_client, make):
    resident = make.resident(family_name="日高", given_name="花子")
    message = log(1, resident_id=resident.pk, booking_id=42)[0]
    page = desk_client.get(reverse("notifications:message_detail", args=[message.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "お知らせ 0" in text
    assert "日高 花子" in text and "予約番号" in text and "000042" in text
    desk_client.post(reverse("notifications:message_cancel", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == "cancelled"
    assert (
        desk_client.get(reverse("notifications:message_detail", args=[999999])).status_code == 404
    )


def test_a_resident_page_loads_their_messages(desk_client, make, django_assert_max_num_queries):
    resident = make.resident()
    mine = log(2, resident_id=resident.pk)
    log(1, resident_id=resident.pk + 1)
    detail = desk_client.get(reverse("residents:detail", args=[resident.pk]))
    partial_url = reverse("notifications:resident_messages", args=[resident.pk])
    assert partial_url in detail.content.decode()
    with django_assert_max_num_queries(4 + 2):  # + the access-log row and its resident
        partial = desk_client.get(partial_url, HTTP_HX_REQUEST="true")
    assert [m.pk for m in partial.context["messages_sent"]] == [m.pk for m in reversed(mine)]
    assert "<title" not in partial.content.decode()
    # Without JavaScript the link opens it as a page of its own, with a title and a language.
    page = desk_client.get(partial_url).content.decode()
    assert '<html lang="ja"' in page and "<title>この方へのメッセージ" in page


@pytest.fixture
def calls(make, desk_user):
    """A one-seat session tomorrow: a staff-call resident holds the seat (on today's call list)
    and another waits."""
    starts = timezone.localtime() + datetime.timedelta(days=1)
    session = make.session(starts_at=starts.replace(hour=13, minute=30), capacity=1)
    people = [make.resident(preferred_contact="staff_call") for _ in range(2)]
    bookings = [
        booking_create(session_id=session.pk, resident_id=p.pk, user=desk_user).booking
        for p in people
    ]
    _messages, calls = notify.day_before_reminders()
    return bookings, calls


def test_the_call_list_shows_who_to_phone_with_a_script(
    desk_client, calls, django_assert_max_num_queries
):
    _bookings, (first,) = calls
    # session, user, roles, calls, outcomes
    with django_assert_max_num_queries(6 + 2):  # + the access-log row and its residents
        page = desk_client.get(reverse("notifications:call_list"))
    html = page.content.decode()
    assert first.who in html and "明日" in html and first.phone in html
    assert reverse("notifications:call_outcome", args=[first.pk]) in html


def test_call_outcomes_are_logged_and_cancelled_cancels_the_booking(
    desk_client, desk_user, calls, followups
):
    (seat, waiting), (first,) = calls
    assert waiting.status == BookingStatus.WAITLISTED
    url = reverse("notifications:call_outcome", args=[first.pk])
    desk_client.post(url, {"outcome": "no_answer"})
    first.refresh_from_db()
    assert first.status == "no_answer"  # still on the list, to call again
    assert desk_client.get(reverse("notifications:call_list")).context["open_calls"][0] == first

    desk_client.post(url, {"outcome": "cancelled", "note": "体調不良"})
    followups.run()
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert (seat.status, seat.cancel_reason) == ("cancelled", "by_resident")
    assert waiting.status == BookingStatus.OFFERED
    assert list(CallOutcome.objects.filter(call=first).values_list("outcome", "note", "by")) == [
        ("no_answer", "", desk_user.pk),
        ("cancelled", "体調不良", desk_user.pk),
    ]
    # The waiting resident asked for staff calls: their offer is on the list now.
    assert Call.objects.filter(purpose="offer", booking_id=waiting.pk).exists()

    again = desk_client.post(url, {"outcome": "reached"}, follow=True)
    assert again.status_code == 200
    assert CallOutcome.objects.filter(call=first).count() == 2
    assert desk_client.post(url, {"outcome": "open"}).status_code == 302
    assert desk_client.post(url, {}).status_code == 302


def test_venue_staff_and_volunteers_have_no_call_list(venue_client):
    assert venue_client.get(reverse("notifications:call_list")).status_code == 403


def test_a_messages_history_and_error_read_in_japanese(desk_client, settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "00:00", "23:59"
    message = log(1)[0]  # inside the quiet hours: it waits for the morning
    Message.objects.filter(pk=message.pk).update(status="sent", sent_at=timezone.now())
    message_status_report(
        token=message.token, provider_status="undelivered", provider_id="SM1", error_code="30003"
    )

    html = desk_client.get(reverse("notifications:message_detail", args=[message.pk])).content
    text = html.decode()

    assert "まで送信を待ちます" in text
    assert (
        "送信会社からの報告: 届きませんでした（エラー 30003: 電話につながりません"
        "（電源が切れているか圏外））" in text
    )
    for english in ("waits until", "provider:", "undelivered", "error 30003"):
        assert english not in text
