"""Taps at the same instant on separate connections (PostgreSQL): the right code sent five
times books once; one number asking for codes six times at once gets at most its three, and
six numbers at once never pass the day's cap for the site."""

import sys
import threading
import uuid

import pytest
from django.db import connection, connections

from classes.models import Booking
from residents.models import Resident
from selfbook.models import CodeSend, WebBooking
from selfbook.services import WebBookingError, webbooking_confirm, webbooking_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(calls):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL (CI runs this on it)")
    barrier = threading.Barrier(len(calls))
    errors, refusals = [], []

    def run(call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            call()
        except WebBookingError as refusal:
            refusals.append(refusal.code)
        except Exception as exc:  # any other error fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(previous)
    assert errors == []
    return refusals


def start(session, number="+819012349999"):
    return webbooking_start(
        session_id=session.pk,
        family_name="同時",
        given_name="太郎",
        family_name_kana="どうじ",
        given_name_kana="たろう",
        phone=number,
        consent_contact=True,
        consent_data_use=False,
        form_nonce=uuid.uuid4(),
    )


def test_the_right_code_five_times_at_once_books_once(make, monkeypatch, settings):
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    monkeypatch.setattr("selfbook.services.secrets.randbelow", lambda n: 123456)
    session = make.session()
    web_booking = start(session)
    refusals = together([lambda: webbooking_confirm(token=web_booking.token, code="123456")] * 5)
    assert refusals == []
    assert Booking.objects.count() == 1 and Resident.objects.count() == 1
    assert WebBooking.objects.get().booking_id == Booking.objects.get().pk


def test_one_number_asking_six_times_at_once_gets_three_codes(make, settings):
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    settings.SELFBOOK_CODES_PER_NUMBER = 3
    session = make.session()
    refusals = together([lambda: start(session)] * 6)
    assert CodeSend.objects.count() == 3
    assert refusals == ["number_limit"] * 3


def test_many_numbers_at_once_never_pass_the_days_cap(make, settings):
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    settings.SELFBOOK_CODES_PER_DAY = 2
    session = make.session()
    # Each its own number: only the day's cap can refuse.
    refusals = together([lambda n=n: start(session, number=f"+8190000{n:04d}") for n in range(6)])
    assert CodeSend.objects.count() == 2
    assert refusals == ["day_cap"] * 4
