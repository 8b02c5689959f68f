"""Booking rules: capacity, waitlist, offers, cancellations. One function per verb.

Every function runs in one transaction and locks the session row first, so capacity holds under
any concurrency (PostgreSQL: SELECT ... FOR UPDATE; SQLite: IMMEDIATE transactions serialise
writers). Every state change writes a BookingEvent: who, when, from what to what, and why.

Functions that free or offer seats return the bookings that were offered a seat, so the caller
(a view today, a notification task later) can tell those residents.

Booking together (BookingGroup: a couple, a parent and a grown child). `booking_create_group`
books two or more residents into one session in one step, all or none: every member gets a
seat, or — only when the desk asks for it (`waitlist_ok`) — they all join the waitlist
together, one after the other. It never seats some and waits the others. Each member still has
their own Booking, history, hooks and ticket; the group only binds them while they wait:
- The waitlist is served in order, and a group is one entry in it, placed where its first
  member joined. Seats go to the entries in order; a group at the head of the line is offered
  seats only when there are enough free for all its waiting members, and until then it keeps
  its place and nobody behind it jumps ahead (the free seats stay free). This is the rule
  `booking_create` already follows: a newcomer gets a free seat only when nobody is waiting.
  A seat freed while a group waits is never handed past it; the group's seats come as soon as
  enough are free.
- An offer to a group offers seats to all its waiting members at once, with one deadline.
  Accepting or declining it (`offer_accept`, `offer_decline`, on any member's booking) answers
  for every member who holds that offer, and an expired offer closes for all of them.
- Once seated, members are on their own: cancelling one member's booking (or their waitlist
  place) leaves the others' as they are — a couple where one is ill still comes alone — and a
  group still waiting then waits for the seats its remaining members need. Staff who want two
  members treated apart cancel one and book them again singly.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from classes import hooks
from classes.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingEvent,
    BookingGroup,
    BookingSource,
    BookingStatus,
    CancelReason,
    Series,
    Session,
    SessionStatus,
)
from residents.hooks import ResidentMerge
from residents.models import Resident

if TYPE_CHECKING:
    from accounts.access import Actor

# Statuses a booking can still be cancelled from.
CANCELLABLE_STATUSES = (BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)
# The most residents booked together in one step (the caller and their companions).
GROUP_MAX_PEOPLE = 4


class BookingError(Exception):
    """A booking rule said no; `message` is fit to show the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class BookingOutcome:
    booking: Booking
    created: bool
    waitlist_position: int | None = None


@dataclass(frozen=True)
class GroupOutcome:
    """The members' bookings in the order the residents were given (the caller's first)."""

    group: BookingGroup
    bookings: list[Booking]
    created: bool
    waitlist_position: int | None = None

    @property
    def lead(self) -> Booking:
        return self.bookings[0]


@dataclass(frozen=True)
class ChangeOutcome:
    booking: Booking
    offered: list[Booking] = field(default_factory=list)
    # Every booking the change applied to, when it was more than `booking` (an offer to a
    # group answered for all of its members, a group booking taken back); else empty.
    together: list[Booking] = field(default_factory=list)


def request_key_for(form_nonce: object, *parts: object) -> uuid.UUID | None:
    """One key per (form shown, thing booked): a double click or a retried POST repeats it."""
    try:
        namespace = uuid.UUID(str(form_nonce))
    except ValueError:
        return None
    return uuid.uuid5(namespace, ":".join(str(part) for part in parts))


# --- helpers inside a transaction --------------------------------------------------------------


def _record(
    booking: Booking, from_status: str | None, reason: str, user: Actor, note: str = ""
) -> None:
    BookingEvent.objects.create(
        booking=booking,
        from_status=from_status or "",
        to_status=booking.status,
        reason=reason,
        note=note[:200],
        actor=user if user is not None and user.is_authenticated else None,
    )
    _announce(booking, from_status, reason)


def _change(booking: Booking, from_status: str | None, reason: str) -> hooks.BookingChange:
    return hooks.BookingChange(
        booking_id=booking.pk,
        session_id=booking.session_id,
        resident_id=booking.resident_id,
        from_status=from_status or "",
        to_status=booking.status,
        reason=reason,
    )


def _announce(booking: Booking, from_status: str | None, reason: str) -> None:
    hooks.booking_changed.announce(_change(booking, from_status, reason))


