"""Planning services: single sessions, recurring series and consultation days.

Every function that changes state takes the acting `user`, runs in one transaction and raises
`ScheduleError` with a message fit to show staff. `series_calendar` and `series_dates` are pure.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jpholiday
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from classes import hooks
from classes.booking import session_offer_free_seats
from classes.models import (
    SEAT_STATUSES,
    Category,
    ConsultationDay,
    Course,
    Series,
    SeriesException,
    SeriesPart,
    Session,
    SessionStatus,
    Venue,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

# A series exception: a SeriesException row, or (date, action) or (date, action, note).
ExceptionSpec = SeriesException | tuple[Any, ...]

# A series longer than this is almost certainly a typo in a year; refuse rather than make
# hundreds of sessions by accident.
MAX_SERIES_DAYS = 731
MAX_CONSULTATION_SLOT_MINUTES = 240
MAX_CONSULTATION_DESKS = 50
# 年末年始: the city offices close from 29 December to 3 January.
NEW_YEAR_CLOSURE = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))
SHORT_DATE_FORMAT = "n月j日（D）"


class ScheduleError(Exception):
    """A planning request that cannot be carried out; `message` is shown to staff."""

    def __init__(self, message: StrOrPromise, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _local_tz() -> datetime.tzinfo:
    return timezone.get_default_timezone()


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A date and a wall-clock time in Asia/Tokyo as an aware datetime."""
    return datetime.datetime.combine(day, time, tzinfo=_local_tz())


def short_date(day: datetime.date | datetime.datetime) -> str:
    """11月24日（月） in the active language's weekday names."""
    return dateformat.format(day, SHORT_DATE_FORMAT)


def is_new_year_closure(day: datetime.date) -> bool:
    return (day.month, day.day) in NEW_YEAR_CLOSURE


# --- Series dates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDate:
    """One candidate date of a series; `skip_reason` (a holiday's name, the New Year, a note)
    is empty when a session will be held."""

    date: datetime.date
    skip_reason: str = ""
    added: bool = False

    @property
    def held(self) -> bool:
        return not self.skip_reason


def _rule_dates(
    frequency: str,
    weekday: int,
    nth_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date,
) -> Iterator[datetime.date]:
    if frequency in (Series.Frequency.WEEKLY, Series.Frequency.BIWEEKLY):
        step = 7 if frequency == Series.Frequency.WEEKLY else 14
        day = start_date + datetime.timedelta(days=(weekday - start_date.weekday()) % 7)
        while day <= end_date:
            yield day
            day += datetime.timedelta(days=step)
    elif frequency == Series.Frequency.MONTHLY_NTH:
        if nth_week is None:
            raise ScheduleError(_("Choose which week of the month (1st to 5th)."), field="nth_week")
        month = start_date.replace(day=1)
        while month <= end_date:
            first = month + datetime.timedelta(days=(weekday - month.weekday()) % 7)
            day = first + datetime.timedelta(weeks=nth_week - 1)
            # A month without a 5th such weekday simply has no session.
            if day.month == month.month and start_date <= day <= end_date:
                yield day
            month += relativedelta(months=1)
    else:
        raise ScheduleError(_("Choose how often the series repeats."), field="frequency")


def _exception_pairs(
    exceptions: Iterable[ExceptionSpec] | None,
) -> Iterator[tuple[datetime.date, str, str]]:
    for exc in exceptions or ():
        if isinstance(exc, SeriesException):
            yield exc.date, exc.action, exc.note
        else:
            day, action, *rest = exc
            yield day, action, (rest[0] if rest else "")


def series_calendar(
    *,
    frequency: str,
    weekday: int,
    nth_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date,
    skip_holidays: bool,
    exceptions: Iterable[ExceptionSpec] = (),
) -> list[PlannedDate]:
    """Every date the rule touches, in order, each with the reason it is skipped (if it is).

    `exceptions` are SeriesException rows or (date, action[, note]) tuples.
    """
    skips: dict[datetime.date, str] = {}
    adds: dict[datetime.date, str] = {}
    for day, action, note in _exception_pairs(exceptions):
        (skips if action == SeriesException.Action.SKIP else adds)[day] = note
    planned = {}
    for day in _rule_dates(frequency, weekday, nth_week, start_date, end_date):
        reason = ""
        if day in skips:
            reason = skips[day] or _("a change to the plan")
        elif skip_holidays and is_new_year_closure(day):
            reason = _("the New Year holidays")
        elif skip_holidays and jpholiday.is_holiday(day):
            reason = jpholiday.is_holiday_name(day) or ""
        planned[day] = PlannedDate(day, reason)
    for day in adds:
        # An added date is held even on a holiday: staff asked for it explicitly.
        planned[day] = PlannedDate(day, "", added=True)
    return [planned[day] for day in sorted(planned)]


