"""Every change to volunteers, their availability, shift needs and assignments: one function per
verb, keyword-only arguments with the acting user, one transaction each, `VolunteerError` with a
message fit to show when a rule says no.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Role as AccessRole
from classes.models import Course, Session, SessionStatus
from followups.services import later
from volunteers import hooks, notify
from volunteers.availability import overlap_message, window_overlap
from volunteers.models import (
    HOLDING_STATUSES,
    Assignment,
    AvailabilityException,
    AvailabilityWindow,
    CourseStaffing,
    Qualification,
    Role,
    ShiftNeed,
    Volunteer,
    new_calendar_token,
)
from volunteers.staffing import (
    assignment_warnings,
    assistants_for,
    participants_per_assistant,
    seats_taken,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    from classes.models import Venue

# Check-in opens this long before the shift starts and closes this long after it ends.
CHECKIN_EARLY = datetime.timedelta(hours=1)
CHECKIN_LATE = datetime.timedelta(hours=3)


class VolunteerError(Exception):
    """A volunteer rule said no; `message` is fit to show the user."""

    def __init__(self, message: StrOrPromise, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class AssignmentConflict(VolunteerError):
    """A manual assignment breaks soft rules; `warnings` lists them. Repeat with force=True."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__("; ".join(warnings), code="conflict")
        self.warnings = warnings


# --- volunteers -------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "phone",
    "email",
    "district",
    "skills",
    "max_shifts_per_month",
)


def volunteer_apply(*, user: User, venues: Iterable[Venue] = (), **fields: Any) -> Volunteer:
    """A signed-up user applies to volunteer; the DX office approves later."""
    if Volunteer.objects.filter(user=user).exists():
        raise VolunteerError(_("You have already applied."), code="exists")
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            user=user, **{k: v for k, v in fields.items() if k in PROFILE_FIELDS}
        )
        volunteer.venues.set(venues)
    return volunteer


def volunteer_update(
    *, volunteer: Volunteer, user: User, venues: Iterable[Venue] | None = None, **fields: Any
) -> Volunteer:
    with transaction.atomic():
        for name, value in fields.items():
            if name in PROFILE_FIELDS:
                setattr(volunteer, name, value)
        volunteer.save()
        if venues is not None:
            volunteer.venues.set(venues)
    return volunteer


def volunteer_approve(*, volunteer_id: int, user: User) -> Volunteer:
    """Approve an application: the user joins the volunteer role."""
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer_id)
        )
        if volunteer.status == Volunteer.Status.APPROVED:
            return volunteer
        volunteer.status = Volunteer.Status.APPROVED
        volunteer.approved_at = timezone.now()
        volunteer.approved_by = user
        volunteer.save(update_fields=["status", "approved_at", "approved_by"])
        group, _created = Group.objects.get_or_create(name=AccessRole.VOLUNTEER)
        volunteer.user.groups.add(group)
    return volunteer


def volunteer_reject(*, volunteer_id: int, user: User) -> Volunteer:
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer_id)
        )
        volunteer.status = Volunteer.Status.REJECTED
        volunteer.save(update_fields=["status"])
        volunteer.user.groups.remove(*Group.objects.filter(name=AccessRole.VOLUNTEER))
    return volunteer


def calendar_token_rotate(*, volunteer: Volunteer, user: User) -> str:
    """A new private feed address; the old one stops working at once."""
    volunteer.calendar_token = new_calendar_token()
    volunteer.save(update_fields=["calendar_token"])
    return volunteer.calendar_token


# --- qualifications and availability ------------------------------------------------------------


def qualification_add(
    *,
    volunteer: Volunteer,
    user: User,
    kind: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    name: str = "",
) -> Qualification:
    if expires_on and expires_on < issued_on:
        raise VolunteerError(_("The expiry date is before the issue date."))
    return Qualification.objects.create(
        volunteer=volunteer, kind=kind, name=name, issued_on=issued_on, expires_on=expires_on
    )


def qualification_remove(*, qualification_id: int, volunteer: Volunteer, user: User) -> None:
    Qualification.objects.filter(pk=qualification_id, volunteer=volunteer).delete()


