"""The one check-in service: camera, roster, walk-in and API all come through checkin_redeem.

A scan is idempotent and cheap. The same ticket twice, or from two phones at once, makes one
check-in; a retried request with the same client nonce gets the first answer back and changes
nothing (the nonce is unique: the retry's insert fails and the first answer is read back).

The venue's queue waits on every scan, so the scan path is written for the database, not through
the ORM's layers, and costs two statements outside a transaction:
1. one SELECT reads the ticket, its booking, session and resident, and the booking's standing
   check-in (for "already checked in at 10:02 by 佐藤"); for the scan API, also the scanner
   pass's user's pass generation and whether that user is active (attendance.scanpass), so a
   revoked pass is refused by the same statement, before anything is written;
2. `_judge` decides the result in Python — the one place the rules live — and one write logs
   it. For an `ok`, the write also claims the booking: it moves the booking to attended only if
   its status is still the one that was read (compare-and-set). If another phone got there
   first, nothing is written and the scan is judged again, now as already_checked_in. On
   PostgreSQL claim and log are one statement (a data-modifying CTE, atomic on its own); other
   databases run the same two steps in a transaction.
A partial unique index (one standing `ok` per booking) backs the rule in the database.

When a ticket counts — the session's date decides. A ticket is accepted at its own session from
00:00 of the session's day (Asia/Tokyo; staff open the roster in the morning for an evening
class) until the later of that day's end and the session's end plus CHECKIN_GRACE_MINUTES
(settings, default 30). So a resident at a session starting 23:30 who is scanned at 00:05 is
checked in, and the attendance belongs to the session (its date, its fiscal year); outside
that window the scan is wrong_day. Closing (attendance/closing.py) waits for the same grace
before it marks unused seats no-shows, so a late arrival within it is never a no-show.

The CheckIn rows are the history of attendance — who checked whom in, when, how, and any undo —
so check-ins add no BookingEvent of their own.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, overload

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Case, Field, When
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import CheckIn, ScanPassGeneration, Ticket
from attendance.scanpass import ScanGrant as PassGrant
from attendance.shortcode import short_code_checks, short_code_in
from classes.models import Booking, BookingStatus, Session
from residents.models import Resident

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.access import Actor

# A check-in made by mistake can be taken back this long afterwards.
UNDO_MINUTES = 10
# A QR code may hold the ticket's URL (.../t/<token>/) or the bare token.
_TOKEN_IN_TEXT = re.compile(r"([2-9A-HJ-NP-Z]{20,32})/?$")
# Wrong short codes one staff member may type in SHORT_CODE_WINDOW before typing is refused.
SHORT_CODE_MISSES = 20
SHORT_CODE_WINDOW = datetime.timedelta(minutes=10)
_BOOKING_NUMBER = re.compile(r"^\d{4,8}$")
# A scan that loses a race is judged again; the second judgement sees the winner.
_CLAIM_ATTEMPTS = 3

Result = CheckIn.Result
# The columns a scan writes, in the order of the INSERT's parameters.
_LOG_FIELDS = (
    "nonce",
    "result",
    "channel",
    "token",
    "ticket",
    "booking",
    "session",
    "resident",
    "original",
    "device",
    "by",
    "at",
    "note",
)


# Django's conversion for the columns that need one on some database (a UUID is text on
# SQLite, a datetime naive UTC); the other values go to the driver as they are.
def _log_column(name: str) -> Field[Any, Any]:
    column = CheckIn._meta.get_field(name)
    assert isinstance(column, Field)  # a column of the row, not a relation's other side
    return column


def _log_preparer(name: str) -> Callable[..., Any] | None:
    return _log_column(name).get_db_prep_save if name in ("nonce", "at") else None


_LOG_PREPARERS = tuple(_log_preparer(name) for name in _LOG_FIELDS)


class CheckInError(Exception):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ScanPassRevoked(CheckInError):
    """The scanner pass no longer stands: its user logged out, was deactivated or lost the role
    or the venue since it was issued (attendance.scanpass). Nothing was written."""


@dataclass(frozen=True)
class CheckInOutcome:
    """What the scanner shows: the result code, whose booking, and for a repeat the first one.

    The scan path answers from plain values; `checkin` and `booking` are model instances made
    (without queries) only when a caller asks for them.
    """

    result: str
    checkin_id: int
    resident_name: str
    first_at: datetime.datetime | None
    first_by: User | None  # the staff user of the standing check-in, for already_checked_in
    make_models: Callable[[], tuple[CheckIn, Booking | None]] = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.result == Result.OK

    @functools.cached_property
    def _models(self) -> tuple[CheckIn, Booking | None]:
        return self.make_models()

    @property
    def checkin(self) -> CheckIn:
        return self._models[0]

    @property
    def booking(self) -> Booking | None:
        """None only for a code that is no ticket (result `unknown`)."""
        return self._models[1]


def token_from_scan(text: str | None) -> str:
    """The token inside what a scanner read, or the text itself when it holds none."""
    text = (text or "").strip()
    match = _TOKEN_IN_TEXT.search(text.upper())
    return match.group(1) if match else text[:64]


def _as_uuid(nonce: object) -> uuid.UUID | None:
    if nonce in (None, ""):
        return None
    try:
        return uuid.UUID(str(nonce))
    except ValueError:
        raise CheckInError(_("The scanner sent a malformed request id."), "bad_nonce") from None


def _outcome(checkin: CheckIn) -> CheckInOutcome:
    """The outcome of a check-in loaded through the ORM (a replayed nonce)."""
    first = checkin.original
    booking = checkin.booking
    return CheckInOutcome(
        result=checkin.result,
        checkin_id=checkin.pk,
        resident_name=booking.resident.full_name if booking else "",
        first_at=first.at if first else None,
        first_by=first.by if first else None,
        make_models=lambda: (checkin, booking),
    )


def checkin_replay(nonce: uuid.UUID) -> CheckInOutcome | None:
    """The answer first given to this nonce, or None when it is new."""
    earlier = (
        CheckIn.objects.select_related("booking__resident", "booking__session", "original__by")
        .filter(nonce=nonce)
        .first()
    )
    return _outcome(earlier) if earlier else None


class _Ticket(NamedTuple):
    """A row of the scan's read (its columns in this order): the ticket, its booking and session,
    the resident's name, and the booking's standing check-in with who made it."""

    id: int
    revoked_at: datetime.datetime | None
    booking_id: int
    status: str
    session_id: int
    resident_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    family_name: str
    given_name: str
    first_id: int | None
    first_at: datetime.datetime | None
    first_by_id: int | None
    first_by_username: str | None
    first_by_first_name: str | None
    first_by_last_name: str | None


def checkin_closes_at(ends_at: datetime.datetime) -> datetime.datetime:
    """The moment check-in stops for a session ending at `ends_at`: the later of the end of its
    Tokyo day and `ends_at` + CHECKIN_GRACE_MINUTES. Closing waits for the grace too."""
    day = timezone.localdate(ends_at)
    midnight = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    grace = ends_at + datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    return max(midnight, grace)


def checkin_window_open(
    starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime
) -> bool:
    """Whether a ticket for a session [starts_at, ends_at) may be checked in at `now`: from
    00:00 of the session's Tokyo day to `checkin_closes_at(ends_at)` (the module's docstring)."""
    opens = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(starts_at), datetime.time.min)
    )
    return opens <= now < checkin_closes_at(ends_at)


def _judge(ticket: _Ticket | None, session_id: int, now: datetime.datetime) -> str:
    """The result code for this ticket scanned at this session, before anything changes."""
    if ticket is None:
        return Result.UNKNOWN
    if ticket.revoked_at is not None:
        return Result.REVOKED
    if ticket.status == BookingStatus.CANCELLED:
        return Result.CANCELLED
    if ticket.status in (BookingStatus.WAITLISTED, BookingStatus.OFFERED):
        return Result.WAITLISTED
    # A ticket counts only on the day of its session (or in the grace after a late session's
    # end), even on that session's own page.
    if not checkin_window_open(_aware(ticket.starts_at), _aware(ticket.ends_at), now):
        return Result.WRONG_DAY
    if ticket.session_id != session_id:
        return Result.WRONG_SESSION
    if ticket.status == BookingStatus.ATTENDED:
        return Result.ALREADY
    return Result.OK


@functools.cache
def _scan_sql(checked: bool = False) -> str:
    """The scan's read: the ticket, booking, session, resident and any standing check-in.

    `checked` (a scan sent with a scanner pass): the read starts from the pass's user, and adds
    that user's pass generation and whether the user is active to the row, so the pass is
    checked in the same statement; its parameters are then (token, ok, user id), and the row
    comes back for an unknown token too, its ticket columns null. Otherwise (ok, token)."""
    user = get_user_model()._meta.db_table
    table = {model: model._meta.db_table for model in (Ticket, Booking, Session, Resident, CheckIn)}
    columns = """t.id, t.revoked_at, b.id, b.status, b.session_id, b.resident_id, s.starts_at,
               s.ends_at, r.family_name, r.given_name, o.id, o.at, u.id, u.username, u.first_name,
               u.last_name"""
    standing = f"""{table[CheckIn]} o
            ON o.booking_id = b.id AND o.result = %s AND o.undone_at IS NULL
          LEFT JOIN {user} u ON u.id = o.by_id"""
    if not checked:
        return f"""
        SELECT {columns}
          FROM {table[Ticket]} t
          JOIN {table[Booking]} b ON b.id = t.booking_id
          JOIN {table[Session]} s ON s.id = b.session_id
          JOIN {table[Resident]} r ON r.id = b.resident_id
          LEFT JOIN {standing}
         WHERE t.token = %s"""
    return f"""
        SELECT {columns}, COALESCE(g.generation, 0), p.is_active
          FROM {user} p
          LEFT JOIN {ScanPassGeneration._meta.db_table} g ON g.user_id = p.id
          LEFT JOIN {table[Ticket]} t ON t.token = %s
          LEFT JOIN {table[Booking]} b ON b.id = t.booking_id
          LEFT JOIN {table[Session]} s ON s.id = b.session_id
          LEFT JOIN {table[Resident]} r ON r.id = b.resident_id
          LEFT JOIN {standing}
         WHERE p.id = %s"""


@functools.cache
def _write_sql() -> tuple[str, str, str]:
    """(log, claim_and_log, claim): the scan's writes, see the module's docstring."""
    columns = ", ".join(_log_column(name).column or "" for name in _LOG_FIELDS)
    values = ", ".join(["%s"] * len(_LOG_FIELDS))
    log = f"INSERT INTO {CheckIn._meta.db_table} ({columns}) VALUES ({values}) RETURNING id"
    # A SELECT list gives parameters no column to take their type from: name each type.
    typed = ", ".join(
        f"CAST(%s AS {_log_column(name).cast_db_type(connection)})" for name in _LOG_FIELDS
    )
    claim = (
        f"UPDATE {Booking._meta.db_table} SET status = %s, updated_at = %s "
        "WHERE id = %s AND status = %s"
    )
    claim_and_log = (
        f"WITH claimed AS ({claim} RETURNING id) "
        f"INSERT INTO {CheckIn._meta.db_table} ({columns}) SELECT {typed} FROM claimed "
        "RETURNING id"
    )
    return log, claim_and_log, claim


def _scan_cursor() -> CursorWrapper:
    """Django's cursor, but on PostgreSQL one that binds parameters on the server, so the scan's
    statements are prepared once per connection (settings: DB_PREPARED_STATEMENTS) and then
    only executed. Queries are still logged and errors translated as Django's own are."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return _ServerBoundDebugCursor(raw, connection)
    return connection.make_cursor(raw)  # type: ignore[arg-type]  # a driver cursor, as Django passes it


