"""The demo city's volunteers: ~25 approved supporters with skills, availability and
qualifications (a couple expiring soon, one expired), shift needs on the sessions around today,
proposals and accepted shifts for the next four weeks (the greedy baseline of
`volunteers.matching`, quick enough for the demo; the DX office can run the real auto-assign),
worked shifts with hours in the past weeks, and a profile for the demo user `volunteer`.
Deterministic random; created once, a second run changes nothing."""

import datetime
import random

import jaconv
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.access import Role as AccessRole
from classes.models import Category, Course, Session, SessionStatus, Venue
from classes.scheduling import local_datetime
from demo import consultations as demo_consultations
from demo.names import DISTRICTS, FAMILY_NAMES, FEMALE_GIVEN_YOUNGER, MALE_GIVEN_YOUNGER
from demo.people import mobile_number
from volunteers import matching
from volunteers.autoassign import load_period
from volunteers.models import (
    Assignment,
    AvailabilityException,
    AvailabilityWindow,
    CourseStaffing,
    Qualification,
    ShiftNeed,
    Skill,
    Volunteer,
)
from volunteers.services import needs_ensure

VOLUNTEERS = 25
PLAN_AHEAD = datetime.timedelta(days=28)
HISTORY = datetime.timedelta(days=56)
ACCEPTED_SHARE = 0.7
MY_PAST_SHIFTS = 6
T = datetime.time
HALF_DAYS = [(T(9), T(12, 30)), (T(13), T(17))]
SKILL_SHARE = {
    Skill.ANDROID: 0.6,
    Skill.IPHONE: 0.5,
    Skill.MYNUMBER: 0.3,
    Skill.LINE: 0.6,
    Skill.CASHLESS: 0.3,
    Skill.ONLINE: 0.3,
    Skill.PROGRAMMING: 0.12,
    Skill.LEAD: 0.3,
}


def seed(*, users, small, seed):
    """Create this area's demo data unless it exists; True when something was created."""
    demo_user = users["volunteer"]
    if Volunteer.objects.filter(user=demo_user).exists():
        return False
    rng = random.Random(f"{seed}-volunteers")
    today = timezone.localdate()
    venues = list(Venue.objects.order_by("pk"))
    if not venues:
        return False
    _staffing()
    me = _demo_volunteer(demo_user, venues, today)
    _others(rng, venues, today)
    _shift_needs(today)
    _upcoming(rng, me, today)
    _history(rng, me, today)
    # Today's help day (demo.consultations), so the demo volunteer can record a consultation.
    demo_consultations.help_day_shifts(me, users)
    return True


def counts():
    return {
        "volunteers": Volunteer.objects.count(),
        "shift_needs": ShiftNeed.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def _staffing():
    """One-to-one help days: a supporter per desk and no lead; programming: 1 per 3 children."""
    for course in Course.objects.filter(category=Category.CONSULTATION):
        CourseStaffing.objects.get_or_create(
            course=course, defaults={"leads": 0, "participants_per_assistant": 1}
        )
    for course in Course.objects.filter(category=Category.PROGRAMMING):
        CourseStaffing.objects.get_or_create(
            course=course,
            defaults={"participants_per_assistant": 3, "assistant_skills": [Skill.PROGRAMMING]},
        )


def _training(volunteer, today, **extra):
    return Qualification(
        volunteer=volunteer,
        kind=Qualification.Kind.SHIENIN_TRAINING,
        name="デジタル活用支援員 養成講座",
        issued_on=today - datetime.timedelta(days=400),
        **extra,
    )


def _demo_volunteer(user, venues, today):
    me = Volunteer.objects.create(
        user=user,
        family_name=user.last_name or "日高",
        given_name=user.first_name or "さくら",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        phone="+819012340001",
        email="volunteer@example.jp",
        district="財光寺",
        skills=[Skill.ANDROID, Skill.IPHONE, Skill.LINE, Skill.LEAD],
        max_shifts_per_month=6,
        status=Volunteer.Status.APPROVED,
        approved_at=timezone.now(),
    )
    me.venues.set(venues)
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(volunteer=me, weekday=d, start_time=T(9), end_time=T(17))
        for d in range(6)
    )
    Qualification.objects.bulk_create([_training(me, today)])
    return me


