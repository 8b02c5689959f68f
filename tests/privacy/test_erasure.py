"""Erasure (消去): personal fields overwritten for good, the rows kept anonymous, figures kept."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendance.models import CheckIn
from audit.models import AccessLog, Action
from classes.booking import booking_create
from classes.models import BookingStatus
from notifications.models import Message, Status
from notifications.services import MessageSpec, messages_queue
from privacy.services import RightsError, resident_erase
from reports import queries as report_queries
from reports.models import Plan
from residents.models import Resident
from residents.queries import resident_history, resident_search
from residents.services import ResidentError, resident_update
from surveys import queries as survey_queries
from surveys.models import Answer, Response, Survey
from tests.factories import days_ahead

pytestmark = pytest.mark.django_db


def _queue(resident, key):
    [message] = messages_queue(
        [
            MessageSpec(
                channel="sms",
                to="+819011112222",
                purpose="reminder",
                template_key="t",
                text="山田様 明日の教室のお知らせです",
                key=key,
                resident_id=resident.pk,
            )
        ],
        now=timezone.now(),
    )
    return message


def test_erasure_overwrites_the_person_and_keeps_the_rows(make, desk_user, dx_user):
    resident = make.resident(
        birth_date=datetime.date(1950, 4, 1),
        notes="耳が遠い",
        district="富高",
        gender="female",
    )
    resident_update(resident=resident, user=desk_user, district="日知屋")
    booking = booking_create(
        session_id=make.session().pk, resident_id=resident.pk, user=desk_user
    ).booking
    message = _queue(resident, "erase-test")

    resident_erase(resident_id=resident.pk, user=dx_user, reason="消去請求 第3号")

    resident.refresh_from_db()
    assert resident.full_name == "消去済みの方"
    assert (resident.family_name, resident.given_name, resident.family_name_kana) == ("", "", "")
    assert (resident.phone_mobile, resident.phone_home, resident.notes) == ("", "", "")
    assert resident.birth_date is None
    # What the KPI breakdowns use stays.
    assert (resident.birth_year, resident.gender, resident.district) == (1950, "female", "日知屋")
    assert resident.erased_by == dx_user and resident.erase_reason == "消去請求 第3号"
    # The history no longer holds the values it had: 富高 was the old district.
    assert all(event.changes == [] for event in resident.events.all())
    assert "富高" not in str([e.changes_shown for e in resident_history(resident)])
    # The booking stays (anonymous) and, its session still to come, is cancelled; the message
    # not yet sent is withdrawn, its text gone.
    booking.refresh_from_db()
    assert booking.resident_id == resident.pk
    assert booking.status == BookingStatus.CANCELLED
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert (message.to, message.text) == ("", "（消去済み）")
    assert resident_search("やまだ") == []
    log = AccessLog.objects.get(action=Action.ERASE)
    assert log.purpose == "消去請求 第3号"


def test_erasure_cancels_places_still_to_come_and_the_seat_goes_to_the_next(
    make, desk_user, dx_user
):
    erased, waiting = make.resident(), make.resident()
    coming = make.session(capacity=1)
    held = booking_create(session_id=coming.pk, resident_id=erased.pk, user=desk_user).booking
    queued = booking_create(session_id=coming.pk, resident_id=waiting.pk, user=desk_user).booking
    assert queued.status == BookingStatus.WAITLISTED
    later = make.session(starts_at=days_ahead(14))
    other = booking_create(session_id=later.pk, resident_id=erased.pk, user=desk_user).booking
    page = Client()
    page.force_login(dx_user)
    confirm = page.get(reverse("privacy:erase", args=[erased.pk])).content.decode()
    assert "これからの開催回の予約・キャンセル待ち 2件を取り消し" in confirm

    resident_erase(resident_id=erased.pk, user=dx_user, reason="消去請求")

    for booking in (held, other, queued):
        booking.refresh_from_db()
    assert (held.status, other.status) == (BookingStatus.CANCELLED, BookingStatus.CANCELLED)
    assert queued.status == BookingStatus.OFFERED  # the freed seat, offered to the next
    # Nothing is sent to the person about it: what was queued is withdrawn with the rest.
    assert not Message.objects.filter(resident_id=erased.pk, status=Status.QUEUED).exists()


def test_an_erased_record_is_neither_erased_twice_nor_edited(make, dx_user):
    resident = make.resident()
    resident_erase(resident_id=resident.pk, user=dx_user, reason="消去請求")
    with pytest.raises(RightsError, match="既に消去"):
        resident_erase(resident_id=resident.pk, user=dx_user, reason="消去請求")
    with pytest.raises(ResidentError):
        resident_update(resident=resident, user=dx_user, district="富高")


def test_erasure_needs_a_reason(make, dx_user):
    resident = make.resident()
    with pytest.raises(RightsError):
        resident_erase(resident_id=resident.pk, user=dx_user, reason="  ")
    resident.refresh_from_db()
    assert not resident.is_erased


def test_confirm_page_then_erase(dx_client, make):
    resident = make.resident()
    url = reverse("privacy:erase", args=[resident.pk])
    page = dx_client.get(url).content.decode()
    assert "完全に消去するもの" in page and "名前を除いて残すもの" in page
    assert AccessLog.objects.filter(action=Action.VIEW, residents__resident_id=resident.pk).exists()
    refused = dx_client.post(url, {"reason": "", "understood": "on"})
    assert refused.status_code == 400
    assert "消去する理由を書いてください。" in refused.content.decode()
    assert not Resident.objects.get(pk=resident.pk).is_erased
    done = dx_client.post(url, {"reason": "消去請求 第3号", "understood": "on"})
    assert done.status_code == 302
    detail = dx_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "消去済みの方" in detail and "消去請求 第3号" in detail


def test_desk_staff_cannot_erase(desk_client, make):
    resident = make.resident()
    url = reverse("privacy:erase", args=[resident.pk])
    assert desk_client.post(url, {"reason": "x", "understood": "on"}).status_code == 403
    assert not Resident.objects.get(pk=resident.pk).is_erased


# --- every figure the same before and after, on the demo city ----------------------------------

PERSON_AND_PLACE = ("venue", "age_band", "gender", "district", "smartphone", "month")


def _figures(today):
    figures = {}
    for plan in Plan.objects.order_by("pk"):
        for fy, _label in report_queries.fiscal_year_choices(plan, today=today):
            board = report_queries.dashboard(plan, fy=fy, today=today)
            figures[(plan.pk, fy)] = [
                (r.progress.actual, [(p.month, p.actual) for p in r.series]) for r in board.rows
            ]
            for indicator in report_queries.plan_indicators(plan):
                for by in PERSON_AND_PLACE:
                    for scope in ("fy", "plan"):
                        try:
                            rows = report_queries.breakdown(
                                indicator, by=by, fy=fy, today=today, scope=scope
                            )
                        except ValueError:  # not a breakdown of this metric (sessions held)
                            continue
                        figures[(indicator.pk, fy, by, scope)] = [(r.key, r.value) for r in rows]
    for survey in Survey.objects.order_by("pk"):
        for version in survey_queries.versions_with_answers(survey):
            tables = survey_queries.survey_tables(survey, version)
            figures[("survey", survey.pk, version)] = [
                (t.question.pk, t.n, t.answered, [(r.label, r.count) for r in t.rows])
                for t in tables
            ]
            for table in tables:
                if not table.question.has_options:
                    continue
                for dimension in survey_queries.DIMENSIONS:
                    cross = survey_queries.crosstab(survey, table.question, dimension, version)
                    figures[("cross", table.question.pk, dimension)] = (cross.columns, cross.rows)
    return figures


def test_erasing_residents_of_the_demo_city_changes_no_figure(settings, dx_user):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    today = timezone.localdate()
    before = _figures(today)
    assert any(v for k, v in before.items() if k[0] == "survey"), "the demo has survey answers"
    assert any(v for k, v in before.items() if len(k) == 4 and k[2] == "age_band")
    # Several people: some who came to classes, some who answered surveys with free text.
    attended = list(
        CheckIn.objects.filter(resident__isnull=False)
        .values_list("resident_id", flat=True)
        .distinct()
        .order_by("resident_id")[:4]
    )
    wrote = list(
        Response.objects.filter(resident__isnull=False, answers__text__gt="")
        .values_list("resident_id", flat=True)
        .distinct()
        .order_by("resident_id")[:2]
    )
    chosen = sorted(set(attended + wrote))
    assert len(chosen) >= 4
    for resident_id in chosen:
        resident_erase(resident_id=resident_id, user=dx_user, reason="消去請求")
    assert _figures(today) == before
    assert Resident.objects.filter(pk__in=chosen, family_name="").count() == len(chosen)
    assert (
        not Answer.objects.filter(response__resident_id__in=chosen)
        .exclude(text__in=["", "（消去済み）"])
        .exists()
    )
    assert not Message.objects.filter(resident_id__in=chosen, status=Status.QUEUED).exists()
