"""A consultation day at a venue: two 30-minute slots that began earlier today, residents booked
on them, the venue's staff, and a volunteer with an accepted shift on the first slot."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.access import Role as AccessRole
from classes.booking import booking_create
from classes.models import Category, ConsultationDay
from consultations.models import Topic
from volunteers.models import Assignment, Role, ShiftNeed, Volunteer


@pytest.fixture
def venue(make, venue_user):
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    return venue


@pytest.fixture
def consultation_course(make):
    return make.course(title="デジタル相談会 (1対1)", category=Category.CONSULTATION)


@pytest.fixture
def day(make, venue, consultation_course):
    """Today's help day at the venue, from up to an hour ago, in 30-minute slots."""
    start = timezone.localtime(make.earlier_today(60))
    return ConsultationDay.objects.create(
        course=consultation_course,
        venue=venue,
        date=start.date(),
        start_time=start.time(),
        end_time=(start + datetime.timedelta(minutes=59)).time(),
        slot_minutes=30,
        desks=2,
    )


def _slot(make, day, starts_at):
    return make.session(
        course=day.course,
        venue=day.venue,
        consultation_day=day,
        starts_at=starts_at,
        minutes=30,
        capacity=2,
    )


@pytest.fixture
def slot(make, day):
    """The first slot: began up to an hour ago today."""
    start = datetime.datetime.combine(day.date, day.start_time)
    return _slot(make, day, timezone.make_aware(start))


@pytest.fixture
def later_slot(make, day, slot):
    return _slot(make, day, slot.starts_at + datetime.timedelta(minutes=30))


def book(session, resident, user=None):
    """Booked the day before, as the desk would have."""
    return booking_create(
        session_id=session.pk,
        resident_id=resident.pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking


@pytest.fixture
def hanako(make):
    return make.resident(
        family_name="鬼束",
        given_name="花子",
        family_name_kana="オニツカ",
        given_name_kana="ハナコ",
        birth_year=1944,
        phone_mobile="+819087651234",
    )


@pytest.fixture
def booking(slot, hanako):
    return book(slot, hanako)


def make_volunteer(user, family_name="日高"):
    return Volunteer.objects.create(
        user=user,
        family_name=family_name,
        given_name="さくら",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        phone="+819011112222",
        status=Volunteer.Status.APPROVED,
    )


def assign(volunteer, session, status=Assignment.Status.ACCEPTED):
    need, _ = ShiftNeed.objects.get_or_create(session=session, role=Role.ASSISTANT)
    return Assignment.objects.create(
        need=need, session=session, volunteer=volunteer, source="manual", status=status
    )


@pytest.fixture
def shift(volunteer_user, slot):
    """The volunteer's accepted shift on the first slot."""
    return assign(make_volunteer(volunteer_user), slot)


@pytest.fixture
def other_volunteer(django_user_model):
    user = django_user_model.objects.create_user(username="volunteer2", password="x-pass-123")
    user.groups.add(Group.objects.get_or_create(name=AccessRole.VOLUNTEER)[0])
    make_volunteer(user, family_name="黒木")
    return user


def topic(key):
    return Topic.objects.get(key=key)


ANSWERS = {
    "device": "smartphone",
    "device_os": "android",
    "resolution": "resolved",
    "minutes": 20,
    "followup": "none",
    "note": "",
}


def answers(*keys, **changes):
    """consultation_record's answers: topics by key, the rest from ANSWERS."""
    return {"topic_ids": [topic(k).pk for k in keys or ("line",)], **ANSWERS, **changes}
