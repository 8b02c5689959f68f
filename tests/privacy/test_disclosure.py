"""Disclosure: everything held about one resident, as JSON and as a Japanese PDF, logged."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.tickets import ticket_issue
from audit.models import AccessLog, Action
from classes.booking import booking_create
from notifications.services import MessageSpec, messages_queue
from residents.services import resident_update
from surveys.answers import check_answers
from surveys.models import Channel, Survey
from surveys.queries import questions_of
from surveys.services import response_submit, survey_from_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(make, desk_user, dx_user):
    resident = make.resident(district="富高")
    resident_update(resident=resident, user=desk_user, district="日知屋")
    session = make.session()
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    ticket_issue(booking_id=booking.booking.pk)
    messages_queue(
        [
            MessageSpec(
                channel="sms",
                to="+819011112222",
                purpose="reminder",
                template_key="t",
                text="明日の教室のお知らせです",
                key="disclosure-test",
                resident_id=resident.pk,
            )
        ],
        now=timezone.now(),
    )
    survey = survey_from_template(user=dx_user, template="post_class")
    survey.status = Survey.Status.OPEN
    survey.save()
    questions = questions_of(survey)
    raw = {q.key: {"codes": [code]} for q, code in zip(questions, (5, 1, 2), strict=False)}
    response_submit(
        survey=survey,
        questions=questions,
        checked=check_answers(questions, raw),
        channel=Channel.TICKET,
        resident=resident,
    )
    return resident, booking.booking


def _disclose(client, resident, **data):
    return client.post(
        reverse("privacy:disclose", args=[resident.pk]),
        {"purpose": "開示請求 第12号", "file_format": "json", **data},
    )


def test_json_holds_the_registry_its_history_bookings_tickets_and_the_log(dx_client, held):
    resident, booking = held
    response = _disclose(dx_client, resident)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    fields = data["resident"]["fields"]
    assert fields["family_name"]["value"] == resident.family_name
    assert fields["district"]["value"] == "日知屋"
    assert fields["consent_data_use"]["label"] == "情報の利用に同意"
    [edit] = [e for e in data["resident"]["history"] if e["changes"]]
    assert edit["changes"] == [{"field": "地区", "old": "富高", "new": "日知屋"}]
    [entry] = data["bookings"]
    assert entry["number"] == booking.number
    assert entry["history"][0]["to"] == "booked"
    assert len(data["tickets"]) == 1
    assert "明日の教室のお知らせです" in [m["text"] for m in data["messages"]]
    [answered] = data["surveys"]
    assert answered["answers"] and all(a["answer"] for a in answered["answers"])
    # The request itself is in the log, with its reference, and in the file it produced.
    log = AccessLog.objects.get(action=Action.DISCLOSE)
    assert log.purpose == "開示請求 第12号"
    assert list(log.residents.values_list("resident_id", flat=True)) == [resident.pk]
    assert "開示請求 第12号" in [e["purpose"] for e in data["access_log"]]


def test_pdf_is_a_pdf_with_the_persons_name(dx_client, held):
    resident, _booking = held
    response = _disclose(dx_client, resident, file_format="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_without_a_reference_nothing_is_produced_nor_logged(dx_client, held):
    resident, _booking = held
    response = _disclose(dx_client, resident, purpose="   ")
    assert response.status_code == 400
    assert "請求の受付番号か目的を書いてください。" in response.content.decode()
    assert not AccessLog.objects.filter(action=Action.DISCLOSE).exists()


def test_desk_staff_cannot_disclose(desk_client, held):
    resident, _booking = held
    assert _disclose(desk_client, resident).status_code == 403