def _lock_session(session_id: int) -> Session:
    try:
        return (
            Session.objects.select_for_update().select_related("course", "venue").get(pk=session_id)
        )
    except Session.DoesNotExist:
        raise BookingError(_("This session no longer exists."), "unknown_session") from None


def _lock_resident(resident_id: int) -> Resident:
    try:
        resident = Resident.objects.select_for_update().get(pk=resident_id)
    except Resident.DoesNotExist:
        raise BookingError(_("This resident is not registered."), "unknown_resident") from None
    if resident.merged_into_id:
        raise BookingError(
            _("This record was merged into another one. Please search for the resident again."),
            "merged_resident",
        )
    return resident


def _session_label(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    return f"{date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M} {session.course.title}"


def _check_bookable(session: Session, now: datetime.datetime, *, walk_in: bool = False) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise BookingError(_("This session has been cancelled."), "session_cancelled")
    # At the venue, someone may still join a session that has begun.
    last_moment = session.ends_at if walk_in else session.starts_at
    if session.status == SessionStatus.HELD or last_moment <= now:
        raise BookingError(
            _("This session has already started. Please choose another date."), "session_started"
        )


def _bookings_at_same_time(resident: Resident, session: Session) -> list[Booking]:
    """The resident's active bookings overlapping this session, this session's own included."""
    return list(
        Booking.objects.filter(
            resident=resident,
            status__in=ACTIVE_STATUSES,
            session__starts_at__lt=session.ends_at,
            session__ends_at__gt=session.starts_at,
        ).select_related("session__course")
    )


def _refuse_overlap(same_time: Iterable[Booking], session: Session) -> None:
    clash = next((b for b in same_time if b.session_id != session.pk), None)
    if clash:
        raise BookingError(
            _("This resident already has a booking at the same time: %(session)s.")
            % {"session": _session_label(clash.session)},
            "overlap",
        )


def _seat_counts(session: Session) -> tuple[int, int]:
    """(seats taken, people waiting) in one query; the session must be locked."""
    counts = session.bookings.aggregate(
        taken=Count("pk", filter=Q(status__in=SEAT_STATUSES)),
        waiting=Count("pk", filter=Q(status=BookingStatus.WAITLISTED)),
    )
    return counts["taken"], counts["waiting"]


def _offer_expiry(session: Session, now: datetime.datetime) -> datetime.datetime:
    # Never hold a seat past the start of the session.
    return min(now + datetime.timedelta(hours=settings.BOOKING_OFFER_HOURS), session.starts_at)


def _waiting_entries(session: Session, people: int) -> list[list[Booking]]:
    """The head of the waitlist as entries in line, enough to cover its first `people` people:
    a booking alone, or a group's waiting members together (placed where its first member
    joined; a group may bring members from further back). Session must be locked."""
    queue = list(
        session.bookings.filter(status=BookingStatus.WAITLISTED)
        .select_related("resident")
        .order_by("created_at", "pk")[:people]
    )
    group_ids = {b.group_id for b in queue if b.group_id is not None}
    members: dict[int | None, list[Booking]] = {}
    if group_ids:
        together = session.bookings.filter(status=BookingStatus.WAITLISTED, group_id__in=group_ids)
        for booking in together.select_related("resident").order_by("pk"):
            members.setdefault(booking.group_id, []).append(booking)
    entries, seen = [], set()
    for booking in queue:
        if booking.group_id is None:
            entries.append([booking])
        elif booking.group_id not in seen:
            seen.add(booking.group_id)
            entries.append(members[booking.group_id])
    return entries


def _offer_free_seats(session: Session, user: Actor, now: datetime.datetime) -> list[Booking]:
    """Offer every free seat to the waitlist in order. A group is offered seats only when there
    are enough for all its waiting members; until then the seats wait for it, and nobody
    behind it is offered one (see the module docstring). Session must be locked."""
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return []
    taken, _waiting = _seat_counts(session)
    free = session.capacity - taken
    if free <= 0:
        return []
    offered = []
    for entry in _waiting_entries(session, free):
        if len(entry) > free:
            break
        for booking in entry:
            booking.status = BookingStatus.OFFERED
            booking.offer_expires_at = _offer_expiry(session, now)
            booking.save(update_fields=["status", "offer_expires_at", "updated_at"])
            _record(booking, BookingStatus.WAITLISTED, "offered", user)
            offered.append(booking)
        free -= len(entry)
    return offered


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first in line; None when the booking is not waiting."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        Q(created_at__lt=booking.created_at) | Q(created_at=booking.created_at, pk__lt=booking.pk),
        session_id=booking.session_id,
        status=BookingStatus.WAITLISTED,
    ).count()
    return ahead + 1


