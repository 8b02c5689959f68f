"""Building surveys: templates, questions, options in order, and versions once answers exist."""

import pytest
from django.urls import reverse

from surveys.models import Answer, Question, Survey
from surveys.queries import questions_of, survey_tables
from surveys.services import (
    SurveyError,
    option_add,
    option_move,
    question_add,
    question_update,
    survey_update,
)
from tests.surveys.helpers import answer

pytestmark = pytest.mark.django_db


def test_new_from_template_button_makes_the_japanese_post_class_survey(dx_client):
    response = dx_client.post(reverse("surveys:from_template"), {"template": "post_class"})
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:detail", args=[survey.pk])
    texts = [q.text for q in questions_of(survey)]
    assert any("満足度" in t for t in texts) and any("理解" in t for t in texts)
    assert any("次に学びたい" in t for t in texts)
    satisfaction = Question.objects.get(survey=survey, is_satisfaction=True)
    assert [o.code for o in satisfaction.options.all()] == [1, 2, 3, 4, 5]
    page = dx_client.get(reverse("surveys:detail", args=[survey.pk]))
    assert page.status_code == 200


def test_citizen_template_has_dont_know_nothing_and_other_with_text(citizen):
    worries = questions_of(citizen)[2]
    options = {o.label: o for o in worries.options.all()}
    assert options["わからない"].exclusive and options["特にない"].exclusive
    assert options["その他"].takes_text
    ages = [o.label for o in questions_of(citizen)[5].options.all()]
    assert ages[0] == "10代" and ages[-2:] == ["70代以上", "その他"]
    genders = [o.label for o in questions_of(citizen)[6].options.all()]
    assert genders == ["男性", "女性", "その他", "回答しない"]


def test_options_move_up_and_down_and_keep_codes_in_order(dx_user):
    survey = Survey.objects.create(title="t")
    question = question_add(
        survey_id=survey.pk,
        user=dx_user,
        kind="single",
        text="好きな色",
        options=["赤", "青", "緑"],
    )
    green = question.options.get(label="緑")
    option_move(option_id=green.pk, user=dx_user, direction="up")
    assert [(o.code, o.label) for o in question.options.all()] == [(1, "赤"), (2, "緑"), (3, "青")]
    first = question.options.get(code=1)
    option_move(option_id=first.pk, user=dx_user, direction="up")  # already first: no change
    assert [o.label for o in question.options.all()] == ["赤", "緑", "青"]


def test_the_buttons_reorder_options_through_the_page(dx_client, dx_user):
    survey = Survey.objects.create(title="t")
    question = question_add(
        survey_id=survey.pk, user=dx_user, kind="multi", text="q", options=["a", "b"]
    )
    b = question.options.get(label="b")
    response = dx_client.post(reverse("surveys:option_move", args=[b.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert [o.label for o in question.options.all()] == ["b", "a"]


def test_editing_after_answers_makes_a_new_version_and_old_answers_keep_their_meaning(
    post_class, dx_user
):
    answer(post_class, q1=[5], q2=[1], q3=[2])
    old_topics = questions_of(post_class)[2]
    old_line = old_topics.options.get(code=2)
    option_move(option_id=old_line.pk, user=dx_user, direction="up")
    post_class.refresh_from_db()
    assert post_class.version == 2
    new_topics = questions_of(post_class)[2]
    assert new_topics.pk != old_topics.pk and new_topics.key == old_topics.key
    assert [o.label for o in new_topics.options.all()][:2] == [
        "LINEの使い方",
        "写真・動画の撮り方と送り方",
    ]
    # The stored answer still points at "LINEの使い方" with its version-1 code.
    stored = Answer.objects.get(question=old_topics)
    assert (stored.option.label, stored.option.code) == ("LINEの使い方", 2)
    v1 = {r.label: r.count for r in survey_tables(post_class, 1)[2].rows}
    assert v1["LINEの使い方"] == 1 and v1["写真・動画の撮り方と送り方"] == 0
    # A second edit, with no answers in version 2 yet, stays in version 2.
    question_update(question_id=new_topics.pk, user=dx_user, text="次に学びたいこと")
    post_class.refresh_from_db()
    assert post_class.version == 2
    assert questions_of(post_class, 1)[2].text.startswith("次に学びたいことは何ですか")


def test_fixed_options_cannot_be_changed_and_empty_titles_are_refused(post_class, dx_user):
    age = questions_of(post_class)[4]
    with pytest.raises(SurveyError):
        option_add(question_id=age.pk, user=dx_user, label="80代")
    with pytest.raises(SurveyError):
        survey_update(
            survey_id=post_class.pk, user=dx_user, title=" ", intro="", status="open",
            public_link=False, courses=[], sessions=[],
        )  # fmt: skip


def test_add_question_form_keeps_input_on_error(dx_client):
    survey = Survey.objects.create(title="t")
    response = dx_client.post(
        reverse("surveys:question_add", args=[survey.pk]),
        {"kind": "single", "text": "選択肢のない質問", "options": ""},
    )
    assert response.status_code == 400
    assert "選択肢のない質問" in response.content.decode()
    assert not Question.objects.exists()
    dx_client.post(
        reverse("surveys:question_add", args=[survey.pk]),
        {"kind": "multi", "text": "困りごと", "options": "操作\n特にない [only]\nその他 [text]"},
    )
    options = Question.objects.get().options.all()
    assert [(o.label, o.exclusive, o.takes_text) for o in options] == [
        ("操作", False, False),
        ("特にない", True, False),
        ("その他", False, True),
    ]


def test_admin_lists_open(admin_client, post_class):
    for name in ("survey", "response", "invitation", "importbatch"):
        assert admin_client.get(f"/admin/surveys/{name}/").status_code == 200
    assert admin_client.get(f"/admin/surveys/survey/{post_class.pk}/change/").status_code == 200
