"""The demo city's help-session records: what the residents who came to past consultation days
asked about and how it ended (recorded by the volunteer on the slot's shift, or by venue staff),
a few follow-ups still waiting on the desk's list, and a help day today at the venue staff's
first venue, under way from the current half hour, booked and with the demo volunteer on its
first slots, so the phone form can be tried whatever day and hour `make run` happens at.

Deterministic random. The past records are created once; today's help day once a day.
"""

import datetime
import random

from django.utils import timezone

from classes.booking import BookingError, booking_create
from classes.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Category,
    ConsultationDay,
    Course,
    Session,
)
from classes.scheduling import consultation_day_create, local_datetime
from consultations.models import (
    DEVICES_WITH_OS,
    ConsultationRecord,
    Device,
    DeviceOS,
    FollowUp,
    Topic,
)
from consultations.services import topics_restore_national
from residents.models import Resident
from volunteers.models import Assignment, Role, ShiftNeed, Volunteer

T = datetime.time
# How often each topic comes up (relative), and the answers' shares.
TOPIC_WEIGHTS = {
    "basics": 18,
    "phone_mail": 10,
    "camera": 9,
    "line": 20,
    "maps": 5,
    "search": 6,
    "safety": 5,
    "mynumber": 14,
    "online": 5,
    "cashless": 5,
    "disaster": 2,
    "other": 3,
}
RESOLUTIONS = [("resolved", 65), ("partly", 25), ("not_resolved", 10)]
DEVICES = [
    (Device.SMARTPHONE, 82),
    (Device.TABLET, 5),
    (Device.FEATURE_PHONE, 8),
    (Device.PC, 2),
    (Device.NONE, 3),
]
SYSTEMS = [(DeviceOS.IOS, 44), (DeviceOS.ANDROID, 50), (DeviceOS.UNKNOWN, 6)]
FOLLOWUPS = [
    (FollowUp.NONE, 70),
    (FollowUp.CLASS, 15),
    (FollowUp.CONSULTATION, 8),
    (FollowUp.CARRIER, 7),
]
MINUTES = [10, 20, 20, 30, 30, 30, 45, 60]
NOTES = [
    "LINEの友だち追加を一緒に行った",
    "文字を大きくする設定をした",
    "暗証番号を忘れたため市役所窓口を案内",
    "写真をアルバムに分ける方法を説明",
    "迷惑メールの見分け方を説明",
]
# Follow-ups of the last weeks wait on the desk's list; older ones were dealt with.
OPEN_FOLLOWUPS_FOR = datetime.timedelta(days=30)
# Today's help day at the venue staff's venue, for trying the phone form: from the half hour now
# under way, for two hours (or to the end of the day).
TODAY_SLOT = 30
TODAY_LENGTH = datetime.timedelta(hours=2)
TODAY_BOOKINGS = 5


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def seed(*, users, small, seed):
    """The past consultations' records, once; True when something was created."""
    if ConsultationRecord.objects.exists():
        return False
    return _past_records(random.Random(f"{seed}-consultations"), users)


def counts():
    return {
        "consultation records": ConsultationRecord.objects.count(),
        "consultation follow-ups waiting": ConsultationRecord.objects.followups_open().count(),
    }