# --- verbs -------------------------------------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    session_id: int,
    resident_id: int,
    user: Actor,
    request_key: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
    walk_in: bool = False,
    over_capacity_reason: str = "",
    source: str = BookingSource.DESK,
) -> BookingOutcome:
    """Book a seat, or join the waitlist when the session is full.

    The same request twice (same request_key, or the same resident and session while the first
    booking is still active) returns the first booking with created=False.

    Walk-ins (at the venue) may join a session that has begun; with an `over_capacity_reason`
    they are seated even when it is full, and the reason goes into the booking's history.
    `source` says where it was made (BookingSource: the desk, or the resident on the web).
    """
    now = now or timezone.now()
    if request_key is not None:
        earlier = Booking.objects.filter(request_key=request_key).first()
        if earlier is not None:
            return BookingOutcome(earlier, False, waitlist_position(earlier))

    session = _lock_session(session_id)
    resident = _lock_resident(resident_id)
    same_time = _bookings_at_same_time(resident, session)
    existing = next((b for b in same_time if b.session_id == session.pk), None)
    if existing is not None:
        return BookingOutcome(existing, False, waitlist_position(existing))
    _check_bookable(session, now, walk_in=walk_in)
    _refuse_overlap(same_time, session)

    # Nobody jumps the queue: a free seat goes to a newcomer only when no one is waiting.
    taken, waiting = _seat_counts(session)
    has_seat = not waiting and taken < session.capacity
    over_capacity = not has_seat and bool(over_capacity_reason.strip())
    booking = Booking.objects.create(
        session=session,
        resident=resident,
        status=BookingStatus.BOOKED if has_seat or over_capacity else BookingStatus.WAITLISTED,
        request_key=request_key,
        source=source,
        created_by=user if user is not None and user.is_authenticated else None,
        created_at=now,
    )
    if over_capacity:
        _record(booking, "", "booked_over_capacity", user, over_capacity_reason.strip())
        return BookingOutcome(booking, True, None)
    _record(booking, "", "booked" if has_seat else "waitlisted", user)
    return BookingOutcome(booking, True, None if has_seat else waiting + 1)


def _group_outcome(group: BookingGroup, *, created: bool) -> GroupOutcome:
    bookings = list(group.bookings.select_related("resident").order_by("pk"))
    first_waiting = next((b for b in bookings if b.status == BookingStatus.WAITLISTED), None)
    position = waitlist_position(first_waiting) if first_waiting is not None else None
    return GroupOutcome(group, bookings, created, position)


def _names(residents: Iterable[Resident]) -> str:
    return "、".join(r.full_name for r in residents)