def series_dates(
    *,
    frequency: str,
    weekday: int,
    nth_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date,
    skip_holidays: bool,
    exceptions: Iterable[ExceptionSpec] = (),
) -> list[datetime.date]:
    """The dates a series holds a session on: the rule, minus holidays and SKIPs, plus ADDs."""
    return [
        planned.date
        for planned in series_calendar(
            frequency=frequency,
            weekday=weekday,
            nth_week=nth_week,
            start_date=start_date,
            end_date=end_date,
            skip_holidays=skip_holidays,
            exceptions=exceptions,
        )
        if planned.held
    ]


def _check_series_rule(
    *,
    frequency: str,
    weekday: int | None,
    nth_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date,
) -> None:
    if frequency not in Series.Frequency.values:
        raise ScheduleError(_("Choose how often the series repeats."), field="frequency")
    if weekday is None or not 0 <= weekday <= 6:
        raise ScheduleError(_("Choose a day of the week."), field="weekday")
    if frequency == Series.Frequency.MONTHLY_NTH and (nth_week is None or not 1 <= nth_week <= 5):
        raise ScheduleError(_("Choose which week of the month (1st to 5th)."), field="nth_week")
    if end_date < start_date:
        raise ScheduleError(
            _("The last date must be on or after the first date."), field="end_date"
        )
    if (end_date - start_date).days > MAX_SERIES_DAYS:
        raise ScheduleError(
            _("A series can cover at most two years. Please check the dates."), field="end_date"
        )


def _check_times(start_time: datetime.time, end_time: datetime.time) -> None:
    if end_time <= start_time:
        raise ScheduleError(_("The end time must be after the start time."), field="end_time")


def _check_capacity(capacity: int | None) -> None:
    if capacity is None or capacity < 1:
        raise ScheduleError(_("Capacity must be at least 1."), field="capacity")


def _series_session(
    series: Series, part_courses: Sequence[Course], index: int, day: datetime.date
) -> Session:
    return Session(
        course=part_courses[index % len(part_courses)],
        venue_id=series.venue_id,
        series=series,
        starts_at=local_datetime(day, series.start_time),
        ends_at=local_datetime(day, series.end_time),
        capacity=series.capacity,
    )


@transaction.atomic
def series_create(
    *,
    title: str,
    venue: Venue,
    courses: Iterable[Course | None],
    frequency: str,
    weekday: int,
    nth_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    book_as_whole: bool,
    skip_holidays: bool,
    user: User,
) -> Series:
    """Create a series, its parts in order and one session per date (nth session, nth part)."""
    title = (title or "").strip()
    if not title:
        raise ScheduleError(_("Please enter a title."), field="title")
    parts = [course for course in courses if course is not None]
    if not parts:
        raise ScheduleError(_("Choose at least one course."), field="courses")
    _check_series_rule(
        frequency=frequency,
        weekday=weekday,
        nth_week=nth_week,
        start_date=start_date,
        end_date=end_date,
    )
    _check_times(start_time, end_time)
    _check_capacity(capacity)
    if frequency != Series.Frequency.MONTHLY_NTH:
        nth_week = None
    dates = series_dates(
        frequency=frequency,
        weekday=weekday,
        nth_week=nth_week,
        start_date=start_date,
        end_date=end_date,
        skip_holidays=skip_holidays,
    )
    if not dates:
        raise ScheduleError(
            _(
                "No session would take place between these dates. "
                "Please check the dates and the day of the week."
            )
        )
    series = Series.objects.create(
        title=title,
        venue=venue,
        frequency=frequency,
        weekday=weekday,
        nth_week=nth_week,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        book_as_whole=book_as_whole,
        skip_holidays=skip_holidays,
        created_by=user,
    )
    SeriesPart.objects.bulk_create(
        SeriesPart(series=series, course=course, position=position)
        for position, course in enumerate(parts)
    )
    Session.objects.bulk_create(
        _series_session(series, parts, index, day) for index, day in enumerate(dates)
    )
    return series


def _series_for_update(series_id: int) -> Series:
    try:
        return Series.objects.select_for_update().get(pk=series_id)
    except Series.DoesNotExist:
        raise ScheduleError(_("This series no longer exists.")) from None