class _ServerBoundDebugCursor(CursorDebugWrapper):
    """Logs each statement as written, with its parameters beside it: Django reads the executed
    SQL back only from cursors that bind on the client."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@overload
def _aware(moment: datetime.datetime) -> datetime.datetime: ...
@overload
def _aware(moment: None) -> None: ...
@overload
def _aware(moment: datetime.datetime | None) -> datetime.datetime | None: ...


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    # SQLite hands back naive UTC datetimes from a raw cursor.
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, datetime.UTC)
    return moment


def _read(cursor: CursorWrapper, token: str) -> _Ticket | None:
    """The ticket's row, or None for an unknown token."""
    cursor.execute(_scan_sql(), [Result.OK, token])
    row = cursor.fetchone()
    return None if row is None else _Ticket._make(row)


def _read_checked(cursor: CursorWrapper, token: str, grant: PassGrant) -> _Ticket | None:
    """The ticket's row as _read's, after checking the scanner pass in the same statement;
    ScanPassRevoked when the pass's user is gone, inactive or at another generation."""
    cursor.execute(_scan_sql(checked=True), [token, Result.OK, grant.user_id])
    row = cursor.fetchone()
    if row is None or not row[-1] or row[-2] != grant.generation:
        raise ScanPassRevoked(_("The scanner page has expired. Please reload it."), "pass_revoked")
    return None if row[0] is None else _Ticket._make(row[:-2])


