"""What volunteers are told about their shifts, by SMS: a new proposal, the day-before
reminder of an accepted shift, a shift whose session moved to another date, time or venue, and
a shift cancelled (unassigned by the office, or its session cancelled).

Channel: SMS to the volunteer's mobile number only. A volunteer without a mobile number gets
nothing: unlike residents there is no voice call and no staff call list for volunteers (they
see every change on their shift page and in their calendar feed, and the coordinator sees
declines on the coverage page). Quiet hours, opt-outs (停止 / STOP), sending and retries are
notifications' work. Every message has an idempotency key, so running any of this again never
sends twice.

Callers write these as follow-ups in their own transaction (`followups.services.later`, see
services and autoassign): a change that is rolled back tells nobody, and one that commits tells
the volunteer even if the process dies right after.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from classes.hooks import SessionMoved
from classes.models import Session, SessionStatus
from classes.notify import SIGNATURE, relative_day, when
from notifications.models import Channel, Message, Purpose
from notifications.services import MessageSpec, messages_queue, quiet_until
from residents.normalize import is_mobile, parse_phone, to_e164
from volunteers.models import Assignment, Role, Volunteer

# The role names as the volunteer pages show them in Japanese (locale/ja/parts/volunteers.po).
ROLE_JA: dict[str, str] = {
    Role.LEAD: "講師",
    Role.ASSISTANT: "アシスタント",
    Role.RECEPTION: "受付",
}
# A run's proposal SMS lists this many shifts; the rest are counted ("ほか2件").
LISTED_PROPOSALS = 3

# Why a shift was cancelled, as the SMS says it.
BY_OFFICE = "office"
BY_SESSION_CANCELLED = "session_cancelled"
_CANCEL_REASONS = {
    BY_OFFICE: "事務局の調整により",
    BY_SESSION_CANCELLED: "教室が中止になったため",
}


def mobile(volunteer: Volunteer) -> str | None:
    """The volunteer's mobile number in E.164, or None (landline or unusable: no message)."""
    number = parse_phone(volunteer.phone)
    return to_e164(number) if number and is_mobile(number) else None


def link(name: str, *args: object) -> str:
    base: str = settings.PUBLIC_BASE_URL
    return base.rstrip("/") + reverse(f"volunteers:{name}", args=args)


def shift_when(session: Session) -> str:
    """12月10日（水）13:30〜15:00"""
    return f"{when(session)}〜{timezone.localtime(session.ends_at):%H:%M}"


def _shift(assignment: Assignment) -> str:
    session = assignment.session
    role = ROLE_JA.get(assignment.need.role, assignment.need.role)
    return f"{shift_when(session)} {session.course.title}（{session.venue.name}）「{role}」"


def proposal_text(assignments: Sequence[Assignment]) -> str:
    if len(assignments) == 1:
        (one,) = assignments
        return (
            f"{SIGNATURE}ボランティアのお願いです。{_shift(one)}をお願いできますか。"
            f"お受けいただけるかどうか、こちらでお返事ください: {link('shift_detail', one.pk)}"
        )
    listed = "、".join(_shift(a) for a in assignments[:LISTED_PROPOSALS])
    more = len(assignments) - LISTED_PROPOSALS
    rest = f" ほか{more}件" if more > 0 else ""
    return (
        f"{SIGNATURE}ボランティアのお願いが{len(assignments)}件あります。{listed}{rest}。"
        f"お受けいただけるかどうか、こちらでお返事ください: {link('my_shifts')}"
    )


def reminder_text(assignment: Assignment, *, today: datetime.date) -> str:
    """The shift reminder as read on `today`: 明日 only when the shift is tomorrow."""
    day = relative_day(timezone.localdate(assignment.session.starts_at), today)
    return (
        f"{SIGNATURE}{day + ' ' if day else ''}{_shift(assignment)}のご担当です。"
        "よろしくお願いします。"
        f"詳しくはこちら: {link('shift_detail', assignment.pk)} "
        f"行けなくなったら、このページからお知らせください。"
    )


def cancelled_text(assignment: Assignment, reason: str) -> str:
    why = _CANCEL_REASONS.get(reason, _CANCEL_REASONS[BY_OFFICE])
    return (
        f"{SIGNATURE}{why}、{_shift(assignment)}のご担当は取り消しになりました。"
        f"お問い合わせ: {settings.CONTACT_PHONE}"
    )


def moved_text(assignment: Assignment) -> str:
    return (
        f"{SIGNATURE}ご担当の教室の日時か会場が変わりました。新しい予定: {_shift(assignment)}。"
        f"ご都合が悪くなった場合は、こちらからお知らせください: "
        f"{link('shift_detail', assignment.pk)}"
    )


def _assignments(**filters: Any) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(**filters)
        .select_related("volunteer", "need", "session__course", "session__venue")
        .order_by("session__starts_at", "pk")
    )