def _calendar_of(series: Series, exceptions: Iterable[ExceptionSpec]) -> list[PlannedDate]:
    return series_calendar(
        frequency=series.frequency,
        weekday=series.weekday,
        nth_week=series.nth_week,
        start_date=series.start_date,
        end_date=series.end_date,
        skip_holidays=series.skip_holidays,
        exceptions=exceptions,
    )


@dataclass
class RegenerateResult:
    """What `series_regenerate` did. `kept_booked` are sessions off the rule that have bookings:
    staff must cancel them properly so the residents are told."""

    created: list[Session] = field(default_factory=list)
    deleted: int = 0
    kept_booked: list[Session] = field(default_factory=list)


@transaction.atomic
def series_exception_set(
    *, series_id: int, date: datetime.date | None, action: str, note: str = "", user: User
) -> RegenerateResult:
    """Take a date out of a series (SKIP) or add an extra one (ADD); then bring the sessions
    in line with the rule. Returns the RegenerateResult."""
    series = _series_for_update(series_id)
    if action not in SeriesException.Action.values:
        raise ScheduleError(_("Choose what to change on this date."), field="action")
    if date is None:
        raise ScheduleError(_("Please enter a date."), field="date")
    if date < timezone.localdate():
        # Past sessions are history; regenerating never touches them.
        raise ScheduleError(_("Only today or later dates can be changed."), field="date")
    others = [exc for exc in series.exceptions.all() if exc.date != date]
    rule_dates = {planned.date for planned in _calendar_of(series, others) if planned.held}
    if action == SeriesException.Action.SKIP and date not in rule_dates:
        raise ScheduleError(
            _("%(date)s is not a date of this series.") % {"date": short_date(date)}, field="date"
        )
    if action == SeriesException.Action.ADD and date in rule_dates:
        raise ScheduleError(
            _("%(date)s is already a date of this series.") % {"date": short_date(date)},
            field="date",
        )
    SeriesException.objects.update_or_create(
        series=series, date=date, defaults={"action": action, "note": (note or "").strip()}
    )
    return _regenerate(series, user)


@transaction.atomic
def series_exception_delete(*, series_id: int, date: datetime.date, user: User) -> RegenerateResult:
    """Undo an exception: the date follows the rule again."""
    series = _series_for_update(series_id)
    deleted, _rows = SeriesException.objects.filter(series=series, date=date).delete()
    if not deleted:
        raise ScheduleError(_("There is no change recorded for this date."))
    return _regenerate(series, user)


@transaction.atomic
def series_regenerate(*, series_id: int, user: User) -> RegenerateResult:
    """Bring the series' sessions from today on in line with its rule and exceptions.

    Creates missing sessions, deletes unbooked sessions no longer in the rule and keeps (and
    reports) those that have any booking. Past sessions are history and are left alone.
    """
    return _regenerate(_series_for_update(series_id), user)


def _regenerate(series: Series, user: User) -> RegenerateResult:
    today = timezone.localdate()
    dates = [
        planned.date for planned in _calendar_of(series, series.exceptions.all()) if planned.held
    ]
    part_courses = [part.course for part in series.parts.select_related("course")]
    if not part_courses:
        raise ScheduleError(_("This series has no course. Add one in the admin first."))
    existing: dict[datetime.date, list[tuple[Session, int]]] = {}  # with its booking count
    sessions = (
        series.sessions.filter(starts_at__gte=local_datetime(today, datetime.time.min))
        .annotate(booking_count=Count("bookings"))
        .select_related("course", "venue")
    )
    for counted in sessions:
        day = timezone.localdate(counted.starts_at)
        existing.setdefault(day, []).append((counted, counted.booking_count))
    wanted = set(dates)
    result = RegenerateResult()
    to_delete = []
    for day, day_sessions in existing.items():
        if day in wanted:
            continue
        for session, booking_count in day_sessions:
            if booking_count:
                if session.status != SessionStatus.CANCELLED:
                    result.kept_booked.append(session)
            else:
                to_delete.append(session.pk)
    if to_delete:
        result.deleted, _rows = Session.objects.filter(pk__in=to_delete).delete()
    new_sessions = [
        _series_session(series, part_courses, index, day)
        for index, day in enumerate(dates)
        if day >= today and day not in existing
    ]
    result.created = Session.objects.bulk_create(new_sessions)
    result.kept_booked.sort(key=lambda session: session.starts_at)
    return result


# --- Consultation days -----------------------------------------------------------------------


