"""Every look at a resident's record, search that lists residents, export of personal data,
registration, edit and merge leaves one access-log row naming the residents, never what was
typed."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.tickets import ticket_issue
from audit.models import AccessLog
from classes.booking import booking_create, session_cancel
from notifications.models import Call, Purpose
from notifications.services import MessageSpec, messages_queue
from residents.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def taro(make):
    return make.resident(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_year=1950,
        phone_mobile="+819012345678",
    )


def the_entry():
    """The one row the request wrote, with the ids of its residents."""
    entry = AccessLog.objects.get()
    entry.ids = set(entry.residents.values_list("resident_id", flat=True))
    return entry


def assert_no_search_text(*texts):
    for entry in AccessLog.objects.all():
        for text in texts:
            assert text not in f"{entry.what} {entry.purpose}", text


# --- views of a resident's record ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("residents:detail", "resident page"),
        ("residents:edit", "resident edit page"),
        ("classes:resident_bookings", "resident bookings"),
        ("notifications:resident_messages", "resident messages"),
    ],
)
def test_opening_a_residents_page_is_recorded(desk_client, desk_user, taro, url_name, what):
    assert desk_client.get(reverse(url_name, args=[taro.pk])).status_code == 200
    entry = the_entry()
    assert (entry.user, entry.action, entry.what, entry.ids) == (desk_user, "view", what, {taro.pk})
    assert entry.roles == "desk" and entry.resident_count == 1


def test_the_desks_resident_card_is_recorded(desk_client, desk_user, taro):
    url = reverse("classes:desk_resident", args=[taro.pk])
    assert desk_client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert desk_client.get(reverse("classes:desk"), {"resident": taro.pk}).status_code == 200
    entries = list(AccessLog.objects.all())
    assert [(e.action, e.what) for e in entries] == [("view", "desk resident card")] * 2
    assert {e.residents.get().resident_id for e in entries} == {taro.pk}


def test_a_message_page_about_a_resident_is_recorded(desk_client, desk_user, taro):
    message = messages_queue(
        [
            MessageSpec(
                template_key="t",
                text="お知らせ",
                key="reminder:sms:1",
                channel="sms",
                purpose="reminder",
                to="+819012345678",
                resident_id=taro.pk,
            )
        ]
    )[0]
    assert desk_client.get(reverse("notifications:message_detail", args=[message.pk])).status_code
    entry = the_entry()
    assert (entry.action, entry.what, entry.ids) == ("view", "message page", {taro.pk})


def test_the_message_list_records_the_residents_it_shows(desk_client, taro):
    messages_queue(
        [
            MessageSpec(
                template_key="t",
                text="山田様、明日の教室のお知らせです",
                key="reminder:sms:2",
                channel="sms",
                purpose="reminder",
                to="+819012345678",
                resident_id=taro.pk,
            )
        ]
    )
    assert desk_client.get(reverse("notifications:message_list")).status_code == 200
    entry = the_entry()
    assert (entry.action, entry.what, entry.ids) == ("search", "message list", {taro.pk})


def test_a_page_that_is_not_found_records_nothing(desk_client):
    assert desk_client.get(reverse("residents:detail", args=[987654])).status_code == 404
    assert not AccessLog.objects.exists()


# --- searches ---------------------------------------------------------------------------------


def test_a_residents_search_records_who_it_listed_not_what_was_typed(
    desk_client, desk_user, taro, make
):
    other = make.resident(family_name_kana="ヤマモト", phone_mobile="+819012340000")
    make.resident(family_name_kana="スズキ", phone_mobile="+818011112222")

    desk_client.post(reverse("residents:search"), {"q": "090-1234"})

    entry = the_entry()
    assert (entry.user, entry.action, entry.what) == (desk_user, "search", "resident search")
    assert entry.ids == {taro.pk, other.pk} and entry.resident_count == 2
    assert_no_search_text("090", "1234")


def test_the_desk_search_is_recorded_as_such(desk_client, taro):
    desk_client.post(reverse("residents:search"), {"q": "ﾔﾏﾀﾞ", "for": "desk"})
    entry = the_entry()
    assert (entry.action, entry.what, entry.ids) == ("search", "desk search", {taro.pk})
    assert_no_search_text("ﾔﾏﾀﾞ", "やまだ", "ヤマダ")


def test_a_search_that_finds_nobody_records_nothing(desk_client, taro):
    desk_client.post(reverse("residents:search"), {"q": "わたなべ"})
    assert not AccessLog.objects.exists()


def test_the_walk_in_search_is_recorded(venue_client, venue_user, taro, make):
    venue = make.venue()
    venue.staff.add(venue_user)
    session = make.session(venue=venue)
    url = reverse("attendance:venue_walkin_search", args=[session.pk])

    venue_client.post(url, {"q": "やまだ たろう 昭和25年"}, HTTP_HX_REQUEST="true")

    entry = the_entry()
    assert (entry.user, entry.action, entry.what) == (venue_user, "search", "walk-in search")
    assert entry.ids == {taro.pk} and entry.roles == "venue"
    assert_no_search_text("やまだ", "たろう", "昭和25")


# --- exports ----------------------------------------------------------------------------------


def test_printing_a_ticket_is_recorded_as_an_export_of_one(desk_client, desk_user, taro, make):
    booking = booking_create(
        session_id=make.session().pk, resident_id=taro.pk, user=desk_user
    ).booking
    ticket_issue(booking_id=booking.pk)
    response = desk_client.get(reverse("attendance:staff_ticket_pdf", args=[booking.pk]))
    assert response["Content-Type"] == "application/pdf"
    entry = the_entry()
    assert (entry.action, entry.what, entry.row_count, entry.ids) == (
        "export",
        "ticket PDF",
        1,
        {taro.pk},
    )


# --- changes ----------------------------------------------------------------------------------


def test_registering_a_resident_is_recorded(desk_client, desk_user):
    response = desk_client.post(
        reverse("residents:create"),
        {
            "family_name": "田中",
            "given_name": "一郎",
            "family_name_kana": "たなか",
            "given_name_kana": "いちろう",
            "phone_mobile": "090-5555-6666",
            "smartphone": "smartphone",
            "preferred_contact": "staff_call",
        },
    )
    assert response.status_code == 302
    created = Resident.objects.get(family_name="田中")
    entry = the_entry()
    assert (entry.user, entry.action, entry.ids) == (desk_user, "create", {created.pk})


def test_an_edit_is_recorded_with_the_page_it_was_made_on(desk_client, desk_user, taro):
    url = reverse("residents:edit", args=[taro.pk])
    form = desk_client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(notes="補聴器あり", version=form.initial["version"])
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    response = desk_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert [(e.action, e.what) for e in AccessLog.objects.order_by("pk")] == [
        ("view", "resident edit page"),
        ("edit", "resident"),
    ]
    assert AccessLog.objects.filter(action="edit").get().residents.get().resident_id == taro.pk


def test_a_merge_is_recorded_with_both_records(desk_client, desk_user, taro, make):
    twin = make.resident(family_name_kana="ヤマダ", given_name_kana="タロウ", birth_year=1950)
    url = reverse("residents:merge", args=[taro.pk])
    desk_client.get(url, {"other": twin.pk})
    response = desk_client.post(url, {"other": twin.pk, "keep": taro.pk})
    assert response.status_code == 302
    entries = list(AccessLog.objects.order_by("pk"))
    assert [(e.action, e.what) for e in entries] == [
        ("view", "merge comparison"),
        ("merge", "resident"),
    ]
    for entry in entries:
        assert set(entry.residents.values_list("resident_id", flat=True)) == {taro.pk, twin.pk}


def test_a_walk_in_registered_at_the_venue_is_recorded(venue_client, venue_user, make):
    venue = make.venue()
    venue.staff.add(venue_user)
    session = make.session(venue=venue, starts_at=make.earlier_today(10))
    data = {
        "walkin-nonce": str(uuid.uuid4()),
        "walkin-family_name": "田中",
        "walkin-given_name": "一郎",
        "walkin-family_name_kana": "たなか",
        "walkin-given_name_kana": "いちろう",
    }
    venue_client.post(reverse("attendance:venue_walkin", args=[session.pk]), data)
    created = Resident.objects.get(family_name="田中")
    entry = the_entry()
    assert (entry.user, entry.action, entry.ids) == (venue_user, "create", {created.pk})


def test_the_contact_list_of_a_cancelled_session_is_recorded(desk_client, desk_user, taro, make):
    session = make.session()
    booking_create(session_id=session.pk, resident_id=taro.pk, user=desk_user)
    session_cancel(session_id=session.pk, reason="台風", user=desk_user)
    assert not AccessLog.objects.exists()
    desk_client.get(reverse("classes:session_contacts", args=[session.pk]))
    entry = the_entry()
    assert (entry.action, entry.what, entry.ids) == ("view", "contact list", {taro.pk})


def test_the_call_list_is_recorded_with_the_residents_on_it(desk_client, desk_user, taro):
    Call.objects.create(
        day=timezone.localdate(),
        purpose=Purpose.REMINDER,
        who=taro.full_name,
        phone="090-1234-5678",
        script="明日の教室のご案内です。",
        key="recording:call:1",
        resident_id=taro.pk,
    )
    assert desk_client.get(reverse("notifications:call_list")).status_code == 200
    entry = the_entry()
    assert (entry.action, entry.what, entry.ids) == ("view", "call list", {taro.pk})