def window_add(
    *,
    volunteer: Volunteer,
    user: User,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
) -> AvailabilityWindow:
    if end_time <= start_time:
        raise VolunteerError(_("The end time must be after the start time."))
    with transaction.atomic():
        # Lock the volunteer so two tabs cannot add overlapping windows at once.
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        clash = window_overlap(volunteer, weekday, start_time, end_time)
        if clash:
            raise VolunteerError(overlap_message(clash), code="overlap")
        return AvailabilityWindow.objects.create(
            volunteer=volunteer, weekday=weekday, start_time=start_time, end_time=end_time
        )


def window_remove(*, window_id: int, volunteer: Volunteer, user: User) -> None:
    AvailabilityWindow.objects.filter(pk=window_id, volunteer=volunteer).delete()


def exception_add(
    *,
    volunteer: Volunteer,
    user: User,
    date: datetime.date,
    kind: str,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
) -> AvailabilityException:
    if kind == AvailabilityException.Kind.EXTRA:
        if not start_time or not end_time:
            raise VolunteerError(_("Please enter the hours of the extra day."))
        if end_time <= start_time:
            raise VolunteerError(_("The end time must be after the start time."))
    else:
        start_time = end_time = None
    return AvailabilityException.objects.create(
        volunteer=volunteer, date=date, kind=kind, start_time=start_time, end_time=end_time
    )


def exception_remove(*, exception_id: int, volunteer: Volunteer, user: User) -> None:
    AvailabilityException.objects.filter(pk=exception_id, volunteer=volunteer).delete()


# --- shift needs --------------------------------------------------------------------------------


def needs_ensure(*, sessions: Iterable[Session], user: User | None = None) -> int:
    """Default needs for sessions that have none yet (lead, assistants by bookings, reception).

    Returns the number of needs created. Sessions that already have needs are left alone.
    """
    on = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    have = set(ShiftNeed.objects.filter(session__in=on).values_list("session_id", flat=True))
    todo = [s for s in on if s.pk not in have]
    if not todo:
        return 0
    booked = seats_taken([s.pk for s in todo])
    staffing = {
        row.course_id: row
        for row in CourseStaffing.objects.filter(course_id__in={s.course_id for s in todo})
    }
    rows = []
    for session in todo:
        plan = staffing.get(session.course_id) or CourseStaffing(course_id=session.course_id)
        if plan.leads:
            rows.append(
                ShiftNeed(
                    session=session, role=Role.LEAD, count=plan.leads, required_skills=["lead"]
                )
            )
        rows.append(
            ShiftNeed(
                session=session,
                role=Role.ASSISTANT,
                count=assistants_for(booked.get(session.pk, 0), plan.participants_per_assistant),
                required_skills=list(plan.assistant_skills),
                follows_bookings=True,
            )
        )
        if plan.receptionists:
            rows.append(ShiftNeed(session=session, role=Role.RECEPTION, count=plan.receptionists))
    ShiftNeed.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def need_set(
    *,
    session_id: int,
    role: str,
    count: int,
    required_skills: Iterable[str],
    user: User,
    follows_bookings: bool = False,
) -> ShiftNeed | None:
    """Create or change one role's need on a session (count 0 removes it)."""
    with transaction.atomic():
        if count == 0:
            ShiftNeed.objects.filter(session_id=session_id, role=role).delete()
            return None
        need, _created = ShiftNeed.objects.update_or_create(
            session_id=session_id,
            role=role,
            defaults={
                "count": count,
                "required_skills": list(required_skills),
                "follows_bookings": follows_bookings,
            },
        )
    return need


def needs_follow_bookings(*, session_id: int) -> None:
    """Reset the count of the session's assistant needs that follow bookings (a booking changed
    or the course's ratio did); runs in the caller's transaction."""
    needs = list(
        ShiftNeed.objects.filter(session_id=session_id, follows_bookings=True).select_related(
            "session__course__staffing"
        )
    )
    if not needs:
        return
    booked = seats_taken([session_id]).get(session_id, 0)
    for need in needs:
        ratio = participants_per_assistant(need.session.course)
        count = assistants_for(booked, ratio)
        if need.count != count:
            ShiftNeed.objects.filter(pk=need.pk).update(count=count, updated_at=timezone.now())