def _others(rng, venues, today):
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=AccessRole.VOLUNTEER)
    made = []
    for n in range(1, VOLUNTEERS + 1):
        family, family_kana = rng.choice(FAMILY_NAMES)
        given, given_kana = rng.choice(rng.choice([FEMALE_GIVEN_YOUNGER, MALE_GIVEN_YOUNGER]))
        user = User(username=f"supporter{n:02d}", last_name=family, first_name=given)
        user.set_unusable_password()  # demo people who never log in
        made.append((user, family, family_kana, given, given_kana))
    User.objects.bulk_create([row[0] for row in made], ignore_conflicts=True)
    users = {u.username: u for u in User.objects.filter(username__startswith="supporter")}
    group.user_set.add(*users.values())
    volunteers = []
    for user, family, family_kana, given, given_kana in made:
        skills = [s.value for s, share in SKILL_SHARE.items() if rng.random() < share]
        volunteers.append(
            Volunteer(
                user=users[user.username],
                family_name=family,
                given_name=given,
                family_name_kana=jaconv.kata2hira(family_kana),
                given_name_kana=jaconv.kata2hira(given_kana),
                phone=mobile_number(rng),
                district=rng.choice(DISTRICTS)[0],
                skills=skills or [Skill.LINE.value],
                max_shifts_per_month=rng.randint(2, 6),
                status=Volunteer.Status.APPROVED,
                approved_at=timezone.now(),
            )
        )
    Volunteer.objects.bulk_create(volunteers)
    volunteers = list(Volunteer.objects.filter(user__username__startswith="supporter"))
    through = Volunteer.venues.through
    links, windows, quals, away = [], [], [], []
    for i, v in enumerate(volunteers):
        for venue in rng.sample(venues, min(len(venues), rng.randint(2, 4))):
            links.append(through(volunteer_id=v.pk, venue_id=venue.pk))
        for weekday in rng.sample(range(6), rng.randint(2, 4)):
            for start, end in rng.sample(HALF_DAYS, rng.randint(1, 2)):
                windows.append(
                    AvailabilityWindow(volunteer=v, weekday=weekday, start_time=start, end_time=end)
                )
        quals.append(_training(v, today))
        if i < 6:  # 推進委員 with a one-year term: two end within the month, one has ended
            ends = today + datetime.timedelta(days=[12, 25, -5, 120, 200, 300][i])
            quals.append(
                Qualification(
                    volunteer=v,
                    kind=Qualification.Kind.SUISHIN_IIN,
                    name="デジタル推進委員",
                    issued_on=ends - datetime.timedelta(days=364),
                    expires_on=ends,
                )
            )
        if rng.random() < 0.3:
            away.append(
                AvailabilityException(
                    volunteer=v,
                    date=today + datetime.timedelta(days=rng.randint(1, 28)),
                    kind=AvailabilityException.Kind.AWAY,
                )
            )
    through.objects.bulk_create(links)
    AvailabilityWindow.objects.bulk_create(_without_overlaps(windows))
    Qualification.objects.bulk_create(quals)
    AvailabilityException.objects.bulk_create(away)


def _without_overlaps(windows):
    seen, kept = set(), []
    for w in windows:
        key = (w.volunteer_id, w.weekday, w.start_time)
        if key not in seen:
            seen.add(key)
            kept.append(w)
    return kept


def _sessions(first, last):
    return list(
        Session.objects.filter(
            starts_at__gte=local_datetime(first, T.min),
            starts_at__lt=local_datetime(last + datetime.timedelta(days=1), T.min),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("course")
    )


def _shift_needs(today):
    needs_ensure(sessions=_sessions(today - HISTORY, today + PLAN_AHEAD))


def _upcoming(rng, me, today):
    """Next four weeks filled by the greedy baseline; most accepted, the demo user's mixed."""
    people, needs = load_period(today + datetime.timedelta(days=1), today + PLAN_AHEAD)
    pairs = matching.greedy(people, needs)
    need_rows = ShiftNeed.objects.in_bulk([nid for _pid, nid in pairs])
    now = timezone.now()
    rows = []
    mine = 0
    for pid, nid in sorted(pairs, key=lambda p: (need_rows[p[1]].session_id, p[0])):
        need = need_rows[nid]
        if pid == me.pk:
            mine += 1
            accepted = mine % 2 == 1
        else:
            accepted = rng.random() < ACCEPTED_SHARE
        rows.append(
            Assignment(
                need=need,
                session_id=need.session_id,
                volunteer_id=pid,
                source=Assignment.Source.MATCHING,
                status=Assignment.Status.ACCEPTED if accepted else Assignment.Status.PROPOSED,
                sequence=1 if accepted else 0,
                created_at=now,
                updated_at=now,
            )
        )
    Assignment.objects.bulk_create(rows)


def _history(rng, me, today):
    """Past shifts worked, with check-in and check-out around the session times."""
    needs = list(
        ShiftNeed.objects.filter(
            session__in=[
                s
                for s in _sessions(today - HISTORY, today - datetime.timedelta(days=1))
                if s.status == SessionStatus.HELD or s.starts_at < timezone.now()
            ]
        ).select_related("session")
    )
    volunteers = list(Volunteer.objects.filter(status=Volunteer.Status.APPROVED))
    rows, taken, mine = [], set(), 0
    for need in needs:
        session = need.session
        for _ in range(need.count):
            v = me if mine < MY_PAST_SHIFTS and rng.random() < 0.2 else rng.choice(volunteers)
            if (session.pk, v.pk) in taken:
                continue
            taken.add((session.pk, v.pk))
            mine += v.pk == me.pk
            checked_in = session.starts_at - datetime.timedelta(minutes=rng.randint(5, 20))
            rows.append(
                Assignment(
                    need=need,
                    session=session,
                    volunteer=v,
                    source=Assignment.Source.MATCHING,
                    status=Assignment.Status.ACCEPTED,
                    sequence=1,
                    checked_in_at=checked_in,
                    checked_out_at=session.ends_at + datetime.timedelta(minutes=rng.randint(0, 20)),
                    created_at=session.starts_at - datetime.timedelta(days=14),
                    updated_at=session.ends_at,
                )
            )
    Assignment.objects.bulk_create(rows)
