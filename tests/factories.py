"""Small builders for tests: sensible defaults, everything overridable by keyword."""

import datetime
import itertools
from zoneinfo import ZoneInfo

from django.utils import timezone

from classes.models import Category, Course, Partner, Session, Venue
from residents.models import Resident

TOKYO = ZoneInfo("Asia/Tokyo")
_seq = itertools.count(1)


def tokyo(year, month, day, hour=0, minute=0):
    """An aware datetime in Asia/Tokyo."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def resident(**fields):
    n = next(_seq)
    values = {
        "family_name": "山田",
        "given_name": f"太郎{n}",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birth_year": 1950,
        "phone_mobile": f"+8190{n:08d}",
        # A registered resident has usually agreed (the desk reads the script); tests of what
        # happens without consent say so.
        "consent_contact": True,
        "consent_data_use": True,
        "consent_date": datetime.date(2025, 4, 1),
    }
    values.update(fields)
    return Resident.objects.create(**values)


def partner(**fields):
    values = {"name": f"パートナー{next(_seq)}", "kind": Partner.Kind.CARRIER}
    values.update(fields)
    return Partner.objects.create(**values)


def venue(**fields):
    values = {
        "name": f"中央公民館{next(_seq)}",
        "address": "宮崎県日向市本町10-5",
        "capacity": 30,
        "municipality_code": "452068",  # 日向市, as the test plans
    }
    values.update(fields)
    return Venue.objects.create(**values)


def course(**fields):
    values = {"title": f"スマホ教室 入門{next(_seq)}", "category": Category.SMARTPHONE_INTRO}
    values.update(fields)
    return Course.objects.create(**values)


def days_ahead(days, hour=10, minute=0):
    """An aware datetime `days` after today (Asia/Tokyo) at a fixed local time of day, so a
    session built on it never runs over midnight, whatever the hour the test runs at."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TOKYO)


def later_today(minutes=20):
    """A moment later today: `minutes` from now, or just before midnight when that would be
    tomorrow. A session starting then can still be booked, and checked in today."""
    now = timezone.localtime()
    last = now.replace(hour=23, minute=59, second=0, microsecond=0)
    start = min(now + datetime.timedelta(minutes=minutes), last)
    return start if start > now else now + datetime.timedelta(seconds=30)


def earlier_today(minutes=10):
    """A moment earlier today: `minutes` ago, or midnight when that was yesterday. A session
    that began then is under way and still today's."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - datetime.timedelta(minutes=minutes), midnight)


def session(*, starts_at=None, minutes=90, **fields):
    starts_at = starts_at or days_ahead(7)
    values = {
        "course": fields.pop("course", None) or course(),
        "venue": fields.pop("venue", None) or venue(),
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(minutes=minutes),
        "capacity": 10,
    }
    values.update(fields)
    return Session.objects.create(**values)


def session_edit(session, user, **changes):
    """Save `session` through the scheduling service with `changes`, the rest as it is."""
    from classes.scheduling import session_update

    values = {
        "course": session.course,
        "venue": session.venue,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "notes": session.notes,
    }
    values.update(changes)
    return session_update(session_id=session.pk, user=user, **values)