def course_staffing_set(*, course: Course, user: User, **fields: Any) -> CourseStaffing:
    """Change a course's usual staffing; its upcoming sessions' assistant counts follow."""
    with transaction.atomic():
        staffing, _created = CourseStaffing.objects.update_or_create(course=course, defaults=fields)
        upcoming = ShiftNeed.objects.filter(
            session__course=course,
            session__starts_at__gte=timezone.now(),
            follows_bookings=True,
        ).values_list("session_id", flat=True)
        for session_id in set(upcoming):
            needs_follow_bookings(session_id=session_id)
    return staffing


# --- assignments --------------------------------------------------------------------------------


def assignment_assign(
    *, need_id: int, volunteer_id: int, user: User, force: bool = False
) -> Assignment:
    """The coordinator puts a volunteer on a need (a proposal the volunteer accepts)."""
    with transaction.atomic():
        need = (
            ShiftNeed.objects.select_related("session")
            .select_for_update(of=("self",))
            .get(pk=need_id)
        )
        volunteer = Volunteer.objects.get(pk=volunteer_id)
        if not volunteer.is_approved:
            raise VolunteerError(_("This volunteer is not approved."))
        if need.session.status == SessionStatus.CANCELLED:
            raise VolunteerError(_("This session is cancelled."))
        if Assignment.objects.holding().filter(session=need.session, volunteer=volunteer).exists():
            raise VolunteerError(_("This volunteer already has a shift in this session."))
        warnings = assignment_warnings(volunteer=volunteer, need=need)
        filled = Assignment.objects.holding().filter(need=need).count()
        if filled >= need.count:
            warnings.append(_("All places of this role are already filled."))
        if warnings and not force:
            raise AssignmentConflict(warnings)
        now = timezone.now()
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    need=need,
                    session=need.session,
                    volunteer=volunteer,
                    source=Assignment.Source.MANUAL,
                    created_by=user,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise VolunteerError(_("This volunteer already has a shift in this session.")) from None
        # The volunteer hears of the proposal by SMS once this commits.
        later(notify.proposals_notice, assignment_ids=[assignment.pk])
    return assignment


def _change(assignment: Assignment, status: str, **fields: Any) -> None:
    assignment.status = status
    assignment.sequence += 1
    assignment.updated_at = timezone.now()
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.save()


def _locked(assignment_id: int, volunteer: Volunteer | None = None) -> Assignment:
    rows = Assignment.objects.select_for_update(of=("self",)).select_related(
        "session", "need", "volunteer"
    )
    if volunteer is not None:
        rows = rows.filter(volunteer=volunteer)
    try:
        return rows.get(pk=assignment_id)
    except Assignment.DoesNotExist:
        raise VolunteerError(_("There is no such shift."), code="missing") from None


def assignment_unassign(*, assignment_id: int, user: User) -> Assignment:
    with transaction.atomic():
        assignment = _locked(assignment_id)
        if assignment.checked_in_at:
            raise VolunteerError(_("The volunteer has already checked in to this shift."))
        if assignment.is_holding:
            _change(assignment, Assignment.Status.CANCELLED)
            later(
                notify.shift_cancelled_notice,
                assignment_ids=[assignment.pk],
                reason=notify.BY_OFFICE,
            )
    return assignment


def assignment_accept(*, assignment_id: int, volunteer: Volunteer, user: User) -> Assignment:
    with transaction.atomic():
        assignment = _locked(assignment_id, volunteer)
        if assignment.status == Assignment.Status.ACCEPTED:
            return assignment
        if assignment.status != Assignment.Status.PROPOSED:
            raise VolunteerError(_("This shift is no longer offered to you."))
        if assignment.session.status == SessionStatus.CANCELLED:
            raise VolunteerError(_("This session is cancelled."))
        _change(assignment, Assignment.Status.ACCEPTED)
    return assignment