def _spec(
    volunteer: Volunteer, purpose: str, text: str, key: str, assignments: Sequence[Assignment]
) -> MessageSpec:
    return MessageSpec(
        channel=Channel.SMS,
        to=mobile(volunteer) or "",  # callers send only to a volunteer with a mobile
        purpose=purpose,
        template_key=f"{purpose}_sms",
        text=text,
        key=key,
        session_id=assignments[0].session_id if len(assignments) == 1 else None,
        about={"volunteer_id": volunteer.pk, "assignment_ids": [a.pk for a in assignments]},
    )


def _queued(specs: list[MessageSpec], *, now: datetime.datetime) -> list[Message]:
    queued: list[Message] = messages_queue(specs, now=now)
    return queued


# --- what is sent ------------------------------------------------------------------------------


def proposals_notice(
    *, assignment_ids: Iterable[int], now: datetime.datetime | None = None
) -> list[Message]:
    """One SMS per volunteer for these new proposals (one manual assignment, or one auto-assign
    run's): the shifts still proposed and not yet begun. Keyed by the volunteer's first
    assignment of the batch, so a second call sends nothing."""
    now = now or timezone.now()
    rows = _assignments(
        pk__in=list(assignment_ids),
        status=Assignment.Status.PROPOSED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
    )
    by_volunteer: dict[int, list[Assignment]] = {}
    for assignment in rows:
        by_volunteer.setdefault(assignment.volunteer_id, []).append(assignment)
    specs = []
    for shifts in by_volunteer.values():
        volunteer = shifts[0].volunteer
        if not mobile(volunteer):
            continue
        first = min(a.pk for a in shifts)
        specs.append(
            _spec(
                volunteer,
                Purpose.SHIFT_PROPOSAL,
                proposal_text(shifts),
                f"shift_proposal:{first}",
                shifts,
            )
        )
    return _queued(specs, now=now)


def run_proposals_notice(*, run_id: int, now: datetime.datetime | None = None) -> list[Message]:
    """The proposals an auto-assign run made (those still proposed)."""
    ids = Assignment.objects.filter(run_id=run_id, status=Assignment.Status.PROPOSED)
    return proposals_notice(assignment_ids=ids.values_list("pk", flat=True), now=now)


def shift_cancelled_notice(
    *, assignment_ids: Iterable[int], reason: str = BY_OFFICE, now: datetime.datetime | None = None
) -> list[Message]:
    """Tell volunteers their shift was cancelled (only shifts that had not yet ended)."""
    now = now or timezone.now()
    rows = _assignments(
        pk__in=list(assignment_ids),
        status=Assignment.Status.CANCELLED,
        session__ends_at__gt=now,
    )
    specs = [
        _spec(
            a.volunteer,
            Purpose.SHIFT_CANCELLED,
            cancelled_text(a, reason),
            f"shift_cancelled:{a.pk}",
            [a],
        )
        for a in rows
        if mobile(a.volunteer)
    ]
    return _queued(specs, now=now)


def session_moved(event: SessionMoved) -> None:
    """classes.hooks.session_moved listener."""
    shift_moved_notice(session_id=event.session_id)


def shift_moved_notice(*, session_id: int, now: datetime.datetime | None = None) -> list[Message]:
    """A coming session's date, time or venue changed: the volunteers proposed or accepted for
    its shifts hear the new ones (once per new date, time and venue)."""
    now = now or timezone.now()
    rows = _assignments(
        session_id=session_id,
        status__in=[Assignment.Status.PROPOSED, Assignment.Status.ACCEPTED],
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
    )
    specs = [
        _spec(
            a.volunteer,
            Purpose.SHIFT_MOVED,
            moved_text(a),
            f"shift_moved:{a.pk}:{a.session.starts_at:%Y%m%d%H%M}"
            f"-{a.session.ends_at:%H%M}:{a.session.venue_id}",
            [a],
        )
        for a in rows
        if mobile(a.volunteer)
    ]
    return _queued(specs, now=now)


def day_before_reminders(*, now: datetime.datetime | None = None) -> list[Message]:
    """Remind volunteers of the shifts they accepted for tomorrow (Asia/Tokyo)."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    start = datetime.datetime.combine(
        tomorrow, datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    rows = _assignments(
        status=Assignment.Status.ACCEPTED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gte=start,
        session__starts_at__lt=start + datetime.timedelta(days=1),
    )
    send_day = timezone.localdate(quiet_until(now) or now)  # held back by the quiet hours
    specs = [
        _spec(
            a.volunteer,
            Purpose.SHIFT_REMINDER,
            reminder_text(a, today=send_day),
            f"shift_reminder:{a.pk}:{tomorrow.isoformat()}",
            [a],
        )
        for a in rows
        if mobile(a.volunteer)
    ]
    return _queued(specs, now=now)