def _past_records(rng, users):
    now = timezone.now()
    bookings = list(
        Booking.objects.filter(
            session__course__category=Category.CONSULTATION,
            session__ends_at__lte=now,
            status=BookingStatus.ATTENDED,
        )
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )
    if not bookings:
        return False
    topics_restore_national()
    topics = {t.key: t for t in Topic.objects.filter(key__in=TOPIC_WEIGHTS)}
    keys = [k for k in TOPIC_WEIGHTS if k in topics]
    weights = [TOPIC_WEIGHTS[k] for k in keys]
    # The volunteer who worked each slot records it; without one, the venue staff do.
    shifts = {}
    for assignment in (
        Assignment.objects.worked()
        .filter(session__in={b.session_id for b in bookings})
        .select_related("volunteer__user")
    ):
        shifts.setdefault(assignment.session_id, assignment)
    records, chosen = [], []
    for booking in bookings:
        session = booking.session
        shift = shifts.get(session.pk)
        device = _pick(rng, DEVICES)
        followup = _pick(rng, FOLLOWUPS)
        recorded_at = session.ends_at - datetime.timedelta(minutes=rng.randint(0, 10))
        closed = followup in (FollowUp.CLASS, FollowUp.CONSULTATION) and (
            now - recorded_at > OPEN_FOLLOWUPS_FOR
        )
        records.append(
            ConsultationRecord(
                booking=booking,
                resident_id=booking.resident_id,
                device=device,
                device_os=_pick(rng, SYSTEMS) if device in DEVICES_WITH_OS else "",
                resolution=_pick(rng, RESOLUTIONS),
                minutes=rng.choice(MINUTES),
                followup=followup,
                note=rng.choice(NOTES) if rng.random() < 0.3 else "",
                supporter=shift.volunteer.user if shift else users["venue"],
                assignment=shift,
                recorded_at=recorded_at,
                updated_at=recorded_at,
                followup_closed_at=recorded_at + datetime.timedelta(days=2) if closed else None,
                followup_closed_by=users["desk"] if closed else None,
            )
        )
        count = 1 if rng.random() < 0.6 else 2
        picked = set()
        while len(picked) < count:
            picked.add(rng.choices(keys, weights=weights)[0])
        chosen.append(picked)
    saved = ConsultationRecord.objects.bulk_create(records)
    through = ConsultationRecord.topics.through
    through.objects.bulk_create(
        through(consultationrecord_id=record.pk, topic_id=topics[key].pk)
        for record, picked in zip(saved, chosen, strict=True)
        for key in sorted(picked)
    )
    return True


def _help_day_venue(users):
    return users["venue"].staffed_venues.order_by("name").first()


def ensure_help_day(users, *, seed):
    """A help day today at the venue staff's first venue, its slots partly booked, once a day
    (demo.seed runs it before the areas, so the volunteers' area staffs it like any other day);
    from the second day on, the demo volunteer is put on its first slots here."""
    today = timezone.localdate()
    venue = _help_day_venue(users)
    course = Course.objects.filter(category=Category.CONSULTATION, is_active=True).first()
    if venue is None or course is None:
        return None
    existing = ConsultationDay.objects.filter(venue=venue, date=today).first()
    if existing is not None:
        return existing
    now = timezone.localtime()
    start = now.replace(minute=now.minute - now.minute % TODAY_SLOT, second=0, microsecond=0)
    end = min(start + TODAY_LENGTH, local_datetime(today, T(23, 59)))
    day = consultation_day_create(
        course=course,
        venue=venue,
        date=today,
        start_time=start.time(),
        end_time=end.time(),
        # Late in the evening the last half hour is one shorter slot.
        slot_minutes=min(TODAY_SLOT, int((end - start).total_seconds() // 60)),
        desks=2,
        user=users["dxoffice"],
    )
    slots = list(Session.objects.filter(consultation_day=day).order_by("starts_at"))
    busy = Booking.objects.filter(
        session__starts_at__lt=end, session__ends_at__gt=start, status__in=ACTIVE_STATUSES
    ).values("resident_id")
    rng = random.Random(f"{seed}-help-day-{today}")
    people = list(Resident.objects.active().exclude(pk__in=busy).order_by("pk")[:200])
    for n, resident in enumerate(rng.sample(people, min(TODAY_BOOKINGS, len(people)))):
        slot = slots[n % len(slots)]
        try:
            booking_create(
                session_id=slot.pk,
                resident_id=resident.pk,
                user=users["desk"],
                now=slot.starts_at - datetime.timedelta(days=1),
            )
        except BookingError:
            continue
    me = Volunteer.objects.filter(user=users["volunteer"]).first()
    if me is not None:
        help_day_shifts(me, users)
    return day


def help_day_shifts(volunteer, users):
    """Put `volunteer` (the demo volunteer) on the first two slots of today's help day at the
    venue staff's venue, accepted: the volunteers' area calls it on the first day."""
    venue = _help_day_venue(users)
    slots = Session.objects.filter(
        consultation_day__venue=venue, consultation_day__date=timezone.localdate()
    ).order_by("starts_at")
    for slot in slots[:2]:
        need, _ = ShiftNeed.objects.get_or_create(
            session=slot, role=Role.ASSISTANT, defaults={"count": 1}
        )
        held = Assignment.objects.holding().filter(session=slot, volunteer=volunteer).first()
        if held is None:
            Assignment.objects.create(
                need=need,
                session=slot,
                volunteer=volunteer,
                source=Assignment.Source.MANUAL,
                status=Assignment.Status.ACCEPTED,
            )
        elif held.status != Assignment.Status.ACCEPTED:
            held.status = Assignment.Status.ACCEPTED
            held.save(update_fields=["status"])
