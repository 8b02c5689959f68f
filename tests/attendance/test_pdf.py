"""Printed tickets (A4, postcard) and the paper roster, read back with poppler and zbar."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from attendance.models import Ticket
from attendance.tickets import ticket_issue
from audit.models import AccessLog
from classes.booking import booking_create, offer_accept
from classes.models import BookingStatus
from tests.factories import tokyo

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)
POSTCARD_POINTS = (283.46, 419.53)  # 100 × 148 mm


# --- reading PDFs back (Debian's poppler-utils and zbar-tools) ----------------------------


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make install` installs poppler-utils and zbar-tools")
    return path


def pdf_text(content):
    return subprocess.run(
        [tool("pdftotext"), "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def pdf_fonts(content):
    """(font name, embedded?) for each font in the PDF."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        out = subprocess.run(
            [tool("pdffonts"), file.name], capture_output=True, check=True, text=True
        ).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        # name  type (may hold spaces)  encoding  emb sub uni  object ID
        match = re.match(r"(\S+)\s.*\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        if match:
            fonts.append((match.group(1), match.group(2) == "yes"))
    return fonts


def pdf_info(content):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return subprocess.run(
            [tool("pdfinfo"), file.name], capture_output=True, check=True, text=True
        ).stdout


def pdf_page_size(content):
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", pdf_info(content))
    return float(match.group(1)), float(match.group(2))


def pdf_pages(content):
    return int(re.search(r"Pages:\s+(\d+)", pdf_info(content)).group(1))


def pdf_qr_codes(content):
    """Every QR code zbar reads on the PDF's pages, rendered at 150 dpi."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "in.pdf"
        pdf.write_bytes(content)
        subprocess.run(
            [tool("pdftoppm"), "-r", "150", "-png", str(pdf), str(Path(folder) / "page")],
            check=True,
        )
        pages = sorted(str(p) for p in Path(folder).glob("page*.png"))
        assert pages, "pdftoppm rendered no page"
        result = subprocess.run(
            [tool("zbarimg"), "--raw", "-q", *pages], capture_output=True, text=True
        )
    # zbarimg exits 4 when it finds no code at all: that is an empty answer, not an error.
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.splitlines() if line]


def assert_cjk_font_embedded(content):
    fonts = pdf_fonts(content)
    cjk = [(name, embedded) for name, embedded in fonts if "CJK" in name or "IPAex" in name]
    assert cjk, f"no Japanese font in {fonts}"
    assert all(embedded for _name, embedded in cjk), fonts


def assert_size(content, expected):
    width, height = pdf_page_size(content)
    assert abs(width - expected[0]) < 1 and abs(height - expected[1]) < 1, (width, height)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def booked(make, desk_user):
    venue = make.venue(name="日知屋公民館", address="宮崎県日向市日知屋1-2-3")
    session = make.session(
        venue=venue,
        course=make.course(title="はじめてのスマホ教室"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
        capacity=1,
    )
    resident = make.resident(family_name="日向", given_name="花子")
    return booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user).booking


def staff_pdf(client, booking, size=None):
    url = reverse("attendance:staff_ticket_pdf", args=[booking.pk])
    return client.get(url, {"size": size} if size else {})


# --- tickets -------------------------------------------------------------------------------


def test_a4_ticket_has_the_class_in_japanese_and_a_qr_that_scans(desk_client, booked):
    response = staff_pdf(desk_client, booked, "a4")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="ticket-{booked.number}.pdf"'
    content = response.content
    text = pdf_text(content)
    for expected in (
        "受講票",
        "はじめてのスマホ教室",
        "2031年12月10日（水） 13:30〜15:00",
        "日知屋公民館",
        "宮崎県日向市日知屋1-2-3",
        "日向 花子 様",
        booked.number,
        "スマートフォン（充電しておいてください）",
        "0982-52-2111",
    ):
        assert expected in text, expected
    assert_cjk_font_embedded(content)
    assert_size(content, A4_POINTS)
    assert pdf_pages(content) == 1
    ticket = Ticket.objects.get(booking=booked, revoked_at__isnull=True)  # issued on need
    assert pdf_qr_codes(content) == [f"http://testserver/t/{ticket.token}/"]
    code = f"{ticket.short_code[:4]}-{ticket.short_code[4:]}"
    assert f"受付コード {code}" in text  # typed by hand when the QR cannot be read


def test_postcard_ticket_is_100_by_148_mm_and_its_qr_scans(dx_client, booked):
    content = staff_pdf(dx_client, booked, "postcard").content

    assert_size(content, POSTCARD_POINTS)
    assert pdf_pages(content) == 1  # the whole ticket on one card
    assert_cjk_font_embedded(content)
    text = pdf_text(content)
    assert "はじめてのスマホ教室" in text and "日知屋公民館" in text
    ticket = ticket_issue(booking_id=booked.pk)
    assert pdf_qr_codes(content) == [f"http://testserver/t/{ticket.token}/"]
    assert ticket.short_code_display in text


def test_resident_prints_from_the_token_link_without_logging_in(client, booked, settings):
    settings.CONTACT_PHONE = "0120-000-111（市役所）"
    ticket = ticket_issue(booking_id=booked.pk)

    response = client.get(reverse("attendance:ticket_pdf", args=[ticket.token]), {"size": "x"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Referrer-Policy"] == "no-referrer"
    assert_size(response.content, A4_POINTS)  # an unknown size falls back to A4
    assert "0120-000-111（市役所）" in pdf_text(response.content)


def test_no_paper_ticket_without_a_seat(client, desk_client, make, desk_user, booked):
    waiting = booking_create(
        session_id=booked.session_id, resident_id=make.resident().pk, user=desk_user
    ).booking
    assert waiting.status == BookingStatus.WAITLISTED

    response = staff_pdf(desk_client, waiting)
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:booking_done", args=[waiting.pk])
    assert not Ticket.objects.filter(booking=waiting).exists()

    token = ticket_issue(booking_id=waiting.pk).token
    public = client.get(reverse("attendance:ticket_pdf", args=[token]))
    assert public.status_code == 302
    assert public["Location"] == reverse("attendance:ticket", args=[token])


def test_an_accepted_offer_prints(desk_client, make, desk_user, booked):
    from classes.booking import booking_cancel

    waiting = booking_create(
        session_id=booked.session_id, resident_id=make.resident().pk, user=desk_user
    ).booking
    booking_cancel(booking_id=booked.pk, user=desk_user)
    offer_accept(booking_id=waiting.pk, user=desk_user)
    assert staff_pdf(desk_client, waiting).status_code == 200


@pytest.mark.parametrize("fixture", ["volunteer_client", "venue_client"])
def test_staff_ticket_pdf_needs_the_ticket_permission(request, fixture, booked):
    client = request.getfixturevalue(fixture)
    assert staff_pdf(client, booked).status_code == 403


def test_staff_ticket_pdf_refuses_no_role_and_sends_anonymous_to_login(
    client, no_role_user, booked
):
    response = staff_pdf(client, booked)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(no_role_user)
    assert staff_pdf(client, booked).status_code == 403


def test_staff_ticket_pdf_of_an_unknown_booking_is_404(desk_client):
    url = reverse("attendance:staff_ticket_pdf", args=[987654])
    assert desk_client.get(url).status_code == 404


# --- the roster ------------------------------------------------------------------------------


@pytest.fixture
def roster_session(make, desk_user, venue_user):
    venue = make.venue(name="東郷地区交流センター", address="宮崎県日向市東郷町山陰辛1")
    venue.staff.add(venue_user)
    session = make.session(
        venue=venue,
        course=make.course(title="LINE の使い方"),
        starts_at=tokyo(2031, 12, 10, 10, 0),
        capacity=2,
    )
    people = [
        make.resident(family_name="佐藤", given_name="一郎", family_name_kana="サトウ"),
        make.resident(family_name="鈴木", given_name="次郎", family_name_kana="スズキ"),
        make.resident(family_name="高橋", given_name="三郎", family_name_kana="タカハシ"),
    ]
    for person in people:
        booking_create(session_id=session.pk, resident_id=person.pk, user=desk_user)
    return session


def roster(client, session, purpose="会場で受付に使う"):
    return client.post(reverse("attendance:roster_pdf", args=[session.pk]), {"purpose": purpose})


def test_roster_lists_seats_then_the_waitlist_in_japanese(venue_client, roster_session):
    response = roster(venue_client, roster_session)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('inline; filename="roster-20311210-')
    text = pdf_text(response.content)
    assert "名簿" in text and "LINE の使い方" in text and "東郷地区交流センター" in text
    assert "2031年12月10日（水） 10:00〜11:30" in text
    seats, waitlist = text.split("キャンセル待ち（順番）")
    assert "佐藤 一郎" in seats and "鈴木 次郎" in seats and "サトウ" in seats
    assert "高橋 三郎" in waitlist and "高橋 三郎" not in seats
    # The attendance box column; venue staff get the phones' last 4 digits, never the number.
    assert "出席" in seats and "末尾" in seats and "090-0" not in seats
    assert_cjk_font_embedded(response.content)
    assert_size(response.content, A4_POINTS)


def test_desk_roster_has_the_phone_numbers(desk_client, roster_session):
    text = pdf_text(roster(desk_client, roster_session).content)
    assert "090-0" in text


def test_roster_asks_what_it_is_for_first_and_records_it(venue_client, venue_user, roster_session):
    url = reverse("attendance:roster_pdf", args=[roster_session.pk])
    page = venue_client.get(url)
    assert page.status_code == 200 and "何に使いますか" in page.content.decode()
    assert "佐藤" not in page.content.decode()
    refused = roster(venue_client, roster_session, purpose="")
    assert refused.status_code == 200 and "何に使うかを書いてください" in refused.content.decode()
    assert not AccessLog.objects.exists()

    assert roster(venue_client, roster_session).status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.what) == (venue_user, "export", "roster PDF")
    assert (entry.row_count, entry.purpose) == (3, "会場で受付に使う")
    booked = set(roster_session.bookings.values_list("resident_id", flat=True))
    assert set(entry.residents.values_list("resident_id", flat=True)) == booked


def test_roster_queries_do_not_grow_with_bookings(
    desk_client, make, desk_user, roster_session, django_assert_max_num_queries
):
    # + the access-log row and its residents (one bulk insert, in a savepoint)
    with django_assert_max_num_queries(9) as few:
        roster(desk_client, roster_session)
    for _ in range(15):
        booking_create(session_id=roster_session.pk, resident_id=make.resident().pk, user=desk_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert roster(desk_client, roster_session).status_code == 200


def test_venue_staff_print_only_their_venues_rosters(venue_client, make):
    elsewhere = make.session()
    assert roster(venue_client, elsewhere).status_code == 403


def test_roster_refuses_roles_without_sessions_and_anonymous(
    client, volunteer_user, no_role_user, roster_session
):
    response = roster(client, roster_session)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (volunteer_user, no_role_user):
        client.force_login(user)
        assert roster(client, roster_session).status_code == 403
    assert client.post(reverse("attendance:roster_pdf", args=[987654])).status_code == 403


def test_unknown_session_roster_is_404(desk_client):
    assert desk_client.post(reverse("attendance:roster_pdf", args=[987654])).status_code == 404