def _write(
    cursor: CursorWrapper, values: tuple[Any, ...], *, claim_from: str | None = None
) -> int | None:
    """Insert the attempt (`values` in _LOG_FIELDS order); with `claim_from`, only together with
    moving the booking from that status to attended. Returns the new id, or None when the claim
    found the booking changed."""
    log, claim_and_log, claim = _write_sql()
    params = [
        _prep(value, connection) if _prep else value
        for value, _prep in zip(values, _LOG_PREPARERS, strict=True)
    ]
    if claim_from is None:
        cursor.execute(log, params)
        logged: int = cursor.fetchone()[0]
        return logged
    at, booking_id = params[_LOG_FIELDS.index("at")], params[_LOG_FIELDS.index("booking")]
    claim_params = [BookingStatus.ATTENDED, at, booking_id, claim_from]
    if connection.vendor == "postgresql":
        cursor.execute(claim_and_log, claim_params + params)
        row = cursor.fetchone()
        return row[0] if row else None
    with transaction.atomic(savepoint=False):
        cursor.execute(claim, claim_params)
        if cursor.rowcount != 1:
            return None
        cursor.execute(log, params)
        claimed: int = cursor.fetchone()[0]
        return claimed


def _first_by(ticket: _Ticket) -> User | None:
    """The staff user who made the booking's standing check-in, from the scan's read."""
    if ticket.first_by_id is None:
        return None
    return get_user_model()(
        id=ticket.first_by_id,
        # Never null for a user that exists (the LEFT JOIN found one).
        username=ticket.first_by_username or "",
        first_name=ticket.first_by_first_name or "",
        last_name=ticket.first_by_last_name or "",
    )


