"""Residents answer by their ticket after check-in, by an SMS link or by the public link."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from attendance.hooks import ticket_links
from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import Booking, BookingStatus
from surveys.models import Answer, Channel, Invitation, Response
from surveys.queries import questions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def attended(make, desk_user, post_class):
    resident = make.resident(birth_year=1950, gender="female")
    session = make.session()
    post_class.courses.add(session.course)
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user).booking
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.ATTENDED)
    return ticket_issue(booking_id=booking.pk, user=desk_user)


def names(survey):
    return [f"q_{q.key}" for q in questions_of(survey)]


def test_the_ticket_page_links_to_the_survey_only_after_check_in(attended, client):
    attended.booking.refresh_from_db()
    links = ticket_links(ticket=attended, state="attended")
    assert [link.url for link in links] == [reverse("surveys:answer_ticket", args=[attended.token])]
    assert ticket_links(ticket=attended, state="booked") == []
    page = client.get(reverse("attendance:ticket", args=[attended.token]))
    assert reverse("surveys:answer_ticket", args=[attended.token]) in page.content.decode()


def test_answer_by_ticket_errors_next_to_the_question_then_one_response(
    attended, client, post_class, django_assert_max_num_queries
):
    url = reverse("surveys:answer_ticket", args=[attended.token])
    with django_assert_max_num_queries(6):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<fieldset" in html and "<legend>" in html
    # Prefilled from the resident: born 1950, female.
    q = names(post_class)
    assert f'id="{q[4]}-7" name="{q[4]}" value="7" checked' in html
    assert f'id="{q[5]}-2" name="{q[5]}" value="2" checked' in html
    # Missing required answers: errors next to the questions, what was chosen kept.
    response = client.post(url, {q[2]: ["1", "7"], q[5]: "1"})
    assert response.status_code == 400
    html = response.content.decode()
    key0 = q[0][2:]
    assert f'id="error-{key0}"' in html and f'aria-describedby="error-{key0}' in html
    assert f'id="{q[5]}-1" name="{q[5]}" value="1" checked' in html
    assert not Response.objects.exists()
    # The answer given wins over the prefill: 男性 (1), not 女性.
    done = client.post(url, {q[0]: "5", q[1]: "2", q[2]: ["1", "2"], q[5]: "1"})
    assert done.status_code == 302
    saved = Response.objects.get()
    assert (saved.channel, saved.booking_id, saved.gender, saved.age_band) == (
        Channel.TICKET, attended.booking_id, 1, None,
    )  # fmt: skip
    assert saved.course_id == attended.booking.session.course_id
    assert Answer.objects.filter(response=saved).count() == 5
    again = client.post(url, {q[0]: "1", q[1]: "1"})
    assert "ありがとう" in again.content.decode() or again.status_code == 200
    assert Response.objects.count() == 1


def test_exclusive_and_limit_rules(attended, client, post_class):
    url = reverse("surveys:answer_ticket", args=[attended.token])
    q = names(post_class)
    response = client.post(url, {q[0]: "5", q[1]: "1", q[2]: ["1", "7"]})  # 7 = 特にない
    assert response.status_code == 400
    assert "特にない" in response.content.decode()


def test_leave_and_resume(attended, client, post_class):
    url = reverse("surveys:answer_ticket", args=[attended.token])
    q = names(post_class)
    client.post(url, {q[0]: "4", q[3]: "途中まで", "save_draft": "1"})
    draft = Response.objects.get()
    assert draft.submitted_at is None and not Answer.objects.exists()
    html = client.get(url).content.decode()
    assert f'id="{q[0]}-4" name="{q[0]}" value="4" checked' in html
    assert "途中まで" in html
    client.post(url, {q[0]: "4", q[1]: "1", q[3]: "最後まで"})
    draft.refresh_from_db()
    assert draft.submitted_at is not None
    assert Response.objects.count() == 1


def test_before_check_in_the_survey_waits(make, desk_user, post_class, client):
    session = make.session()
    post_class.sessions.add(session)
    booking = booking_create(
        session_id=session.pk, resident_id=make.resident().pk, user=desk_user
    ).booking
    ticket = ticket_issue(booking_id=booking.pk, user=desk_user)
    page = client.get(reverse("surveys:answer_ticket", args=[ticket.token]))
    assert page.status_code == 200
    assert 'name="q_' not in page.content.decode()
    assert client.get(reverse("surveys:answer_ticket", args=["NOPE0"])).status_code == 404


def test_sms_invitation_link(post_class, client):
    invitation = Invitation.objects.create(survey=post_class)
    url = reverse("surveys:answer_invitation", args=[invitation.token])
    q = names(post_class)
    assert client.post(url, {q[0]: "3", q[1]: "2"}).status_code == 302
    assert Response.objects.get().invitation == invitation
    assert Response.objects.get().channel == Channel.SMS


def test_public_link_duplicate_guard_and_rate_limit(citizen, client, settings):
    cache.clear()
    url = reverse("surveys:answer_public", args=[citizen.public_token])
    q = names(citizen)
    form = {q[0]: "1", q[5]: "7", q[6]: "2"}
    assert client.post(url, form).status_code == 302
    assert client.get(url).status_code == 200  # the thank-you page (cookie)
    assert Response.objects.count() == 1
    client.cookies.clear()
    again = client.post(url, form)  # same answers from the same address
    assert again.status_code == 200
    assert Response.objects.count() == 1
    other = dict(form, **{q[0]: "2"})
    client.cookies.clear()
    assert client.post(url, other).status_code == 302
    assert Response.objects.count() == 2
    for _ in range(40):
        client.cookies.clear()
        last = client.post(url, {q[0]: "3"})
    assert last.status_code == 429
    citizen.public_link = False
    citizen.save()
    assert client.get(url).status_code == 404


def test_public_link_draft_comes_back_with_the_same_browser(citizen, client):
    cache.clear()
    url = reverse("surveys:answer_public", args=[citizen.public_token])
    q = names(citizen)
    saved = client.post(url, {q[0]: "2", q[4]: "書きかけ", "save_draft": "1"})
    assert saved.status_code == 200
    draft = Response.objects.get()
    assert draft.submitted_at is None and draft.channel == Channel.PUBLIC
    html = client.get(url).content.decode()
    assert f'id="{q[0]}-2" name="{q[0]}" value="2" checked' in html and "書きかけ" in html
    assert client.post(url, {q[0]: "2", q[5]: "3", q[6]: "1"}).status_code == 302
    draft.refresh_from_db()
    assert draft.submitted_at is not None and Response.objects.count() == 1
    # Another browser starts afresh.
    client.cookies.clear()
    assert "checked" not in client.get(url).content.decode()


def test_a_closed_survey_says_so(post_class, client):
    invitation = Invitation.objects.create(survey=post_class)
    post_class.status = "closed"
    post_class.save()
    page = client.get(reverse("surveys:answer_invitation", args=[invitation.token]))
    assert page.status_code == 200 and 'name="q_' not in page.content.decode()