@transaction.atomic
def booking_create_group(
    *,
    session_id: int,
    resident_ids: Iterable[int],
    user: Actor,
    waitlist_ok: bool = False,
    request_key: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
    source: str = BookingSource.DESK,
) -> GroupOutcome:
    """Book two or more residents into one session together: all or none.

    With a seat for every one of them (and nobody waiting before them), they are all booked.
    Otherwise nobody is booked and BookingError "group_short" says why — unless `waitlist_ok`
    (the desk asked for it), and then they all join the waitlist together, as one entry. The
    members' bookings are made in the order of `resident_ids`: the caller first.

    The same request twice (same request_key, or the same residents already holding this
    session together) returns the first group with created=False. `source` says where it
    was made (BookingSource), for every member's booking.
    """
    now = now or timezone.now()
    ids = list(dict.fromkeys(resident_ids))
    if len(ids) < 2:
        raise BookingError(_("Choose at least two people to book together."), "group_too_small")
    if len(ids) > GROUP_MAX_PEOPLE:
        raise BookingError(
            _("At most %(count)d people can be booked together.") % {"count": GROUP_MAX_PEOPLE},
            "group_too_large",
        )
    if request_key is not None:
        earlier = BookingGroup.objects.filter(request_key=request_key).first()
        if earlier is not None:
            return _group_outcome(earlier, created=False)

    session = _lock_session(session_id)
    # Residents in id order, after the session: every booking verb locks in this order.
    locked = {pk: _lock_resident(pk) for pk in sorted(ids)}
    residents = [locked[pk] for pk in ids]
    same_time = {r.pk: _bookings_at_same_time(r, session) for r in residents}
    existing = {
        pk: booking
        for pk, bookings in same_time.items()
        for booking in bookings
        if booking.session_id == session.pk
    }
    if existing:
        groups = {b.group_id for b in existing.values()}
        group_id = groups.pop() if len(groups) == 1 else None
        if len(existing) == len(ids) and group_id is not None:
            return _group_outcome(BookingGroup.objects.get(pk=group_id), created=False)
        raise BookingError(
            _(
                "Already booked for this session: %(names)s. Nobody was booked. Book the "
                "others on their own."
            )
            % {"names": _names(r for r in residents if r.pk in existing)},
            "already_booked",
        )
    _check_bookable(session, now)
    for resident in residents:
        clash = next((b for b in same_time[resident.pk] if b.session_id != session.pk), None)
        if clash:
            raise BookingError(
                _(
                    "%(name)s already has a booking at the same time: %(session)s. Nobody was "
                    "booked."
                )
                % {"name": resident.full_name, "session": _session_label(clash.session)},
                "overlap",
            )

    taken, waiting = _seat_counts(session)
    has_seats = not waiting and taken + len(ids) <= session.capacity
    if not has_seats and not waitlist_ok:
        if waiting:
            message = _(
                "People are already waiting for this session, and seats go to them first. "
                "Nobody was booked. You can put all %(count)d on the waitlist together."
            ) % {"count": len(ids)}
        else:
            free = max(session.capacity - taken, 0)
            message = ngettext(
                "Only %(free)d seat is left for %(count)d people. Nobody was booked. You can "
                "put all %(count)d on the waitlist together.",
                "Only %(free)d seats are left for %(count)d people. Nobody was booked. You can "
                "put all %(count)d on the waitlist together.",
                free,
            ) % {"free": free, "count": len(ids)}
        raise BookingError(message, "group_short")

    actor = user if user is not None and user.is_authenticated else None
    group = BookingGroup.objects.create(
        session=session, request_key=request_key, created_by=actor, created_at=now
    )
    bookings = []
    for resident in residents:
        booking = Booking.objects.create(
            session=session,
            resident=resident,
            status=BookingStatus.BOOKED if has_seats else BookingStatus.WAITLISTED,
            group=group,
            source=source,
            created_by=actor,
            created_at=now,
        )
        _record(booking, "", "booked" if has_seats else "waitlisted", user, f"group {group.pk}")
        bookings.append(booking)
    return GroupOutcome(group, bookings, True, None if has_seats else waiting + 1)


