from __future__ import annotations

import datetime
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from residents.models import Resident


class Partner(models.Model):
    """A private or civic organisation that runs or supports classes (carrier, NPO, ...)."""

    class Kind(models.TextChoices):
        CARRIER = "carrier", _("Mobile carrier")
        NPO = "npo", _("NPO")
        COMPANY = "company", _("Company")
        SCHOOL = "school", _("School or university")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def local_government_check_digit(first_five: str) -> int:
    """Check digit of a 全国地方公共団体コード: 11 − (Σ digit × weight 6..2 mod 11), last digit."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def validate_local_government_code(value: str) -> None:
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise ValidationError(_("Enter the 6-digit local government code, e.g. 452068."))
    if local_government_check_digit(value[:5]) != int(value[5]):
        raise ValidationError(
            _("The last digit of %(code)s is not its check digit. Please check the code."),
            params={"code": value},
        )


class Venue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The municipality the venue belongs to: a KPI plan of that municipality (same code) counts
    # and publishes the sessions held here, and no other plan does.
    municipality_code = models.CharField(
        _("local government code"),
        max_length=6,
        blank=True,
        validators=[validate_local_government_code],
        help_text=_(
            "全国地方公共団体コード of the municipality the venue belongs to (日向市: 452068). "
            "Its sessions count in that municipality's KPI plans only."
        ),
    )
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    capacity = models.PositiveSmallIntegerField(_("room capacity"), default=20)
    accessibility_notes = models.TextField(_("accessibility"), blank=True)
    has_wifi = models.BooleanField(_("Wi-Fi available"), default=False)
    loaner_devices = models.PositiveSmallIntegerField(_("loaner devices"), default=0)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("in use"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("venue staff"),
        blank=True,
        related_name="staffed_venues",
        help_text=_("Venue staff see and work only the sessions of their venues."),
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    SMARTPHONE_INTRO = "smartphone_intro", _("Smartphone class (introduction)")
    SMARTPHONE_BASIC = "smartphone_basic", _("Smartphone class (basics)")
    SMARTPHONE_ADVANCED = "smartphone_advanced", _("Smartphone class (advanced)")
    CONSULTATION = "consultation", _("Digital help session (one-to-one)")
    PROGRAMMING = "programming", _("Programming taster")
    MYNUMBER = "mynumber", _("My Number Card and Mynaportal")
    OTHER = "other", _("Other")


class DeviceOS(models.TextChoices):
    ANY = "any", _("Any phone")
    ANDROID = "android", _("Android")
    IPHONE = "iphone", _("iPhone")


class Course(models.Model):
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    device_os = models.CharField(
        _("phone type"), max_length=8, choices=DeviceOS.choices, default=DeviceOS.ANY
    )
    description = models.TextField(_("description in plain words"), blank=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    default_capacity = models.PositiveSmallIntegerField(_("usual capacity"), default=10)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title


class Series(models.Model):
    """Sessions that repeat on a rule, or a multi-part course booked as a whole."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        BIWEEKLY = "biweekly", _("Every other week")
        MONTHLY_NTH = "monthly_nth", _("Monthly on the nth weekday")

    title = models.CharField(_("title"), max_length=100)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="series"
    )
    courses = models.ManyToManyField(
        Course, through="SeriesPart", verbose_name=_("courses"), related_name="series"
    )
    frequency = models.CharField(_("repeats"), max_length=12, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    nth_week = models.PositiveSmallIntegerField(
        _("week of the month"), null=True, blank=True, help_text=_("1–5, for monthly series")
    )
    start_date = models.DateField(_("first date"))
    end_date = models.DateField(_("last date"))
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    book_as_whole = models.BooleanField(
        _("booked as a whole"),
        default=False,
        help_text=_("Residents book every part together (e.g. introduction → basics → advanced)."),
    )
    skip_holidays = models.BooleanField(_("skip public holidays and New Year"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="series_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="series_times_in_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_valid"),
            models.CheckConstraint(
                condition=~Q(frequency="monthly_nth") | Q(nth_week__gte=1, nth_week__lte=5),
                name="series_monthly_has_nth_week",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]


class SeriesPart(models.Model):
    """The courses of a series in order; the nth session takes the nth part (cycling)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="parts")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("series part")
        verbose_name_plural = _("series parts")
        ordering = ["series", "position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "position"], name="series_part_position")
        ]

    def __str__(self) -> str:
        return f"{self.series} #{self.position + 1}: {self.course}"


class SeriesException(models.Model):
    """A date taken out of a series, or an extra date put into it."""

    class Action(models.TextChoices):
        SKIP = "skip", _("No session on this date")
        ADD = "add", _("Extra session on this date")

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    action = models.CharField(_("change"), max_length=4, choices=Action.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("series exception")
        verbose_name_plural = _("series exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["series", "date"], name="series_exception_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.date} {self.action}"


class ConsultationDay(models.Model):
    """A one-to-one help day at a venue, cut into bookable slots (one session per slot)."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("first slot starts"))
    end_time = models.TimeField(_("last slot ends"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per slot"), default=30)
    desks = models.PositiveSmallIntegerField(
        _("supporters in parallel"),
        default=2,
        help_text=_("Each slot can be booked by this many residents, one per supporter."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation day")
        verbose_name_plural = _("consultation days")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="consultation_times_in_order"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="consultation_slot_min"),
            models.CheckConstraint(condition=Q(desks__gte=1), name="consultation_desks_min"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.venue} {self.date}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITLISTED = "waitlisted", _("On the waitlist")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")


# A booking in one of these states takes a seat.
SEAT_STATUSES = (
    BookingStatus.BOOKED,
    BookingStatus.OFFERED,
    BookingStatus.ATTENDED,
    BookingStatus.NO_SHOW,
)
# A resident holds at most one booking per session in one of these states.
ACTIVE_STATUSES = (*SEAT_STATUSES, BookingStatus.WAITLISTED)


class SessionQuerySet(models.QuerySet["Session"]):
    def with_seats(self) -> Self:
        """Annotate `seats_taken`, `waitlisted` and `seats_left` in the same query."""
        return self.annotate(
            seats_taken=Count("bookings", filter=Q(bookings__status__in=SEAT_STATUSES)),
            waitlisted=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
        ).annotate(seats_left=F("capacity") - F("seats_taken"))

    def upcoming(self, now: datetime.datetime | None = None) -> Self:
        return self.filter(starts_at__gte=now or timezone.now())

    def open_for_booking(self, now: datetime.datetime | None = None) -> Self:
        return self.upcoming(now).filter(status=SessionStatus.SCHEDULED)


class Session(models.Model):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="sessions"
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    consultation_day = models.ForeignKey(
        ConsultationDay,
        verbose_name=_("consultation day"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slots",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # True until the reports' rollup (reports/rollup.py) has counted the session as it is now
    # (held or not, its day, venue and course); set again by whatever changes one of those.
    rollup_pending = models.BooleanField(default=True, db_default=True, editable=False)

    objects = SessionQuerySet.as_manager()
    # What session_update did, for the page that follows (classes.scheduling).
    offered: list[Booking]
    moved: bool

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["starts_at"], name="session_starts_at"),
            models.Index(fields=["venue", "starts_at"], name="session_venue_starts_at"),
            models.Index(
                fields=["id"], condition=Q(rollup_pending=True), name="session_rollup_pending"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_min"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.course} {local:%Y-%m-%d %H:%M} {self.venue}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class CancelReason(models.TextChoices):
    BY_RESIDENT = "by_resident", _("Cancelled by the resident")
    BY_STAFF = "by_staff", _("Cancelled by staff")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    OFFER_DECLINED = "offer_declined", _("Offered seat declined")
    OFFER_EXPIRED = "offer_expired", _("Offered seat not taken in time")
    ENTERED_IN_ERROR = "entered_in_error", _("Booked by mistake and taken back")


class BookingSource(models.TextChoices):
    """Where a booking was made: by staff (the desk on the phone, the venue), or by the
    resident on the public booking pages with a code sent to their mobile."""

    DESK = "desk", _("Staff")
    WEB = "web", _("Web")


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> Self:
        return self.filter(status__in=ACTIVE_STATUSES)

    def holding_seats(self) -> Self:
        return self.filter(status__in=SEAT_STATUSES)


class BookingGroup(models.Model):
    """Residents booked into one session together in one step: a couple, a parent and a grown
    child. They get seats together or wait together, and a waitlist offer goes to them all
    (classes.booking explains the rules). Each member keeps a Booking of their own, with its
    own number, history and ticket; the first (lowest-numbered) one is the caller's, the
    group's lead."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="+"
    )
    # The desk form's one-off key: a double click or a retried POST finds the first group.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("booking together")
        verbose_name_plural = _("bookings together")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"group {self.pk}@{self.session_id}"


class Booking(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="bookings"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=12, choices=BookingStatus.choices)
    cancel_reason = models.CharField(
        _("cancelled because"), max_length=20, choices=CancelReason.choices, blank=True
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("booked with series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    source = models.CharField(
        _("booked through"),
        max_length=8,
        choices=BookingSource.choices,
        default=BookingSource.DESK,
        db_default=BookingSource.DESK,
    )
    group = models.ForeignKey(
        BookingGroup,
        verbose_name=_("booked together with others"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    # The desk form's one-off key: a double click or a retried POST finds the first booking.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BookingQuerySet.as_manager()
    # A list's line for people booked together (classes.queries.entries).
    party: list[Booking]
    companions: list[Booking]
    place: int
    # The others of its group on a roster (classes.queries.with_companions).
    together_with: list[Booking]

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status"], name="booking_session_status"),
            models.Index(fields=["resident", "status"], name="booking_resident_status"),
            models.Index(fields=["status", "offer_expires_at"], name="booking_offer_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "resident"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="booking_one_active_per_session",
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="booking_offer_has_expiry",
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="booking_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.resident_id}@{self.session_id} {self.status}"

    @property
    def number(self) -> str:
        """The booking number read out to the caller."""
        return f"{self.pk:06d}" if self.pk else ""


class BookingEvent(models.Model):
    """Every change of a booking: who, when, from what to what, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=BookingStatus.choices)
    reason = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("booking history entry")
        verbose_name_plural = _("booking history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status} -> {self.to_status}"