@transaction.atomic
def consultation_day_create(
    *,
    course: Course,
    venue: Venue,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    slot_minutes: int | None,
    desks: int | None,
    user: User,
) -> ConsultationDay:
    """A one-to-one help day cut into slots: one session per slot, `desks` residents each."""
    if course.category != Category.CONSULTATION:
        raise ScheduleError(
            _("Choose a one-to-one digital help course for a consultation day."), field="course"
        )
    _check_times(start_time, end_time)
    if slot_minutes is None or not 5 <= slot_minutes <= MAX_CONSULTATION_SLOT_MINUTES:
        raise ScheduleError(
            _("A slot must be between 5 and %(max)d minutes long.")
            % {"max": MAX_CONSULTATION_SLOT_MINUTES},
            field="slot_minutes",
        )
    if desks is None or not 1 <= desks <= MAX_CONSULTATION_DESKS:
        raise ScheduleError(
            _("The number of supporters must be between 1 and %(max)d.")
            % {"max": MAX_CONSULTATION_DESKS},
            field="desks",
        )
    day_start = local_datetime(date, start_time)
    day_end = local_datetime(date, end_time)
    length = datetime.timedelta(minutes=slot_minutes)
    slots = []
    slot_start = day_start
    # A last slot that would run past the end time is not created.
    while slot_start + length <= day_end:
        slots.append((slot_start, slot_start + length))
        slot_start += length
    if not slots:
        raise ScheduleError(
            _("Not even one slot fits between the start and end times."), field="slot_minutes"
        )
    day = ConsultationDay.objects.create(
        course=course,
        venue=venue,
        date=date,
        start_time=start_time,
        end_time=end_time,
        slot_minutes=slot_minutes,
        desks=desks,
        created_by=user,
    )
    Session.objects.bulk_create(
        Session(
            course=course,
            venue=venue,
            consultation_day=day,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=desks,
        )
        for starts_at, ends_at in slots
    )
    return day


# --- Single sessions -------------------------------------------------------------------------


def _check_session_times(
    starts_at: datetime.datetime | None, ends_at: datetime.datetime | None
) -> None:
    if starts_at is None or ends_at is None:
        raise ScheduleError(_("Please enter the date and times."), field="date")
    if ends_at <= starts_at:
        raise ScheduleError(_("The end time must be after the start time."), field="end_time")
    if timezone.localdate(starts_at) != timezone.localdate(ends_at):
        raise ScheduleError(_("A session must start and end on the same day."), field="end_time")


@transaction.atomic
def session_create(
    *,
    course: Course,
    venue: Venue,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int | None = None,
    notes: str = "",
    user: User,
) -> Session:
    """One session. Without a capacity, the course's usual capacity is used."""
    _check_session_times(starts_at, ends_at)
    if capacity is None:
        capacity = course.default_capacity
    _check_capacity(capacity)
    return Session.objects.create(
        course=course,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        notes=(notes or "").strip(),
    )


@transaction.atomic
def session_update(
    *,
    session_id: int,
    course: Course,
    venue: Venue,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int | None = None,
    notes: str = "",
    user: User,
) -> Session:
    """Change a session. The row is locked like a booking locks it, so the seat count we
    check against cannot change underneath us."""
    try:
        session = Session.objects.select_for_update().get(pk=session_id)
    except Session.DoesNotExist:
        raise ScheduleError(_("This session no longer exists.")) from None
    if session.status == SessionStatus.CANCELLED:
        raise ScheduleError(_("This session has been cancelled and can no longer be changed."))
    _check_session_times(starts_at, ends_at)
    if capacity is None:
        capacity = session.capacity
    _check_capacity(capacity)
    taken = session.bookings.filter(status__in=SEAT_STATUSES).count()
    if capacity < taken:
        raise ScheduleError(
            _("%(taken)d seats are already taken, so the capacity cannot be less than %(taken)d.")
            % {"taken": taken},
            field="capacity",
        )
    moved = (session.starts_at, session.ends_at, session.venue_id) != (
        starts_at,
        ends_at,
        venue.pk,
    )
    session.course = course
    session.venue = venue
    session.starts_at = starts_at
    session.ends_at = ends_at
    grew = capacity > session.capacity
    session.capacity = capacity
    session.notes = (notes or "").strip()
    session.save()
    # New seats go to the waitlist first, exactly as a cancelled booking's seat would.
    session.offered = session_offer_free_seats(session_id=session.pk, user=user) if grew else []
    session.moved = moved and starts_at > timezone.now()
    if session.moved:
        # Those booked and the volunteers on its shifts are told (classes.notify, volunteers).
        hooks.session_moved.announce(hooks.SessionMoved(session_id=session.pk))
    return session