@transaction.atomic
def series_book(
    *,
    series_id: int,
    resident_id: int,
    user: Actor,
    request_key: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> list[Booking]:
    """Book every remaining session of a series sold as a whole, or none of them."""
    now = now or timezone.now()
    try:
        series = Series.objects.get(pk=series_id)
    except Series.DoesNotExist:
        raise BookingError(_("This series no longer exists."), "unknown_series") from None
    if not series.book_as_whole:
        raise BookingError(_("The sessions of this series are booked one by one."), "not_a_package")
    sessions = list(
        Session.objects.select_for_update()
        .select_related("course", "venue")
        .filter(series=series, status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .order_by("pk")
    )
    if not sessions:
        raise BookingError(_("This series has no sessions left to book."), "series_over")
    resident = _lock_resident(resident_id)

    existing = {
        b.session_id: b
        for b in Booking.objects.filter(
            resident=resident, session__in=sessions, status__in=ACTIVE_STATUSES
        )
    }
    if len(existing) == len(sessions):
        return sorted(existing.values(), key=lambda b: b.session.starts_at)

    full = []
    for session in sessions:
        if session.pk in existing:
            continue
        _refuse_overlap(_bookings_at_same_time(resident, session), session)
        taken, waiting = _seat_counts(session)
        if waiting or taken >= session.capacity:
            full.append(session)
    if full:
        raise BookingError(
            _("These sessions are full, so the series cannot be booked as a whole: %(sessions)s")
            % {"sessions": "、".join(_session_label(s) for s in full)},
            "series_full",
        )

    bookings = list(existing.values())
    for index, session in enumerate(s for s in sessions if s.pk not in existing):
        booking = Booking.objects.create(
            session=session,
            resident=resident,
            status=BookingStatus.BOOKED,
            series=series,
            request_key=request_key_for(request_key, session.pk) if request_key else None,
            created_by=user if user is not None and user.is_authenticated else None,
            created_at=now,
        )
        _record(booking, "", "booked", user, note=f"series {series.pk} part {index + 1}")
        bookings.append(booking)
    return sorted(bookings, key=lambda b: b.session.starts_at)


def _lock_booking(booking_id: int) -> tuple[Session, Booking]:
    try:
        session_id = Booking.objects.values_list("session_id", flat=True).get(pk=booking_id)
    except Booking.DoesNotExist:
        raise BookingError(_("This booking does not exist."), "unknown_booking") from None
    # Session first, then the booking: the same order as booking_create, so no deadlock.
    session = _lock_session(session_id)
    booking = Booking.objects.select_for_update().select_related("resident").get(pk=booking_id)
    booking.session = session
    return session, booking


@transaction.atomic
def booking_cancel(
    *,
    booking_id: int,
    user: Actor,
    reason: str = CancelReason.BY_STAFF,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ChangeOutcome:
    """Cancel a booking or a waitlist place; a freed seat is offered to the next in line."""
    now = now or timezone.now()
    session, booking = _lock_booking(booking_id)
    if booking.status == BookingStatus.CANCELLED:
        raise BookingError(_("This booking has already been cancelled."), "already_cancelled")
    if booking.status not in CANCELLABLE_STATUSES:
        raise BookingError(
            _("This booking can no longer be cancelled (the session has taken place)."),
            "not_cancellable",
        )
    _cancel(booking, reason, user, note)
    # A freed seat goes to the next in line; so may seats that were waiting for a group whose
    # member this was (the group now needs fewer).
    return ChangeOutcome(booking, _offer_free_seats(session, user, now))


def _cancel(booking: Booking, reason: str, user: Actor, note: str = "") -> None:
    previous = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.cancel_reason = reason
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "cancel_reason", "offer_expires_at", "updated_at"])
    _record(booking, previous, "cancelled", user, note)


def booking_undoable(booking: Booking, now: datetime.datetime | None = None) -> bool:
    """Whether the desk may still take the booking back as made by mistake."""
    now = now or timezone.now()
    window = datetime.timedelta(minutes=settings.BOOKING_UNDO_MINUTES)
    return booking.status in CANCELLABLE_STATUSES and now - booking.created_at <= window


@transaction.atomic
def booking_undo(
    *, booking_id: int, user: Actor, now: datetime.datetime | None = None
) -> ChangeOutcome:
    """Take back a booking made by mistake (the wrong line, the wrong caller) within
    BOOKING_UNDO_MINUTES of making it: it is cancelled as entered in error, and its
    confirmation is not sent if it has not gone yet."""
    now = now or timezone.now()
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingError(_("This booking does not exist."), "unknown_booking")
    if not booking_undoable(booking, now):
        raise BookingError(
            _("It is too late to take this booking back: please cancel it instead."), "too_late"
        )
    return booking_cancel(
        booking_id=booking_id, user=user, reason=CancelReason.ENTERED_IN_ERROR, now=now
    )


def group_undoable(bookings: Iterable[Booking], now: datetime.datetime | None = None) -> bool:
    """Whether the desk may still take back all these bookings made together: each one still
    held, and made within BOOKING_UNDO_MINUTES."""
    now = now or timezone.now()
    held = [b for b in bookings if b.status != BookingStatus.CANCELLED]
    return bool(held) and all(booking_undoable(b, now) for b in held)


@transaction.atomic
def booking_group_undo(
    *, booking_id: int, user: Actor, now: datetime.datetime | None = None
) -> ChangeOutcome:
    """Take back every booking made together with this one (the wrong session, the wrong
    people), within BOOKING_UNDO_MINUTES: all of them are cancelled as entered in error, in
    one step, and the seats go to the waitlist once. Members cancelled already stay so."""
    now = now or timezone.now()
    session, booking = _lock_booking(booking_id)
    if booking.group_id is None:
        raise BookingError(_("This booking was not made together with others."), "not_a_group")
    members = list(
        Booking.objects.select_for_update()
        .select_related("resident")
        .filter(group_id=booking.group_id)
        .order_by("pk")
    )
    if not group_undoable(members, now):
        raise BookingError(
            _("It is too late to take these bookings back: please cancel them instead."),
            "too_late",
        )
    together = [b for b in members if b.status != BookingStatus.CANCELLED]
    for member in together:
        member.session = session
        _cancel(member, CancelReason.ENTERED_IN_ERROR, user)
    offered = _offer_free_seats(session, user, now)
    asked = next(b for b in members if b.pk == booking.pk)
    return ChangeOutcome(asked, offered, together)


def _holding_the_offer(session: Session, booking: Booking) -> list[Booking]:
    """The offered booking and the other members of its group offered seats with it, locked
    (the session is locked first), in booking order; `booking` itself among them."""
    if booking.group_id is None:
        return [booking]
    members = (
        Booking.objects.select_for_update()
        .select_related("resident")
        .filter(group_id=booking.group_id, status=BookingStatus.OFFERED)
        .exclude(pk=booking.pk)
    )
    party = sorted([booking, *members], key=lambda b: b.pk)
    for member in party:
        member.session = session
    return party


@transaction.atomic
def offer_accept(
    *, booking_id: int, user: Actor, now: datetime.datetime | None = None
) -> ChangeOutcome:
    """The resident takes the seat they were offered. An offer to a group is taken for every
    member who holds it: whoever answers, answers for all of them."""
    now = now or timezone.now()
    session, booking = _lock_booking(booking_id)
    if booking.status != BookingStatus.OFFERED:
        raise BookingError(_("There is no open offer on this booking."), "no_offer")
    # An offer always has a deadline (booking_offer_has_expiry); None cannot happen.
    if booking.offer_expires_at is None or booking.offer_expires_at <= now:
        raise BookingError(
            _("This offer has expired; the seat has moved on to the next person."), "offer_expired"
        )
    party = _holding_the_offer(session, booking)
    for member in party:
        member.status = BookingStatus.BOOKED
        member.offer_expires_at = None
        member.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _record(member, BookingStatus.OFFERED, "offer_accepted", user)
    return ChangeOutcome(booking, [], party if len(party) > 1 else [])


def _close_offer(
    session: Session, booking: Booking, user: Actor, reason: str, now: datetime.datetime
) -> tuple[list[Booking], list[Booking]]:
    """Close the offer for the booking and everyone offered seats with it; returns (those
    closed, those offered the seats next)."""
    party = _holding_the_offer(session, booking)
    for member in party:
        member.status = BookingStatus.CANCELLED
        member.cancel_reason = reason
        member.offer_expires_at = None
        member.save(update_fields=["status", "cancel_reason", "offer_expires_at", "updated_at"])
        _record(member, BookingStatus.OFFERED, reason, user)
    return party, _offer_free_seats(session, user, now)


@transaction.atomic
def offer_decline(
    *, booking_id: int, user: Actor, now: datetime.datetime | None = None
) -> ChangeOutcome:
    """The resident does not want the seat; it goes to the next in line. An offer to a group
    is declined for every member who holds it."""
    now = now or timezone.now()
    session, booking = _lock_booking(booking_id)
    if booking.status != BookingStatus.OFFERED:
        raise BookingError(_("There is no open offer on this booking."), "no_offer")
    party, offered = _close_offer(session, booking, user, CancelReason.OFFER_DECLINED, now)
    return ChangeOutcome(booking, offered, party if len(party) > 1 else [])


def offers_expire(*, now: datetime.datetime | None = None, user: Actor = None) -> list[Booking]:
    """Close offers whose time is up and pass their seats on. Safe to run again at any time.
    An offer to a group closes for all its members at once.

    Returns the bookings newly offered a seat.
    """
    now = now or timezone.now()
    offered = []
    due = Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now)
    for booking_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            session, booking = _lock_booking(booking_id)
            # Another worker or the desk may have answered it meanwhile.
            expires = booking.offer_expires_at
            if booking.status != BookingStatus.OFFERED or expires is None or expires > now:
                continue
            offered += _close_offer(session, booking, user, CancelReason.OFFER_EXPIRED, now)[1]
    return offered


