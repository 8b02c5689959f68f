"""Demo data for a city modelled on 日向市 (Hyuga, Miyazaki): one fiscal year of the programme.

`seed_demo()` builds it once: the demo users every run (get_or_create), and everything else only
when the marker venue is missing, inside one transaction, so a second run changes nothing.
Sessions are planned through the scheduling services and upcoming bookings made through the
booking services, so the demo holds the same traces (events, offers) real use leaves. Sessions
that already took place are written directly with their final statuses and events.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from accounts.access import Role
from attendance.models import CheckIn
from classes.booking import (
    BookingError,
    booking_cancel,
    booking_create,
    series_book,
    session_cancel,
)
from classes.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingEvent,
    BookingStatus,
    CancelReason,
    Category,
    Course,
    DeviceOS,
    Partner,
    Series,
    Session,
    SessionStatus,
    Venue,
)
from classes.scheduling import (
    consultation_day_create,
    local_datetime,
    series_create,
    series_dates,
)
from demo import consultations as demo_consultations
from demo import notifications as demo_notifications
from demo import reports as demo_reports
from demo import surveys as demo_surveys
from demo import volunteers as demo_volunteers
from demo.people import fake_residents, story_residents
from followups.services import followups_run_due
from reports.fiscal import fiscal_year_bounds, fiscal_year_of
from residents.models import Resident, ResidentEvent

MUNICIPALITY_NAME = "日向市"
MUNICIPALITY_CODE = "452068"  # 全国地方公共団体コード (with check digit)
DEMO_PASSWORD = "tsunagu-demo"  # development only; printed by the command
RANDOM_SEED = 2026

RESIDENTS_FULL = 360
RESIDENTS_SMALL = 80
# --small books only sessions this close to now, to keep the test quick.
SMALL_WINDOW = datetime.timedelta(days=21)
# Upcoming sessions filled to capacity with people waiting, to show the waitlist and offers.
FULL_SESSIONS_WITH_WAITLIST = 2
WAITLIST_LENGTH = 3

T = datetime.time


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    last_name: str
    first_name: str
    what_to_try: str
    superuser: bool = False


DEMO_USERS = [
    DemoUser(
        "desk",
        Role.DESK,
        "河野",
        "美香",
        "Booking desk: type ﾔﾏﾀﾞ or 090, book, fill a session, waitlist, cancel, call list",
    ),
    DemoUser("venue", Role.VENUE, "甲斐", "健一", "Rosters of 日向市中央公民館 and 大王谷"),
    DemoUser("volunteer", Role.VOLUNTEER, "日高", "さくら", "Volunteer pages"),
    DemoUser(
        "dxoffice",
        Role.DXOFFICE,
        "黒木",
        "直人",
        "Plan series and consultation days; venues/courses in /admin/",
    ),
    DemoUser("admin", "", "管理者", "システム", "Everything, including /admin/", superuser=True),
]
# Models the DX office keeps up to date in the Django admin.
DX_ADMIN_MODELS = ("venue", "course", "partner")

VENUES = {
    "central": dict(
        name="日向市中央公民館", postal_code="883-0046", address="宮崎県日向市中町1番31号",
        phone="0982-52-2121", capacity=40, has_wifi=True, loaner_devices=10,
        accessibility_notes="1階の研修室を使います。正面入口にスロープがあり、車いすのまま"
        "入れます。多目的トイレがあります。",
        latitude="32.424300", longitude="131.623800",
    ),
    "daiodani": dict(
        name="大王谷コミュニティセンター", postal_code="883-0021",
        address="宮崎県日向市大字財光寺1210番地", phone="0982-54-3310", capacity=24,
        has_wifi=True, loaner_devices=6,
        accessibility_notes="段差のない平屋の建物です。駐車場が建物のすぐ前にあります。",
        latitude="32.410900", longitude="131.611200",
    ),
    "hososhima": dict(
        name="細島地区交流センター", postal_code="883-0052", address="宮崎県日向市大字細島318番地1",
        phone="0982-52-7715", capacity=20, has_wifi=False, loaner_devices=6,
        accessibility_notes="2階の会議室です。エレベーターはありません。階段に手すりがあります。",
        latitude="32.428600", longitude="131.664100",
    ),
    "togo": dict(
        name="東郷地区交流センター", postal_code="889-1111",
        address="宮崎県日向市東郷町山陰丙1427番地", phone="0982-69-2004", capacity=20,
        has_wifi=True, loaner_devices=4,
        accessibility_notes="1階の和室です（いす席を用意します）。送迎のご相談は東郷総合支所へ。",
        latitude="32.391800", longitude="131.551400",
    ),
    "cityhall": dict(
        name="日向市役所 市民交流スペース", postal_code="883-8555",
        address="宮崎県日向市本町10番5号", phone="0982-52-2111", capacity=30,
        has_wifi=True, loaner_devices=12,
        accessibility_notes="本庁舎1階です。エレベーター、多目的トイレ、貸し出し用の車いすがあります。",
        latitude="32.422800", longitude="131.624000",
    ),
}  # fmt: skip
# The venue whose presence means the demo data is loaded.
MARKER_VENUE = VENUES["central"]["name"]
STAFFED_VENUES = ("central", "daiodani")
HYUGA_CODE = "452068"  # 全国地方公共団体コード of 日向市

PARTNERS = [
    ("carrier", "つながるモバイル 日向店", Partner.Kind.CARRIER, "店長 森 和人", "0982-50-1234"),
    ("npo", "NPO法人 ひゅうがデジタルサポート", Partner.Kind.NPO, "理事 岩切 由紀", "0982-55-8080"),
    ("club", "ひむか大学 プログラミングサークル", Partner.Kind.SCHOOL, "代表 長友 翔", ""),
]

COURSES = [
    # key, title, category, os, capacity, partner, description
    ("intro_android", "スマホ教室 入門 (Android)", Category.SMARTPHONE_INTRO, DeviceOS.ANDROID, 12,
     "carrier",
     "はじめての方のための教室です。電源の入れ方、電話のかけ方と受け方、文字の打ち方を"
     "ゆっくり練習します。スマートフォンをお持ちでない方には、会場で貸し出します。"),
    ("intro_iphone", "スマホ教室 入門 (iPhone)", Category.SMARTPHONE_INTRO, DeviceOS.IPHONE, 10,
     "carrier",
     "iPhoneをお使いの方、これから使う方のための教室です。ボタンの場所、電話のかけ方、"
     "文字の打ち方を一つずつ練習します。"),
    ("basic", "スマホ教室 基礎", Category.SMARTPHONE_BASIC, DeviceOS.ANY, 12, "npo",
     "写真の撮り方、撮った写真を家族に送る方法、インターネットで調べものをする方法を"
     "練習します。入門を受けた方におすすめです。"),
    ("advanced", "スマホ教室 応用", Category.SMARTPHONE_ADVANCED, DeviceOS.ANY, 10, "npo",
     "地図で行き先を調べる、バスの時刻を確かめる、家族とビデオ通話をするなど、"
     "暮らしに役立つ使い方を練習します。"),
    ("mynumber", "マイナンバーカード・マイナポータル講座", Category.MYNUMBER, DeviceOS.ANY, 15,
     None,
     "スマートフォンでマイナポータルに入る方法や、健康保険証として使う方法を説明します。"
     "マイナンバーカードと、4けたの暗証番号をお持ちください。"),
    ("line", "LINEの使い方", Category.OTHER, DeviceOS.ANY, 10, "npo",
     "LINEで家族や友だちとメッセージや写真を送り合う方法を練習します。"
     "LINEが入っていない方は、入れるところからお手伝いします。"),
    ("cashless", "キャッシュレス決済体験", Category.OTHER, DeviceOS.ANY, 10, "carrier",
     "お店での支払いをスマートフォンでする方法を、練習用の画面で体験します。"
     "本物のお金は使いませんので、安心してご参加ください。"),
    ("consultation", "デジタル相談会 (1対1)", Category.CONSULTATION, DeviceOS.ANY, 2, "npo",
     "スマートフォンの困りごとに、支援員が1対1でお答えします。1回30分の予約制です。"
     "お使いのスマートフォンをお持ちください。"),
    ("scratch", "親子プログラミング体験 (Scratch)", Category.PROGRAMMING, DeviceOS.ANY, 8, "club",
     "小学生とご家族がいっしょに、Scratch（スクラッチ）で簡単なゲームを作ります。"
     "パソコンは会場で用意します。"),
]  # fmt: skip

# Weekday numbers as Series.weekday uses them.
MON, TUE, WED, THU, FRI, SAT = range(6)
W, BW, MN = Series.Frequency.WEEKLY, Series.Frequency.BIWEEKLY, Series.Frequency.MONTHLY_NTH

SERIES = [
    # title, venue, course keys, frequency, weekday, nth week, start, end, capacity
    ("スマホ教室 入門 (Android) 中央公民館", "central", ["intro_android"], BW, TUE, None,
     T(10), T(11, 30), 12),
    ("スマホ教室 入門 (iPhone) 大王谷", "daiodani", ["intro_iphone"], BW, THU, None,
     T(10), T(11, 30), 10),
    ("スマホ教室 基礎 市役所", "cityhall", ["basic"], BW, FRI, None, T(10), T(11, 30), 12),
    ("スマホ教室 応用 中央公民館", "central", ["advanced"], MN, THU, 4, T(13, 30), T(15), 10),
    ("マイナンバーカード・マイナポータル講座 市役所", "cityhall", ["mynumber"], MN, WED, 2,
     T(10), T(11, 30), 15),
    ("LINEの使い方 細島", "hososhima", ["line"], MN, FRI, 2, T(10), T(11, 30), 10),
    ("キャッシュレス決済体験 東郷", "togo", ["cashless"], MN, TUE, 3, T(13, 30), T(15), 10),
    ("親子プログラミング体験 中央公民館", "central", ["scratch"], MN, SAT, 3, T(10), T(12), 8),
]  # fmt: skip

# 入門→基礎→応用 over three weeks, booked as a whole; one run per listed month.
PACKAGE_TITLE = "はじめてのスマホ 3回コース"
PACKAGE_PARTS = ["intro_android", "basic", "advanced"]
PACKAGE_MONTHS = (6, 9, 12, 2)
PACKAGE_CAPACITY = 10

# Monthly 1:1 help days: venue, weekday, nth week, first slot, end, supporters in parallel.
CONSULTATION_DAYS = [
    ("central", WED, 3, T(13, 30), T(15, 30), 2),
    ("togo", THU, 1, T(10), T(12), 2),
]
SLOT_MINUTES = 30
PLAN_AHEAD = datetime.timedelta(days=90)
PLAN_BEHIND = datetime.timedelta(days=90)

# A typhoon took one past session; one upcoming session is cancelled for building works.
TYPHOON_REASON = "台風接近のため中止"
WORKS_REASON = "会場の設備点検のため中止"
WORKS_NOTICE = datetime.timedelta(days=10)


@dataclass
class SeedResult:
    created: bool
    counts: dict = field(default_factory=dict)


def planning_window(today):
    """The dates the demo plans sessions for: the current fiscal year, reaching back into the
    last one when this one has just begun (so there is always a past to report on and to ask
    surveys about) and on into the next one when it is nearly over (so there is always
    something ahead to book)."""
    start, end = fiscal_year_bounds(fiscal_year_of(today))
    return min(start, today - PLAN_BEHIND), max(end, today + PLAN_AHEAD)


# Each later app seeds its own part of the demo city, after the sessions and bookings exist.
# Each `seed` is idempotent on its own and returns True when it created something.
AREAS = (demo_volunteers, demo_consultations, demo_surveys, demo_reports, demo_notifications)


def seed_demo(*, small=False, seed=RANDOM_SEED):
    users = ensure_users()
    created = False
    with transaction.atomic():
        if not Venue.objects.filter(name=MARKER_VENUE).exists():
            _Builder(users, small=small, seed=seed, now=timezone.now()).build()
            created = True
        ensure_practice_session(users["venue"], users["desk"], seed=seed)
        demo_consultations.ensure_help_day(users, seed=seed)
    for area in AREAS:
        with transaction.atomic():
            created |= bool(area.seed(users=users, small=small, seed=seed))
    # What follows the demo's bookings (confirmations, assistant counts) is done before the site
    # opens, as the task cluster would have done it.
    while followups_run_due():
        pass
    return SeedResult(created=created, counts=demo_counts())


PRACTICE_TITLE = "受付の練習（デモ）"
PRACTICE_BOOKINGS = 8
# From 09:00 to the end of the day, so the scanner can be tried whenever `make run` starts.
PRACTICE_START, PRACTICE_END = datetime.time(9), datetime.time(23, 59)


def ensure_practice_session(venue_staff, desk, *, seed=RANDOM_SEED):
    """A session today at the venue staff's first venue, so the scanner can be tried whatever
    day `make run` happens on. One per day; running again finds it."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, PRACTICE_START))
    end = timezone.make_aware(datetime.datetime.combine(today, PRACTICE_END))
    venue = venue_staff.staffed_venues.order_by("name").first()
    existing = Session.objects.filter(
        venue=venue, course__title=PRACTICE_TITLE, starts_at=start
    ).first()
    if venue is None or existing is not None:
        return existing
    course, _ = Course.objects.get_or_create(
        title=PRACTICE_TITLE,
        defaults={
            "category": Category.OTHER,
            "description": "会場受付（QR読み取り）の練習用です。",
        },
    )
    session = Session.objects.create(
        course=course,
        venue=venue,
        starts_at=start,
        ends_at=end,
        capacity=PRACTICE_BOOKINGS + 2,
    )
    # Anyone with a booking that overlaps the long practice day, whether the session is still
    # to come or already took place, would be refused as double-booked.
    busy_today = Booking.objects.filter(
        session__starts_at__lt=end,
        session__ends_at__gt=start,
        status__in=ACTIVE_STATUSES,
    ).values("resident_id")
    rng = random.Random(f"{seed}-{today}")
    candidates = list(Resident.objects.active().exclude(pk__in=busy_today).order_by("pk")[:200])
    for resident in rng.sample(candidates, min(PRACTICE_BOOKINGS, len(candidates))):
        # Booked the day before, as the desk would have.
        booking_create(
            session_id=session.pk,
            resident_id=resident.pk,
            user=desk,
            now=start - datetime.timedelta(days=1),
        )
    return session


