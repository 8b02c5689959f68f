"""Surveys in Chromium: a resident answers on a phone from the ticket (axe-core clean, no
JavaScript needed), desk staff type paper forms on the grid with the keyboard alone, and the
tables page draws its charts."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import Booking, BookingStatus
from surveys.models import Response, Survey
from surveys.services import survey_from_template
from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def survey(dx_user):
    survey = survey_from_template(user=dx_user, template="post_class")
    survey.status = Survey.Status.OPEN
    survey.save()
    return survey


@pytest.fixture
def attended_ticket(make, desk_user, survey):
    session = make.session()
    survey.courses.add(session.course)
    resident = make.resident(family_name="日向", given_name="花子", birth_year=1948)
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    Booking.objects.filter(pk=booking.booking.pk).update(status=BookingStatus.ATTENDED)
    return ticket_issue(booking_id=booking.booking.pk)


@pytest.fixture
def phone(browser):
    def open_context(*, javascript=True):
        context = browser.new_context(
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=javascript,
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return context, page

    return open_context


def test_a_resident_answers_from_the_ticket_on_a_phone_without_javascript(
    phone, live_server, attended_ticket, axe, browser
):
    context, page = phone(javascript=False)
    page.goto(f"{live_server.url}{reverse('attendance:ticket', args=[attended_ticket.token])}")
    page.click(f"a[href='{reverse('surveys:answer_ticket', args=[attended_ticket.token])}']")
    expect(page.locator("fieldset legend")).to_have_count(6)
    # Send without the required answers: errors next to the questions.
    page.click("button[name=submit]")
    expect(page.locator(".question.has-error")).to_have_count(2)
    page.get_by_label("5 とても満足").check()
    page.get_by_label("よく理解できた").check()
    page.get_by_label("LINEの使い方").check()
    page.get_by_label("その他", exact=True).first.check()
    page.click("button[name=submit]")
    expect(page.locator("h1")).to_have_text("ご回答ありがとうございました")
    response = Response.objects.get()
    assert response.submitted_at is not None
    assert response.age_band == 7  # prefilled from 1948, kept
    assert response.answers.count() == 5
    context.close()


def test_the_answer_page_passes_axe_on_a_phone(phone, live_server, attended_ticket, axe):
    context, page = phone()
    url = reverse("surveys:answer_ticket", args=[attended_ticket.token])
    page.goto(f"{live_server.url}{url}")
    assert axe(page) == []
    page.click("button[name=submit]")  # with errors shown
    expect(page.locator(".question.has-error")).to_have_count(2)
    assert axe(page) == []
    tap = page.locator(".choice").first.bounding_box()
    assert tap["height"] >= 44
    assert not page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    context.close()


def test_desk_types_paper_forms_with_the_keyboard_only(
    page, login, live_server, desk_user, survey, axe
):
    login(desk_user)
    page.goto(f"{live_server.url}{reverse('surveys:grid', args=[survey.pk])}")
    wait_until(page, "document.activeElement && document.activeElement.id === 'cell-1'")
    for n, cells in enumerate([["5", "1", "1 2"], ["4", "2", "13"], ["3", "1", ""]], start=1):
        for index, value in enumerate(cells):
            page.keyboard.type(value)
            if index < len(cells) - 1:
                page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        wait_until(page, f"document.querySelector('#grid-count strong').textContent === '{n}'")
        wait_until(page, "document.activeElement && document.activeElement.id === 'cell-1'")
    assert Response.objects.count() == 3
    assert page.locator("#grid-rows .grid-row").count() == 3
    # A wrong number stays in the row with its message, and the cursor goes back to it.
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cell-1-error")
    assert page.evaluate("document.activeElement.id") == "cell-1"
    assert page.input_value("#cell-1") == "8"
    assert Response.objects.count() == 3
    assert axe(page) == []


def test_tables_page_draws_charts(page, login, live_server, dx_user, survey, axe):
    from tests.surveys.helpers import answer

    for code in (5, 4, 5, 2):
        answer(survey, q1=[code], q2=[1], q3=[1, 2])
    login(dx_user)
    page.goto(f"{live_server.url}{reverse('surveys:tables', args=[survey.pk])}")
    wait_until(
        page,
        "typeof Chart !== 'undefined' && Chart.instances"
        " && Object.keys(Chart.instances).length > 0",
    )
    assert axe(page) == []
    # The cross-table, wider than a screen, scrolls in a region the keyboard can reach.
    page.locator("#cross-heading + form").get_by_role("button").click()
    page.locator("table.crosstab").wait_for()
    assert page.locator("table.crosstab").evaluate("t => t.closest('[tabindex]').tabIndex") == 0
    assert axe(page) == []


def test_staff_survey_pages_pass_axe(page, login, live_server, dx_user, survey, axe):
    login(dx_user)
    question = survey.questions.get(kind="multi")
    urls = [
        reverse("surveys:list"),
        reverse("surveys:detail", args=[survey.pk]),
        reverse("surveys:question_edit", args=[question.pk]),
        reverse("surveys:import", args=[survey.pk]),
        reverse("surveys:invitations", args=[survey.pk]),
        reverse("surveys:paper_list"),
    ]
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        violations = axe(page)
        if violations:
            found[url] = violations
    assert found == {}
