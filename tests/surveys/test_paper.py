"""Paper entry grid: ten forms typed in a row, codes checked per row, a running count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Channel, Response, Survey
from surveys.queries import questions_of, survey_tables

pytestmark = pytest.mark.django_db


def row(survey, *cells):
    return {f"a_{q.key}": value for q, value in zip(questions_of(survey), cells, strict=False)}


def test_desk_types_ten_forms_and_the_count_runs(desk_client, post_class, make):
    session = make.session(starts_at=timezone.now() - datetime.timedelta(days=3))
    post_class.sessions.add(session)
    url = reverse("surveys:grid", args=[post_class.pk])
    page = desk_client.get(url, {"session": session.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="grid-entry"' in html and "autofocus" in html
    forms = [
        ("5", "1", "1 2", "", "7", "2"),
        ("4", "2", "13", "", "6", "1"),
        ("3", "1", "", "楽しかった", "", ""),
        ("5", "1", "2", "", "7", "2"),
        ("2", "3", "4,5", "", "5", "1"),
        ("5", "1", "１", "", "7", "2"),
        ("4", "2", "2", "", "7", "4"),
        ("1", "4", "7", "", "6", "3"),
        ("5", "1", "8", "", "7", "2"),
        ("4", "1", "1 2 3", "", "6", "2"),
    ]
    for n, cells in enumerate(forms, start=1):
        response = desk_client.post(
            f"{url}?session={session.pk}", row(post_class, *cells), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'hx-swap-oob="beforeend:#grid-rows"' in html
        assert f"<strong>{n}</strong>" in html  # typed by you today
    assert Response.objects.filter(channel=Channel.PAPER).count() == 10
    assert set(Response.objects.values_list("session_id", flat=True)) == {session.pk}
    topics = {r.label: r.count for r in survey_tables(post_class)[2].rows}
    assert topics["写真・動画の撮り方と送り方"] == 4  # "1 2", "13", "１", "1 2 3"
    assert topics["地図・乗り換え案内"] == 2  # "13", "1 2 3"
    assert topics["無回答"] == 1


def test_a_wrong_code_is_named_next_to_its_cell_and_the_row_keeps_what_was_typed(
    desk_client, post_class
):
    url = reverse("surveys:grid", args=[post_class.pk])
    response = desk_client.post(url, row(post_class, "9", "1", "1 x"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'value="9"' in html and 'value="1 x"' in html
    assert 'id="cell-1-error"' in html and 'id="cell-3-error"' in html
    assert not Response.objects.exists()
    # Two answers to a single-choice question.
    html = desk_client.post(url, row(post_class, "45", "1"), HTTP_HX_REQUEST="true")
    assert 'id="cell-1-error"' in html.content.decode()
    # Without JavaScript: the full page comes back with the error, status 400.
    plain = desk_client.post(url, row(post_class, "9", "1"))
    assert plain.status_code == 400 and 'id="cell-1-error"' in plain.content.decode()


def test_without_javascript_a_good_row_redirects_back_to_the_grid(desk_client, post_class):
    url = reverse("surveys:grid", args=[post_class.pk])
    response = desk_client.post(url, row(post_class, "5", "1"))
    assert response.status_code == 302 and response["Location"] == url
    assert Answer.objects.count() == 2


def test_a_form_typed_by_mistake_can_be_removed_by_who_typed_it(desk_client, post_class, dx_client):
    url = reverse("surveys:grid", args=[post_class.pk])
    desk_client.post(url, row(post_class, "5", "1"))
    form = Response.objects.get()
    desk_client.post(reverse("surveys:grid_delete", args=[form.pk]))
    assert not Response.objects.exists()


def test_the_grid_costs_a_bounded_number_of_queries(
    desk_client, post_class, django_assert_max_num_queries
):
    url = reverse("surveys:grid", args=[post_class.pk])
    for _ in range(12):
        desk_client.post(url, row(post_class, "5", "1", "1 2"))
    with django_assert_max_num_queries(12):
        assert desk_client.get(url).status_code == 200


def test_draft_surveys_are_not_for_paper_entry(desk_client):
    survey = Survey.objects.create(title="下書き")
    assert desk_client.get(reverse("surveys:grid", args=[survey.pk])).status_code == 404
