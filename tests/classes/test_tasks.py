import datetime

import pytest
from django.core.management import call_command
from django_q.models import Schedule
from django_q.tasks import async_task

from classes.booking import booking_cancel, booking_create

pytestmark = pytest.mark.django_db


def test_migrate_registers_the_offer_expiry_schedule_once():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    schedule = Schedule.objects.get(name="classes.expire_offers")
    assert schedule.func == "classes.tasks.expire_offers"
    assert Schedule.objects.filter(name="classes.expire_offers").count() == 1


def test_expire_offers_task_moves_expired_offers_on(make, desk_user, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    session = make.session(capacity=1)
    seat = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    first = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    second = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    booking_cancel(booking_id=seat.booking.pk, user=desk_user)
    first.booking.refresh_from_db()
    first.booking.offer_expires_at -= datetime.timedelta(days=30)
    first.booking.save()

    async_task("classes.tasks.expire_offers", sync=True)

    first.booking.refresh_from_db()
    second.booking.refresh_from_db()
    assert (first.booking.status, second.booking.status) == ("cancelled", "offered")
