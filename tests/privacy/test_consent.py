"""Consent: the desk reads a script, the record says when and by whom; without consent to be
contacted nothing is sent, without consent to data use survey answers are not linked."""

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create
from classes.notify import route
from notifications.models import Message
from residents.models import Contact, Resident
from residents.services import resident_update
from surveys.answers import check_answers
from surveys.models import Channel, Survey
from surveys.queries import questions_of, responses_of_resident
from surveys.services import response_submit, survey_from_template

pytestmark = pytest.mark.django_db

FORM = {
    "family_name": "山田",
    "given_name": "花子",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "ハナコ",
    "birth_date": "",
    "birth_year": "1950",
    "gender": "",
    "phone_mobile": "090-1234-5678",
    "phone_home": "",
    "smartphone": "smartphone",
    "preferred_contact": "sms",
    "district": "富高",
    "consent_contact": "on",
    # consent_date: today, filled in by _form() (a date after today is refused)
    "notes": "",
}


def _form(**changes):
    return {**FORM, "consent_date": timezone.localdate().isoformat(), **changes}


def test_the_registration_screen_reads_the_script_and_records_who_took_consent(
    desk_client, desk_user
):
    page = desk_client.get(reverse("residents:create")).content.decode()
    assert "ショートメール（SMS）" in page and "お断りいただいても" in page
    response = desk_client.post(reverse("residents:create"), _form())
    assert response.status_code == 302
    resident = Resident.objects.get(given_name="花子")
    assert resident.consent_contact and not resident.consent_data_use
    assert resident.consent_recorded_by == desk_user
    assert resident.consent_recorded_at is not None
    detail = desk_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "同意を記録" in detail and desk_user.get_username() in detail


def test_changing_a_consent_records_who_and_when_again(make, dx_user):
    resident = make.resident()
    resident_update(resident=resident, user=dx_user, consent_data_use=False)
    resident.refresh_from_db()
    assert resident.consent_recorded_by == dx_user
    before = resident.consent_recorded_at
    resident_update(resident=resident, user=dx_user, district="日知屋")
    resident.refresh_from_db()
    assert resident.consent_recorded_at == before  # an edit of something else is no consent


def test_without_consent_to_be_contacted_nothing_is_sent(make, desk_user):
    agreed = make.resident(preferred_contact=Contact.SMS, phone_mobile="+819012345678")
    refused = make.resident(
        preferred_contact=Contact.SMS, phone_mobile="+819087654321", consent_contact=False
    )
    assert route(agreed) is not None
    assert route(refused) is None
    session = make.session()
    for resident in (agreed, refused):
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    assert not Message.objects.filter(resident_id=refused.pk).exists()


def _submit(survey, resident):
    questions = questions_of(survey)
    raw = {q.key: {"codes": [code]} for q, code in zip(questions, (5, 1, 2), strict=False)}
    checked = check_answers(questions, raw)
    return response_submit(
        survey=survey,
        questions=questions,
        checked=checked,
        channel=Channel.TICKET,
        resident=resident,
    )


def test_without_consent_to_data_use_answers_are_not_linked(make, dx_user):
    survey = survey_from_template(user=dx_user, template="post_class")
    survey.status = Survey.Status.OPEN
    survey.save()
    agreed = make.resident()
    refused = make.resident(consent_data_use=False)
    assert _submit(survey, agreed).resident == agreed
    kept = _submit(survey, refused)
    assert kept.resident is None and kept.submitted_at is not None  # still counted
    assert responses_of_resident(refused.pk) == []