def _models_of(
    ticket: _Ticket | None, values: tuple[Any, ...], checkin_id: int, first_by: User | None
) -> tuple[CheckIn, Booking | None]:
    """The scan's check-in and booking as model instances carrying the ids and values the scan
    read and wrote."""
    row = dict(zip(_LOG_FIELDS, values, strict=True))
    booking = None
    original = None
    if ticket is not None:
        booking = Booking(
            id=ticket.booking_id,
            status=BookingStatus.ATTENDED if row["result"] == Result.OK else ticket.status,
            session=Session(
                id=ticket.session_id,
                starts_at=_aware(ticket.starts_at),
                ends_at=_aware(ticket.ends_at),
            ),
            resident=Resident(
                id=ticket.resident_id,
                family_name=ticket.family_name,
                given_name=ticket.given_name,
            ),
        )
        if row["original"] is not None and ticket.first_at is not None:  # both or neither
            original = CheckIn(id=ticket.first_id, at=_aware(ticket.first_at), by=first_by)
    checkin = CheckIn(
        id=checkin_id,
        nonce=row["nonce"],
        result=row["result"],
        channel=row["channel"],
        token=row["token"],
        ticket_id=row["ticket"],
        booking=booking,
        session_id=row["session"],
        resident=booking.resident if booking else None,
        original=original,
        device=row["device"],
        by_id=row["by"],
        at=row["at"],
        note=row["note"],
    )
    return checkin, booking


