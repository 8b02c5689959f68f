"""The resident's ticket page at /t/<token>/: no login, plain Japanese, a QR that scans, a cancel
step; replaced tickets say so (410), anything else is a friendly 404, never a 500."""

import datetime
import re

import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone

from attendance.checkin import checkin_redeem, token_from_scan
from attendance.models import Ticket
from attendance.tickets import ticket_issue, ticket_reissue
from classes.booking import booking_cancel, booking_create, session_cancel
from classes.models import BookingEvent, BookingStatus, CancelReason
from tests.attendance.test_pdf import pdf_qr_codes
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(make):
    venue = make.venue(
        name="日知屋公民館",
        address="宮崎県日向市日知屋1-2-3",
        latitude="32.426500",
        longitude="131.627800",
    )
    return make.session(
        venue=venue,
        course=make.course(title="はじめてのスマホ教室"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
        capacity=1,
    )


def book(make, session, user, **resident):
    person = make.resident(**resident)
    booking = booking_create(session_id=session.pk, resident_id=person.pk, user=user).booking
    return ticket_issue(booking_id=booking.pk, user=user)


@pytest.fixture
def ticket(make, session, desk_user):
    return book(make, session, desk_user, family_name="日向", given_name="花子")


def page(client, token):
    return client.get(reverse("attendance:ticket", args=[token]))


def text_of(response):
    return response.content.decode()


# --- the page --------------------------------------------------------------------------------


def test_ticket_page_tells_the_resident_everything_without_a_login(client, ticket):
    response = page(client, ticket.token)

    assert response.status_code == 200
    html = text_of(response)
    for expected in (
        "<h1>受講票</h1>",
        "日向 花子 様",
        "はじめてのスマホ教室",
        "2031年12月10日（水） 13:30〜15:00",
        "日知屋公民館",
        "宮崎県日向市日知屋1-2-3",
        "https://www.google.com/maps/search/?api=1&amp;query=32.426500%2C131.627800",
        "スマートフォン（充電しておいてください）",
        "Google や Apple のアカウントの ID とパスワードのメモ",
        'href="tel:0982522111"',
        "0982-52-2111（日向市 DX推進課）",
        ticket.booking.number,
        'role="img" aria-label="受付用QRコード"',
        reverse("attendance:ticket_cancel", args=[ticket.token]),
        '<meta name="robots" content="noindex, nofollow">',
    ):
        assert expected in html, expected
    # Nothing to other sites; our own forms still send their origin (CSRF check).
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert "ログアウト" not in html  # the staff header stays hidden


def test_the_qr_on_the_page_scans_to_the_ticket_url(client, ticket, session, venue_user):
    html = text_of(page(client, ticket.token))
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    # Draw the page's own SVG on paper and read it back with zbar.
    content = weasyprint.HTML(string=f"<div style='width:60mm'>{svg}</div>").write_pdf()

    assert pdf_qr_codes(content) == [f"http://testserver/t/{ticket.token}/"]
    scanned = token_from_scan(pdf_qr_codes(content)[0])
    assert scanned == ticket.token
    assert ticket.booking.resident.family_name not in svg  # nothing personal in the code


def test_map_link_falls_back_to_the_address(client, make, desk_user):
    venue = make.venue(name="東郷公民館", address="宮崎県日向市東郷町山陰辛1")
    ticket = book(make, make.session(venue=venue), desk_user)
    html = text_of(page(client, ticket.token))
    assert "maps/search/?api=1&amp;query=%E5%AE%AE%E5%B4%8E%E7%9C%8C" in html


def test_waitlisted_sees_their_place_in_line_and_no_qr(client, make, session, ticket, desk_user):
    book(make, session, desk_user)
    third = book(make, session, desk_user)

    html = text_of(page(client, third.token))
    assert "キャンセル待ちの 2 番目です" in html
    assert "<svg" not in html
    assert "持ち物" in html
    assert reverse("attendance:ticket_cancel", args=[third.token]) in html


def test_cancelled_bookings_show_why_and_no_qr(client, make, session, ticket, desk_user):
    booking_cancel(booking_id=ticket.booking_id, user=desk_user, reason=CancelReason.BY_STAFF)
    html = text_of(page(client, ticket.token))
    assert "この予約は窓口で取り消されました" in html
    assert "<svg" not in html
    assert reverse("attendance:ticket_cancel", args=[ticket.token]) not in html


def test_a_cancelled_session_says_so(client, ticket, session, dx_user):
    session_cancel(session_id=session.pk, user=dx_user, reason="講師の都合")
    html = text_of(page(client, ticket.token))
    assert "この教室は中止になりました" in html
    assert "<svg" not in html
    assert "講師の都合" not in html  # the staff's own note stays inside


def test_an_offered_seat_offers_to_take_or_decline_it(client, make, session, ticket, desk_user):
    waiting = book(make, session, desk_user)
    booking_cancel(booking_id=ticket.booking_id, user=desk_user)
    html = text_of(page(client, waiting.token))
    assert 'id="offer-answers"' in html
    assert reverse("attendance:ticket_offer_accept", args=[waiting.token]) in html
    assert reverse("attendance:ticket_offer_decline", args=[waiting.token]) in html
    assert "<svg" not in html


def test_taking_an_offered_seat_asks_first_then_books_it(client, make, session, ticket, desk_user):
    waiting = book(make, session, desk_user)
    booking_cancel(booking_id=ticket.booking_id, user=desk_user)
    url = reverse("attendance:ticket_offer_accept", args=[waiting.token])

    confirm = client.get(url)
    assert confirm.status_code == 200 and 'method="post"' in text_of(confirm)
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.OFFERED  # a GET changes nothing

    done = client.post(url)
    assert done.status_code == 302
    assert done["Location"] == reverse("attendance:ticket", args=[waiting.token])
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.BOOKED
    event = BookingEvent.objects.filter(booking=waiting.booking).last()
    assert (event.reason, event.actor) == ("offer_accepted", None)
    again = client.post(url)  # the offer is closed: a clear page, not an error
    assert again.status_code == 200 and f'action="{url}"' not in text_of(again)


def test_declining_an_offered_seat_passes_it_on(client, make, session, ticket, desk_user):
    waiting = book(make, session, desk_user)
    next_in_line = book(make, session, desk_user)
    booking_cancel(booking_id=ticket.booking_id, user=desk_user)

    client.post(reverse("attendance:ticket_offer_decline", args=[waiting.token]))

    waiting.booking.refresh_from_db()
    next_in_line.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.CANCELLED
    assert waiting.booking.cancel_reason == CancelReason.OFFER_DECLINED
    assert next_in_line.booking.status == BookingStatus.OFFERED


def test_after_check_in_the_page_says_thank_you(client, make, desk_user, venue_user):
    today = make.session(starts_at=make.later_today())
    ticket = book(make, today, desk_user)
    checkin_redeem(token=ticket.token, session_id=today.pk, device="", nonce=None, user=venue_user)
    html = text_of(page(client, ticket.token))
    assert "受付が済んでいます" in html
    assert reverse("attendance:ticket_cancel", args=[ticket.token]) not in html


def test_the_page_costs_one_query(client, ticket, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert page(client, ticket.token).status_code == 200


def test_a_waitlisted_page_costs_two_queries(
    client, make, session, ticket, desk_user, django_assert_num_queries
):
    waiting = book(make, session, desk_user)
    with django_assert_num_queries(2):  # the ticket, the place in line
        assert page(client, waiting.token).status_code == 200


def test_a_token_typed_in_lower_case_still_opens(client, ticket):
    assert page(client, ticket.token.lower()).status_code == 200


# --- replaced and unknown tickets ----------------------------------------------------------------


def test_a_replaced_ticket_answers_410_without_personal_details(client, ticket, desk_user):
    old = ticket.token
    ticket_reissue(booking_id=ticket.booking_id, user=desk_user)

    for url in (
        reverse("attendance:ticket", args=[old]),
        reverse("attendance:ticket_cancel", args=[old]),
        reverse("attendance:ticket_pdf", args=[old]),
    ):
        response = client.get(url)
        assert response.status_code == 410, url
        html = text_of(response)
        assert "この受講票は差し替えられました" in html
        assert "0982-52-2111" in html
        assert "花子" not in html and "はじめてのスマホ教室" not in html
        assert response["Referrer-Policy"] == "same-origin"
    response = client.post(reverse("attendance:ticket_cancel", args=[old]))
    assert response.status_code == 410
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED


GARBAGE = [
    "NOTATOKEN",
    "A" * 26,
    "Z" * 5000,
    "予約番号123",
    "%00",
    "ABC%2FDEF",
    "%F0%9F%98%80",
    "<script>alert(1)</script>",
    "1' OR '1'='1",
]


@pytest.mark.parametrize("token", GARBAGE)
def test_anything_else_is_a_friendly_404_never_a_500(client, ticket, token):
    for name in ("attendance:ticket", "attendance:ticket_cancel", "attendance:ticket_pdf"):
        url = reverse(name, args=["PLACEHOLDER"]).replace("PLACEHOLDER", token)
        response = client.get(url)
        assert response.status_code == 404, (name, token)
        html = text_of(response)
        assert "ページが見つかりません" in html and "Traceback" not in html
    response = client.post(reverse("attendance:ticket_cancel", args=["A" * 26]))
    assert response.status_code == 404


def test_unknown_tokens_cost_no_query_when_they_cannot_be_tokens(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert page(client, "予約" * 40).status_code == 404


# --- cancelling from the page --------------------------------------------------------------------


def test_cancel_asks_first_then_cancels_and_offers_the_seat(
    client, make, session, ticket, desk_user
):
    waiting = book(make, session, desk_user)
    url = reverse("attendance:ticket_cancel", args=[ticket.token])

    confirm = client.get(url)
    assert confirm.status_code == 200
    html = text_of(confirm)
    assert "本当に取り消しますか？" in html
    assert "はじめてのスマホ教室" in html and ticket.booking.number in html
    assert confirm["Referrer-Policy"] == "same-origin"
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED  # a GET changes nothing

    done = client.post(url)
    assert done.status_code == 302 and done["Location"] == url
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.CANCELLED
    assert ticket.booking.cancel_reason == CancelReason.BY_RESIDENT
    event = BookingEvent.objects.filter(booking=ticket.booking).last()
    assert (event.to_status, event.actor) == (BookingStatus.CANCELLED, None)
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.OFFERED

    after = client.get(url)
    assert "取り消しました" in text_of(after)
    again = client.post(url)  # a second click changes nothing and does not fail
    assert again.status_code == 302
    assert "お申し出により、この予約は取り消されました" in text_of(page(client, ticket.token))


def test_a_waitlist_place_can_be_given_up_too(client, make, session, ticket, desk_user):
    waiting = book(make, session, desk_user)
    client.post(reverse("attendance:ticket_cancel", args=[waiting.token]))
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.CANCELLED
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED


def test_no_cancelling_once_the_class_has_begun(client, make, desk_user):
    started = make.session(starts_at=timezone.now() - datetime.timedelta(minutes=10))
    resident = make.resident()
    booking = booking_create(
        session_id=started.pk, resident_id=resident.pk, user=desk_user, walk_in=True
    ).booking
    ticket = ticket_issue(booking_id=booking.pk)
    url = reverse("attendance:ticket_cancel", args=[ticket.token])

    assert "ここでは取り消せません" in text_of(client.get(url))
    response = client.post(url)
    assert response.status_code == 200
    assert "お電話でご連絡ください" in text_of(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_cancel_needs_the_csrf_token(make, session, desk_user):
    from django.test import Client

    ticket = book(make, session, desk_user)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("attendance:ticket_cancel", args=[ticket.token])).status_code == 403
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED


# --- the desk: print, open, reissue --------------------------------------------------------------


def done_page(client, booking):
    """The desk's booking page, with the ticket panel it loads (as htmx does) put in its place."""
    page = client.get(reverse("classes:booking_done", args=[booking.pk]))
    panel_url = reverse("attendance:booking_ticket_panel", args=[booking.pk])
    if panel_url not in page.content.decode():
        return page
    panel = client.get(panel_url, HTTP_HX_REQUEST="true")
    page.content = page.content + panel.content
    return page


def test_booking_page_offers_the_ticket_and_issues_it_once(desk_client, make, session, desk_user):
    person = make.resident()
    booking = booking_create(session_id=session.pk, resident_id=person.pk, user=desk_user).booking
    assert not Ticket.objects.filter(booking=booking).exists()

    html = text_of(done_page(desk_client, booking))
    ticket = Ticket.objects.get(booking=booking)
    assert ticket.issued_by == desk_user
    pdf_url = reverse("attendance:staff_ticket_pdf", args=[booking.pk])
    for expected in (
        "A4 で印刷",
        f"{pdf_url}?size=a4",
        "はがきサイズで印刷",
        f"{pdf_url}?size=postcard",
        "受講票のページを開く",
        f"http://testserver/t/{ticket.token}/",
        "受講票を再発行",
        reverse("attendance:ticket_reissue", args=[booking.pk]),
    ):
        assert expected in html, expected
    done_page(desk_client, booking)
    assert Ticket.objects.filter(booking=booking).count() == 1


def test_ticket_panel_query_count(desk_client, ticket, django_assert_max_num_queries):
    url = reverse("attendance:booking_ticket_panel", args=[ticket.booking_id])
    desk_client.get(url, HTTP_HX_REQUEST="true")  # the first visit also touches the login session
    # login session, user, roles, the booking, the valid ticket, the series parts
    with django_assert_max_num_queries(6):
        desk_client.get(url, HTTP_HX_REQUEST="true")


def test_ticket_panel_without_javascript_is_a_page(desk_client, ticket):
    url = reverse("attendance:booking_ticket_panel", args=[ticket.booking_id])
    page = desk_client.get(url).content.decode()
    assert "<html" in page and ticket.token in page


def test_a_cancelled_booking_has_no_ticket_block(desk_client, make, session, desk_user):
    booking = booking_create(
        session_id=session.pk, resident_id=make.resident().pk, user=desk_user
    ).booking
    booking_cancel(booking_id=booking.pk, user=desk_user)
    html = text_of(done_page(desk_client, booking))
    assert "受講票を再発行" not in html
    assert not Ticket.objects.filter(booking=booking).exists()


def test_reissue_replaces_the_ticket_and_goes_back(desk_client, ticket):
    url = reverse("attendance:ticket_reissue", args=[ticket.booking_id])

    response = desk_client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "classes:booking_done", args=[ticket.booking_id]
    )
    assert "受講票を再発行しました" in text_of(response)
    new = Ticket.objects.get(booking=ticket.booking, revoked_at__isnull=True)
    assert new.token != ticket.token
    panel = reverse("attendance:booking_ticket_panel", args=[ticket.booking_id])
    assert new.token in text_of(desk_client.get(panel, HTTP_HX_REQUEST="true"))
    assert page(desk_client, ticket.token).status_code == 410
    assert page(desk_client, new.token).status_code == 200


def test_reissue_is_post_only_and_refused_without_the_permission(
    request, client, ticket, desk_client
):
    url = reverse("attendance:ticket_reissue", args=[ticket.booking_id])
    assert desk_client.get(url).status_code == 405
    desk_client.logout()
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for fixture in ("volunteer_user", "no_role_user", "venue_user"):
        client.force_login(request.getfixturevalue(fixture))
        assert client.post(url).status_code == 403, fixture
    assert Ticket.objects.filter(booking=ticket.booking).count() == 1


def test_reissue_of_a_cancelled_booking_is_refused_with_a_message(desk_client, ticket, desk_user):
    booking_cancel(booking_id=ticket.booking_id, user=desk_user)
    response = desk_client.post(
        reverse("attendance:ticket_reissue", args=[ticket.booking_id]), follow=True
    )
    assert "受講票は再発行できません" in text_of(response)
    assert Ticket.objects.get(booking=ticket.booking).revoked_at is None


def test_reissue_of_an_unknown_booking_is_404(desk_client):
    assert desk_client.post(reverse("attendance:ticket_reissue", args=[987654])).status_code == 404


def test_session_page_links_the_roster_pdf(desk_client, session):
    html = text_of(desk_client.get(reverse("classes:session_detail", args=[session.pk])))
    assert reverse("attendance:roster_pdf", args=[session.pk]) in html
    assert "名簿を印刷 (PDF)" in html


def test_other_apps_add_links_to_the_page_by_state(client, make, desk_user, venue_user):
    from attendance import hooks

    def survey_after_check_in(page):
        if page.state != "attended":
            return []
        url = f"/s/t/{page.ticket.token}/"
        return [hooks.TicketLink("アンケートに答える", url, "3分ほどです。")]

    hooks.ticket_page.listen(survey_after_check_in)
    try:
        today = make.session(starts_at=make.later_today())
        ticket = book(make, today, desk_user)
        assert "アンケートに答える" not in text_of(page(client, ticket.token))
        checkin_redeem(
            token=ticket.token, session_id=today.pk, device="", nonce=None, user=venue_user
        )
        html = text_of(page(client, ticket.token))
    finally:
        hooks.ticket_page.unlisten(survey_after_check_in)
    assert f'href="/s/t/{ticket.token}/"' in html
    assert "3分ほどです。" in html