@transaction.atomic
def session_offer_free_seats(
    *, session_id: int, user: Actor, now: datetime.datetime | None = None
) -> list[Booking]:
    """After capacity grows, offer the new seats to the waitlist."""
    session = _lock_session(session_id)
    return _offer_free_seats(session, user, now or timezone.now())


@transaction.atomic
def session_cancel(
    *, session_id: int, user: Actor, reason: str, now: datetime.datetime | None = None
) -> list[Booking]:
    """Cancel a session and every booking on it.

    Returns the bookings whose people to contact, with their resident loaded and
    `previous_status` telling whether they had a seat, an offer or a waitlist place.
    """
    now = now or timezone.now()
    session = _lock_session(session_id)
    if session.status == SessionStatus.CANCELLED:
        raise BookingError(_("This session is already cancelled."), "already_cancelled")
    if session.status == SessionStatus.HELD or session.ends_at <= now:
        raise BookingError(_("A session that has taken place cannot be cancelled."), "held")
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancelled_by = user if user is not None and user.is_authenticated else None
    session.cancel_reason = reason[:200]
    session.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])

    affected = list(
        session.bookings.filter(status__in=CANCELLABLE_STATUSES)
        .select_related("resident")
        .order_by("created_at", "pk")
    )
    previous = {b.pk: b.status for b in affected}
    for booking in affected:
        # Shown on the contact list, as classes.queries.session_contacts annotates it.
        setattr(booking, "previous_status", booking.status)  # noqa: B010
        booking.status = BookingStatus.CANCELLED
        booking.cancel_reason = CancelReason.SESSION_CANCELLED
        booking.offer_expires_at = None
        booking.updated_at = now
    Booking.objects.bulk_update(
        affected, ["status", "cancel_reason", "offer_expires_at", "updated_at"]
    )
    actor = user if user is not None and user.is_authenticated else None
    BookingEvent.objects.bulk_create(
        BookingEvent(
            booking=b,
            from_status=previous[b.pk],
            to_status=BookingStatus.CANCELLED,
            reason="session_cancelled",
            note=reason[:200],
            actor=actor,
            at=now,
        )
        for b in affected
    )
    hooks.booking_changed.announce_all(
        _change(b, previous[b.pk], "session_cancelled") for b in affected
    )
    hooks.session_cancelled.announce(hooks.SessionCancelled(session_id=session.pk))
    return affected