def _redeem(
    *,
    token: str,
    session_id: int,
    device: str,
    nonce: uuid.UUID | None,
    user: Actor,
    channel: str,
    now: datetime.datetime,
    grant: PassGrant | None,
) -> CheckInOutcome:
    by_id = user.pk if user is not None and user.is_authenticated else None
    # Inside a caller's transaction (walk-in, roster) a failed insert must not spoil it.
    guard = transaction.atomic if connection.in_atomic_block else nullcontext
    with guard(), _scan_cursor() as cursor:
        for _attempt in range(_CLAIM_ATTEMPTS):
            ticket = _read(cursor, token) if grant is None else _read_checked(cursor, token, grant)
            result = _judge(ticket, session_id, now)
            # The ticket again when the scan repeats a standing check-in (already_checked_in).
            first = (
                ticket
                if ticket and ticket.first_id is not None and result == Result.ALREADY
                else None
            )
            values = (  # in _LOG_FIELDS order
                nonce,
                result,
                channel,
                token[:64],
                ticket.id if ticket else None,
                ticket.booking_id if ticket else None,
                session_id,
                ticket.resident_id if ticket else None,
                first.first_id if first else None,
                device[:64],
                by_id,
                now,
                "",
            )
            # From booked, or from no_show for someone who came late.
            claim_from = ticket.status if ticket and result == Result.OK else None
            checkin_id = _write(cursor, values, claim_from=claim_from)
            if checkin_id is None:
                continue  # another phone checked this booking in a moment ago
            first_by = _first_by(first) if first else None
            return CheckInOutcome(
                result=result,
                checkin_id=checkin_id,
                resident_name=(
                    Resident.name_from(ticket.family_name, ticket.given_name) if ticket else ""
                ),
                first_at=_aware(first.first_at) if first else None,
                first_by=first_by,
                make_models=functools.partial(_models_of, ticket, values, checkin_id, first_by),
            )
    raise CheckInError(_("The scanner is very busy. Please scan again."), "busy")


def _short_code_misses_key(user: Actor) -> str:
    return f"checkin:short-code-misses:{user.pk if user is not None else 'none'}"