def assignment_decline(
    *, assignment_id: int, volunteer: Volunteer, user: User, reason: str = ""
) -> Assignment:
    """The volunteer says no: the place reopens and the coordinator sees it on the coverage page.

    Other apps may follow declines through `hooks.shift_declined`.
    """
    with transaction.atomic():
        assignment = _locked(assignment_id, volunteer)
        if assignment.status == Assignment.Status.DECLINED:
            return assignment
        if not assignment.is_holding:
            raise VolunteerError(_("This shift is no longer offered to you."))
        if assignment.checked_in_at:
            raise VolunteerError(_("You have already checked in to this shift."))
        _change(assignment, Assignment.Status.DECLINED, decline_reason=reason[:200])
        hooks.shift_declined.announce(hooks.ShiftDeclined(assignment_id=assignment.pk))
    return assignment


def _check_window(assignment: Assignment, now: datetime.datetime) -> None:
    session = assignment.session
    if session.status == SessionStatus.CANCELLED:
        raise VolunteerError(_("This session is cancelled."))
    if assignment.status != Assignment.Status.ACCEPTED:
        raise VolunteerError(_("Please accept the shift first."))
    if not (session.starts_at - CHECKIN_EARLY <= now <= session.ends_at + CHECKIN_LATE):
        raise VolunteerError(_("Check-in is open from one hour before the shift until it ends."))


def assignment_check_in(
    *,
    assignment_id: int,
    user: User,
    volunteer: Volunteer | None = None,
    now: datetime.datetime | None = None,
) -> Assignment:
    """Check in to a shift: by the volunteer (`volunteer` given) or confirmed by venue staff."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _locked(assignment_id, volunteer)
        if assignment.checked_in_at:
            return assignment  # idempotent: a second tap changes nothing
        _check_window(assignment, now)
        assignment.checked_in_at = now
        if volunteer is None:
            assignment.confirmed_by = user
        assignment.updated_at = now
        assignment.save(update_fields=["checked_in_at", "confirmed_by", "updated_at"])
    return assignment


def assignment_check_out(
    *,
    assignment_id: int,
    user: User,
    volunteer: Volunteer | None = None,
    now: datetime.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _locked(assignment_id, volunteer)
        if not assignment.checked_in_at:
            raise VolunteerError(_("Please check in first."))
        if assignment.checked_out_at:
            return assignment
        assignment.checked_out_at = max(now, assignment.checked_in_at)
        if volunteer is None and assignment.confirmed_by_id is None:
            assignment.confirmed_by = user
        assignment.updated_at = now
        assignment.save(update_fields=["checked_out_at", "confirmed_by", "updated_at"])
    return assignment


def assignments_cancel_for_cancelled_sessions(*, session_ids: Iterable[int]) -> None:
    """Shifts of cancelled sessions become CANCELLED (the calendar feed says so)."""
    now = timezone.now()
    rows = Assignment.objects.filter(
        session_id__in=session_ids,
        session__status=SessionStatus.CANCELLED,
        status__in=HOLDING_STATUSES,
    )
    cancelled = []
    for assignment in rows:
        _change(assignment, Assignment.Status.CANCELLED, updated_at=now)
        cancelled.append(assignment.pk)
    if cancelled:
        later(
            notify.shift_cancelled_notice,
            assignment_ids=cancelled,
            reason=notify.BY_SESSION_CANCELLED,
        )


def _signature(assignment: Assignment) -> str:
    s = assignment.session
    return f"{s.starts_at.isoformat()}|{s.ends_at.isoformat()}|{s.venue_id}|{s.status}"


def feed_signatures_refresh(*, assignments: Iterable[Assignment]) -> None:
    """Before the calendar feed is written: a shift whose session moved (time, venue, status)
    since the feed last showed it gets a higher SEQUENCE, so calendars update the event."""
    now = timezone.now()
    for assignment in assignments:
        signature = _signature(assignment)
        if assignment.feed_signature == signature:
            continue
        fields: dict[str, Any] = {"feed_signature": signature}
        if assignment.feed_signature:
            fields.update(sequence=assignment.sequence + 1, updated_at=now)
        Assignment.objects.filter(pk=assignment.pk).update(**fields)
        for name, value in fields.items():
            setattr(assignment, name, value)