def bookings_merge(merge: ResidentMerge) -> None:
    """residents.hooks.resident_merging listener: move the bookings of the record merged away
    without breaking one booking per session."""
    bookings_move_to_resident(keep=merge.keep, remove=merge.remove, user=merge.user)


@transaction.atomic
def bookings_move_to_resident(
    *, keep: Resident, remove: Resident, user: Actor, now: datetime.datetime | None = None
) -> list[Booking]:
    """Re-point a merged-away resident's bookings; where both hold the same session, keep one."""
    now = now or timezone.now()
    session_ids = sorted(
        set(Booking.objects.filter(resident=remove).values_list("session_id", flat=True))
    )
    # Sessions before bookings, in id order: the lock order every booking verb uses.
    sessions = {s.pk: s for s in Session.objects.select_for_update().filter(pk__in=session_ids)}
    kept_sessions = set(
        Booking.objects.filter(resident=keep, status__in=ACTIVE_STATUSES).values_list(
            "session_id", flat=True
        )
    )
    freed = []
    for booking in Booking.objects.select_for_update().filter(resident=remove).order_by("pk"):
        previous = booking.status
        booking.resident = keep
        if previous in ACTIVE_STATUSES and booking.session_id in kept_sessions:
            booking.status = BookingStatus.CANCELLED
            booking.cancel_reason = CancelReason.BY_STAFF
            booking.offer_expires_at = None
            booking.save()
            _record(booking, previous, "merged_duplicate", user, f"resident {remove.pk} merged")
            if previous in SEAT_STATUSES:
                freed.append(sessions[booking.session_id])
        else:
            booking.save(update_fields=["resident", "updated_at"])
            _record(booking, previous, "merged", user, f"resident {remove.pk} merged")
    offered = []
    for session in freed:
        offered += _offer_free_seats(session, user, now)
    return offered