def demo_counts():
    return {
        "venues": Venue.objects.count(),
        "courses": Course.objects.count(),
        "series": Series.objects.count(),
        "sessions": Session.objects.count(),
        "residents": Resident.objects.count(),
        "bookings": Booking.objects.count(),
        "booking_events": BookingEvent.objects.count(),
    } | {name: count for area in AREAS for name, count in area.counts().items()}


def ensure_users():
    """The demo logins with their groups; created once, never changed afterwards."""
    user_model = get_user_model()
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    users = {}
    for spec in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.jp",
                "is_staff": spec.superuser or spec.role == Role.DXOFFICE,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if spec.role:
                user.groups.add(groups[spec.role])
            if spec.role == Role.DXOFFICE:
                user.user_permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label="classes", content_type__model__in=DX_ADMIN_MODELS
                    )
                )
        users[spec.username] = user
    return users


class _Builder:
    def __init__(self, users, *, small, seed, now):
        self.rng = random.Random(seed)
        self.users = users
        self.desk = users["desk"]
        self.small = small
        self.now = now
        self.today = timezone.localdate(now)
        self.fy_start, self.fy_end = fiscal_year_bounds(fiscal_year_of(self.today))
        self.plan_start, self.plan_end = planning_window(self.today)
        # resident id -> local dates they are booked on; nobody comes twice in a day.
        self.busy = {}

    def build(self):
        self.venues = self._venues()
        self.courses = self._courses(self._partners())
        self._plan_year()
        self.residents = self._residents()
        self._past_bookings()
        self._upcoming_bookings()

    # --- places and programme ----------------------------------------------------------

    def _venues(self):
        # Every demo venue is in 日向市, whose KPI plan (demo/reports.py) counts them.
        venues = {
            key: Venue.objects.create(municipality_code=HYUGA_CODE, **fields)
            for key, fields in VENUES.items()
        }
        for key in STAFFED_VENUES:
            venues[key].staff.add(self.users["venue"])
        return venues

    def _partners(self):
        return {
            key: Partner.objects.create(name=name, kind=kind, contact_name=contact, phone=phone)
            for key, name, kind, contact, phone in PARTNERS
        }

    def _courses(self, partners):
        return {
            key: Course.objects.create(
                title=title,
                category=category,
                device_os=os,
                default_capacity=capacity,
                partner=partners.get(partner),
                description=description,
            )
            for key, title, category, os, capacity, partner, description in COURSES
        }

    def _plan_year(self):
        planner = self.users["dxoffice"]
        for title, venue, parts, frequency, weekday, nth, start, end, capacity in SERIES:
            series_create(
                title=title,
                venue=self.venues[venue],
                courses=[self.courses[key] for key in parts],
                frequency=frequency,
                weekday=weekday,
                nth_week=nth,
                start_date=self.plan_start,
                end_date=self.plan_end,
                start_time=start,
                end_time=end,
                capacity=capacity,
                book_as_whole=False,
                skip_holidays=True,
                user=planner,
            )
        self.packages = []
        for month in PACKAGE_MONTHS:
            year = self.fy_start.year if month >= 4 else self.fy_end.year
            first = datetime.date(year, month, 1)
            first += datetime.timedelta(days=(WED - first.weekday()) % 7)
            self.packages.append(
                series_create(
                    title=f"{PACKAGE_TITLE}（{month}月）",
                    venue=self.venues["daiodani"],
                    courses=[self.courses[key] for key in PACKAGE_PARTS],
                    frequency=W,
                    weekday=WED,
                    nth_week=None,
                    start_date=first,
                    end_date=first + datetime.timedelta(weeks=2),
                    start_time=T(13, 30),
                    end_time=T(15),
                    capacity=PACKAGE_CAPACITY,
                    book_as_whole=True,
                    skip_holidays=True,
                    user=planner,
                )
            )
        for venue, weekday, nth, start, end, desks in CONSULTATION_DAYS:
            dates = series_dates(
                frequency=MN,
                weekday=weekday,
                nth_week=nth,
                start_date=self.plan_start,
                end_date=self.plan_end,
                skip_holidays=True,
            )
            for day in dates:
                consultation_day_create(
                    course=self.courses["consultation"],
                    venue=self.venues[venue],
                    date=day,
                    start_time=start,
                    end_time=end,
                    slot_minutes=SLOT_MINUTES,
                    desks=desks,
                    user=planner,
                )
        Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__lte=self.now).update(
            status=SessionStatus.HELD, rollup_pending=True
        )

    # --- people ----------------------------------------------------------------------------

    def _residents(self):
        count = RESIDENTS_SMALL if self.small else RESIDENTS_FULL
        residents = story_residents(today=self.today, created_by=self.desk)
        residents += fake_residents(
            self.rng, count - len(residents), today=self.today, created_by=self.desk
        )
        fy_start = local_datetime(self.fy_start, T(9))
        for resident in residents:
            # Registered over the year before the programme year began, in office hours.
            resident.created_at = fy_start - datetime.timedelta(
                days=self.rng.randint(1, 365), minutes=self.rng.randint(0, 8 * 60)
            )
        residents = Resident.objects.bulk_create(residents)
        ResidentEvent.objects.bulk_create(
            ResidentEvent(
                resident=r, kind=ResidentEvent.Kind.CREATED, actor=self.desk, at=r.created_at
            )
            for r in residents
        )
        return residents

    def _pick(self, session, count):
        """Up to `count` residents free that day; parents and carers for the family class."""
        day = timezone.localdate(session.starts_at)
        pool = self.residents
        if session.course.category == Category.PROGRAMMING:
            pool = [r for r in pool if r.birth_year and self.today.year - r.birth_year < 65]
        picked = []
        for resident in self.rng.sample(pool, len(pool)):
            if len(picked) == count:
                break
            if day not in self.busy.get(resident.pk, ()):
                picked.append(resident)
        return picked

    def _mark_busy(self, resident, session):
        self.busy.setdefault(resident.pk, set()).add(timezone.localdate(session.starts_at))

    def _in_window(self, session):
        return not self.small or abs(session.starts_at - self.now) <= SMALL_WINDOW

    # --- bookings of sessions that took place -----------------------------------------------

    def _past_bookings(self):
        sessions = list(
            Session.objects.filter(starts_at__lt=self.now)
            .select_related("course")
            .order_by("starts_at", "pk")
        )
        sessions = [s for s in sessions if self._in_window(s)]
        typhoon_day = self._typhoon_day(sessions)
        venue_staff = self.users["venue"]
        rows = []  # (booking, [event, ...])
        for session in sessions:
            day = timezone.localdate(session.starts_at)
            cancelled = day == typhoon_day
            if cancelled:
                session.status = SessionStatus.CANCELLED
                session.cancelled_at = session.starts_at - datetime.timedelta(days=1)
                session.cancelled_by = self.users["dxoffice"]
                session.cancel_reason = TYPHOON_REASON
            fill = self.rng.uniform(0.5, 1.0)
            for resident in self._pick(session, round(session.capacity * fill)):
                self._mark_busy(resident, session)
                booked_at = session.starts_at - datetime.timedelta(
                    days=self.rng.randint(2, 28), hours=self.rng.randint(0, 6)
                )
                booking = Booking(
                    session=session,
                    resident=resident,
                    status=BookingStatus.BOOKED,
                    created_by=self.desk,
                    created_at=booked_at,
                )
                events = [
                    self._event(booking, "", BookingStatus.BOOKED, "booked", self.desk, booked_at)
                ]
                roll = self.rng.random()
                if cancelled:
                    booking.status = BookingStatus.CANCELLED
                    booking.cancel_reason = CancelReason.SESSION_CANCELLED
                    events.append(
                        self._event(
                            booking, BookingStatus.BOOKED, BookingStatus.CANCELLED,
                            "session_cancelled", self.users["dxoffice"], session.cancelled_at,
                            TYPHOON_REASON,
                        )
                    )  # fmt: skip
                elif roll < 0.05:
                    booking.status = BookingStatus.CANCELLED
                    booking.cancel_reason = CancelReason.BY_RESIDENT
                    at = booked_at + (session.starts_at - booked_at) / 2
                    events.append(
                        self._event(
                            booking, BookingStatus.BOOKED, BookingStatus.CANCELLED, "cancelled",
                            self.desk, at,
                        )
                    )  # fmt: skip
                else:
                    booking.status = (
                        BookingStatus.NO_SHOW if roll < 0.13 else BookingStatus.ATTENDED
                    )
                    events.append(
                        self._event(
                            booking, BookingStatus.BOOKED, booking.status, booking.status,
                            venue_staff, session.ends_at,
                        )
                    )  # fmt: skip
                rows.append((booking, events))
        Session.objects.bulk_update(
            [s for s in sessions if s.status == SessionStatus.CANCELLED],
            ["status", "cancelled_at", "cancelled_by", "cancel_reason"],
        )
        bookings = Booking.objects.bulk_create([booking for booking, _ in rows])
        for booking, (_, events) in zip(bookings, rows, strict=True):
            for event in events:
                event.booking = booking
        BookingEvent.objects.bulk_create(event for _, events in rows for event in events)
        # Attendance counts in the KPIs through check-ins (DESIGN.md): each attended booking was
        # checked in at the venue a few minutes after the start.
        CheckIn.objects.bulk_create(
            CheckIn(
                result=CheckIn.Result.OK,
                channel=CheckIn.Channel.MANUAL,
                booking=booking,
                session=booking.session,
                resident_id=booking.resident_id,
                by=venue_staff,
                at=booking.session.starts_at + datetime.timedelta(minutes=booking.pk % 15),
            )
            for booking in bookings
            if booking.status == BookingStatus.ATTENDED
        )

    def _typhoon_day(self, past_sessions):
        """A September day with classes, lost to a typhoon (日向 lies on their path)."""
        september = sorted(
            {
                timezone.localdate(s.starts_at)
                for s in past_sessions
                if timezone.localdate(s.starts_at).month == 9
                and s.course.category != Category.CONSULTATION
            }
        )
        return september[len(september) // 2] if september else None

    @staticmethod
    def _event(booking, from_status, to_status, reason, actor, at, note=""):
        return BookingEvent(
            booking=booking,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            note=note,
            actor=actor,
            at=at,
        )

    # --- upcoming bookings through the booking services ---------------------------------------

    def _upcoming_bookings(self):
        sessions = list(
            Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=self.now)
            .select_related("course")
            .order_by("starts_at", "pk")
        )
        packaged = {s.pk for s in sessions if s.series_id in {p.pk for p in self.packages}}
        self._book_packages(sessions)
        showcase = [
            s
            for s in sessions
            if s.pk not in packaged
            and s.course.category not in (Category.CONSULTATION, Category.PROGRAMMING)
            and s.starts_at - self.now >= datetime.timedelta(days=2)
        ][:FULL_SESSIONS_WITH_WAITLIST]
        for session in showcase:
            self._book(session, session.capacity + WAITLIST_LENGTH)
        for session in sessions:
            if session in showcase or session.pk in packaged or not self._in_window(session):
                continue
            self._book(session, round(session.capacity * self._upcoming_fill(session)))

        # The first caller on the first full session cancels: the seat is offered to the
        # first person waiting, and the desk sees them on the call list.
        if showcase:
            first = Booking.objects.filter(session=showcase[0], status=BookingStatus.BOOKED)[0]
            booking_cancel(
                booking_id=first.pk,
                user=self.desk,
                reason=CancelReason.BY_RESIDENT,
                note="体調がすぐれないため",
            )
        # A few ordinary cancellations elsewhere (no one waiting, so the seat simply frees).
        others = Booking.objects.filter(
            status=BookingStatus.BOOKED, session__starts_at__gt=self.now
        ).exclude(session__in=showcase)
        for booking in others.order_by("pk")[::37][:3]:
            booking_cancel(booking_id=booking.pk, user=self.desk, reason=CancelReason.BY_RESIDENT)
        self._cancel_for_works(sessions, showcase, packaged)

    def _upcoming_fill(self, session):
        days_ahead = (session.starts_at - self.now).days
        if days_ahead <= 14:
            return self.rng.uniform(0.5, 0.9)
        if days_ahead <= 45:
            return self.rng.uniform(0.2, 0.6)
        return self.rng.uniform(0.0, 0.3)

    def _book(self, session, count):
        for resident in self._pick(session, count):
            try:
                booking_create(session_id=session.pk, resident_id=resident.pk, user=self.desk)
            except BookingError:
                continue
            self._mark_busy(resident, session)

    def _book_packages(self, sessions):
        for package in self.packages:
            parts = [s for s in sessions if s.series_id == package.pk]
            if len(parts) != len(PACKAGE_PARTS) or not self._in_window(parts[0]):
                continue
            for resident in self._pick(parts[0], 6):
                if any(
                    timezone.localdate(s.starts_at) in self.busy.get(resident.pk, ()) for s in parts
                ):
                    continue
                try:
                    series_book(series_id=package.pk, resident_id=resident.pk, user=self.desk)
                except BookingError:
                    continue
                for session in parts:
                    self._mark_busy(resident, session)

    def _cancel_for_works(self, sessions, showcase, packaged):
        """A class a few weeks ahead is called off; the service cancels its bookings and the
        DX office gets the list of people to call."""
        for session in sessions:
            if (
                session.starts_at - self.now >= WORKS_NOTICE
                and session not in showcase
                and session.pk not in packaged
                and session.consultation_day_id is None
                and session.bookings.exists()
            ):
                session_cancel(
                    session_id=session.pk, user=self.users["dxoffice"], reason=WORKS_REASON
                )
                return
