"""Which of a resident's personal fields each role can see: every page the role can reach
(the access matrix's PAGES, with its objects) and every search it can send, opened on data where
one resident's name, reading, phones, birth date, district and notes are distinctive strings. The
fields found in all the responses must be exactly the role's allowed set.

Least privilege, pinned: venue staff see names, readings, birth years and the last 4 digits of
a phone (what confirms who is in front of them), never a whole number; volunteers see the names
(with their readings) of the people on the help-session slots of their own shifts, to record
those consultations, and nothing more; a page that starts showing more fails here.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create, session_cancel
from classes.models import Session
from notifications.models import Call, Channel, Message, Purpose
from residents.models import Resident
from tests.test_access_matrix import (
    PAGES,
    PUBLIC,
    ROLES,
    SCAN_PASS,
    USERS,
    objects,  # noqa: F401  (the matrix's fixture, used by `world`)
    url_for,
)

pytestmark = pytest.mark.django_db

DISTINCT = {
    "family_name": "鬼束",
    "given_name": "麗子",
    "family_name_kana": "オニツカ",
    "given_name_kana": "レイコ",
    "birth_date": datetime.date(1937, 11, 7),
    "phone_mobile": "+819087659713",
    "phone_home": "+81982461358",
    "district": "細島ニ丁目",
    "notes": "左耳が聞こえにくいQZX",
}

# A field is seen when any of its forms appears in a response. Digits are matched only where no
# ASCII letter, digit, "-" or "_" touches them, so a CSRF token or a signed pass never counts.
_ALONE = r"(?<![A-Za-z0-9_-]){}(?![A-Za-z0-9_-])"
FIELDS = {
    "name": [re.escape("鬼束")],
    "kana": ["オニツカ", "おにつか"],
    "birth_year": [_ALONE.format("1937"), "昭和12"],
    "birth_date": ["1937年11月7日", "1937-11-07", "1937/11/07", "昭和12年11月7日"],
    "phone": [
        r"090-?8765-?9713",
        re.escape("+819087659713"),
        r"0982-?46-?1358",
        re.escape("+81982461358"),
    ],
    "phone_last4": [_ALONE.format("9713"), _ALONE.format("1358")],
    "district": ["細島ニ丁目"],
    # The note itself, not its "QZX" alone: random tokens on a page (a calendar feed's address)
    # can hold those three letters.
    "notes": ["左耳が聞こえにくい"],
}
EVERYTHING = set(FIELDS)
# What each role may see of a resident, across every page and search it can reach.
ALLOWED = {
    "desk": EVERYTHING,
    "dx": EVERYTHING,
    "admin": EVERYTHING,
    "venue": {"name", "kana", "birth_year", "phone_last4"},
    # The matrix's volunteer has a shift on a help-session slot the resident is booked on.
    "volunteer": {"name", "kana"},
    "nobody": set(),
}


def seen_in(text, typed=""):
    """The fields whose forms appear in `text`, leaving out the search box's own echo of what
    was typed. A whole phone number shows its last 4 digits too."""
    if typed:
        text = text.replace(typed, "")
    seen = {field for field, forms in FIELDS.items() if any(re.search(f, text) for f in forms)}
    if "phone" in seen:
        seen.add("phone_last4")
    return seen


@pytest.fixture
def world(objects, make):  # noqa: F811
    """The matrix's objects, with its booked resident made distinctive, a message and a call
    about them, and another resident to look for them from (merging)."""
    resident = Resident.objects.get(pk=objects["resident"])
    for name, value in DISTINCT.items():
        setattr(resident, name, value)
    resident.save()
    Message.objects.create(
        channel=Channel.SMS,
        to=DISTINCT["phone_mobile"],
        purpose=Purpose.REMINDER,
        template_key="reminder_sms",
        text="明日の教室のお知らせ",
        key="fields:1",
        resident_id=resident.pk,
        booking_id=objects["booking"],
    )
    Call.objects.create(
        day=timezone.localdate(),
        purpose=Purpose.REMINDER,
        who=resident.full_name,
        phone="090-8765-9713",
        script="明日の教室のご案内です。",
        key="fields:call:1",
        resident_id=resident.pk,
        booking_id=objects["booking"],
    )
    # A cancelled session of the same venue: its contact list is a page of phone numbers.
    booked = Session.objects.get(pk=objects["session"])
    cancelled = make.session(
        venue=booked.venue, starts_at=booked.starts_at + datetime.timedelta(days=1)
    )
    booking_create(session_id=cancelled.pk, resident_id=resident.pk, user=None)
    session_cancel(session_id=cancelled.pk, reason="台風", user=None)
    return {**objects, "other_resident": make.resident().pk, "cancelled": cancelled.pk}


# Pages the matrix opens for its own session, opened again for the cancelled one.
CANCELLED_PAGES = ["classes:session_detail", "classes:session_contacts", "attendance:roster_pdf"]


def searches(world):
    """Every search box, sent as the page sends it (POST), with what finds the resident."""
    session = world["session"]
    walkin = reverse("attendance:venue_walkin_search", args=[session])
    roster = reverse("attendance:venue_roster", args=[session])
    found_by = ["おにつか", "090-8765-9713", "おにつか れいこ 1937", "オニツカ レイコ 昭和12年"]
    for text in found_by:
        yield reverse("residents:search"), {"q": text}
        yield reverse("residents:search"), {"q": text, "for": "desk"}
        yield reverse("residents:list"), {"q": text}
        yield reverse("residents:merge", args=[world["other_resident"]]), {"q": text}
        yield walkin, {"q": text}
        yield roster, {"q": text}


def responses(client, world):
    """Every response the logged-in client gets: each page (as htmx asks and as a browser
    does), each search. Residents' own token pages are left to their own test below."""
    for name, (perm, _key) in PAGES.items():
        if perm in (PUBLIC, SCAN_PASS):
            continue
        url = url_for(name, world)
        for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
            response = client.get(url, **headers)
            if response.status_code == 200:
                yield name, response, ""
    for name in CANCELLED_PAGES:
        response = client.get(reverse(name, args=[world["cancelled"]]))
        if response.status_code == 200:
            yield name, response, ""
    for url, data in searches(world):
        for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
            response = client.post(url, data, **headers)
            if response.status_code == 200:
                yield url, response, data["q"]


def text_of(response):
    if response.get("Content-Type", "").startswith("application/pdf"):
        return ""  # PDFs are checked by the roster's own tests (tests/attendance/test_pdf.py)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("role", list(USERS))
def test_each_role_sees_exactly_the_resident_fields_it_may(request, client, world, role):
    client.force_login(request.getfixturevalue(USERS[role]))
    seen, where = set(), {}
    for name, response, typed in responses(client, world):
        for field in seen_in(text_of(response), typed):
            seen.add(field)
            where.setdefault(field, name)
    assert seen == ALLOWED[role], f"{role}: first seen at {where}"


def test_nobody_but_staff_with_the_residents_permission_sees_a_whole_phone_number():
    for role, allowed in ALLOWED.items():
        if "phone" in allowed:
            assert "residents.view" in {str(p) for p in ROLES[role]}, role


def test_a_residents_own_ticket_pages_name_them_and_nothing_more(client, world):
    seen = set()
    for name, (perm, _key) in PAGES.items():
        if perm == PUBLIC:
            seen |= seen_in(text_of(client.get(url_for(name, world))))
    assert seen <= {"name"}