def _short_code_missed(user: Actor) -> None:
    key = _short_code_misses_key(user)
    cache.add(key, 0, timeout=int(SHORT_CODE_WINDOW.total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(SHORT_CODE_WINDOW.total_seconds()))


def _token_for_typed(text: str, session_id: int, user: Actor) -> str | None:
    """The token of the ticket whose short code was typed, among the tickets of sessions at
    the venue of `session_id` on its day; None when `text` is no short code (a QR's text).

    A typed code that fits no ticket there comes back as itself, so the scan is logged and
    answered as `unknown`. Raises CheckInError for a slip of the keyboard, a booking number,
    or too many wrong codes."""
    code = short_code_in(text)
    if code is None:
        digits = unicodedata.normalize("NFKC", text).strip()
        if _BOOKING_NUMBER.match(digits):
            raise CheckInError(
                _(
                    "This is the booking number. Please type the short code printed under the "
                    "QR code (e.g. KP74-WXC)."
                ),
                "booking_number",
            )
        return None
    if (cache.get(_short_code_misses_key(user)) or 0) >= SHORT_CODE_MISSES:
        raise CheckInError(
            _(
                "Too many codes did not match, so typed codes are paused for a few minutes. "
                "Please check the person in by name on the roster."
            ),
            "too_many_codes",
        )
    if not short_code_checks(code):
        _short_code_missed(user)
        raise CheckInError(
            _("One of the characters seems mistyped. Please check the code and type it again."),
            "short_code_typo",
        )
    session = Session.objects.only("venue_id", "starts_at").get(pk=session_id)
    day = timezone.localtime(session.starts_at).date()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    tokens = list(
        Ticket.objects.filter(
            short_code=code,
            revoked_at__isnull=True,
            booking__session__venue_id=session.venue_id,
            booking__session__starts_at__gte=start,
            booking__session__starts_at__lt=start + datetime.timedelta(days=1),
        )
        # This session's own ticket first, should two sessions' codes ever coincide.
        .order_by(Case(When(booking__session_id=session_id, then=0), default=1), "pk")
        .values_list("token", flat=True)[:1]
    )
    if not tokens:
        _short_code_missed(user)
        return code
    return tokens[0]


def checkin_redeem(
    *,
    token: str,
    session_id: int,
    device: str | None,
    nonce: uuid.UUID | str | None,
    user: Actor,
    channel: str = CheckIn.Channel.CAMERA,
    now: datetime.datetime | None = None,
    scan_pass: PassGrant | None = None,
) -> CheckInOutcome:
    """Check a ticket in at the session being worked; every attempt is logged with its result.

    With `scan_pass` (the scan API), the pass's generation is checked in the scan's read:
    ScanPassRevoked when it no longer stands."""
    now = now or timezone.now()
    nonce = _as_uuid(nonce)
    token = _token_for_typed(token or "", session_id, user) or token_from_scan(token)
    try:
        return _redeem(
            token=token,
            session_id=session_id,
            device=device or "",
            nonce=nonce,
            user=user,
            channel=channel,
            now=now,
            grant=scan_pass,
        )
    except IntegrityError:
        # This nonce was used before (a retry), or twice at the same moment: the first answer
        # stands, and the retry's own changes were rolled back.
        replay = checkin_replay(nonce) if nonce is not None else None
        if replay is None:
            raise
        return replay


@transaction.atomic
def checkin_undo(*, checkin_id: int, user: Actor, now: datetime.datetime | None = None) -> CheckIn:
    """Take back a check-in made by mistake, within UNDO_MINUTES; the booking is booked again."""
    now = now or timezone.now()
    try:
        checkin = CheckIn.objects.select_for_update().get(pk=checkin_id, result=Result.OK)
    except CheckIn.DoesNotExist:
        raise CheckInError(_("There is no such check-in."), "unknown") from None
    if checkin.undone_at is not None:
        raise CheckInError(_("This check-in was already taken back."), "already_undone")
    if now - checkin.at > datetime.timedelta(minutes=UNDO_MINUTES):
        raise CheckInError(
            _("A check-in can only be taken back within %(minutes)s minutes.")
            % {"minutes": UNDO_MINUTES},
            "too_late",
        )
    assert checkin.booking_id is not None  # an ok check-in always has its booking
    Booking.objects.select_for_update().get(pk=checkin.booking_id)
    actor = user if user is not None and user.is_authenticated else None
    checkin.undone_at = now
    checkin.undone_by = actor
    checkin.rollup_pending = True
    checkin.save(update_fields=["undone_at", "undone_by", "rollup_pending"])
    # Only an attended booking is booked again: one cancelled since (the duplicate a merge of
    # two records of one person cancelled) stays cancelled beside the booking that was kept.
    Booking.objects.filter(pk=checkin.booking_id, status=BookingStatus.ATTENDED).update(
        status=BookingStatus.BOOKED, updated_at=now
    )
    return checkin
