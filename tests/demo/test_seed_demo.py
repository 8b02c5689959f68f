"""`seed_demo` on the test database: idempotent, logins that work, the demo story's data."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from attendance.models import CheckIn
from classes.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    ConsultationDay,
    Series,
    Session,
    SessionStatus,
    Venue,
)
from demo.seed import DEMO_PASSWORD, planning_window
from residents.models import Resident, ResidentEvent
from residents.queries import resident_search

COUNTED = [Group, Venue, Series, Session, ConsultationDay, Resident, ResidentEvent, Booking,
           BookingEvent, CheckIn]  # fmt: skip


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args):
    out = io.StringIO()
    # The suite runs with DEBUG off, where seed_demo must be forced.
    call_command("seed_demo", "--small", "--force", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in [*COUNTED, get_user_model()]}


@pytest.mark.django_db
def test_second_run_changes_nothing():
    first_output = seed()
    first = counts()
    assert first["Session"] > 0 and first["Booking"] > 0
    second_output = seed()
    assert counts() == first
    assert "already present" in second_output
    # Both runs print the logins table.
    for output in (first_output, second_output):
        assert "desk" in output and DEMO_PASSWORD in output


@pytest.mark.django_db
def test_demo_users_log_in_with_their_roles(client):
    seed()
    expected = {"desk": {"desk"}, "venue": {"venue"}, "volunteer": {"volunteer"},
                "dxoffice": {"dxoffice"}, "admin": set()}  # fmt: skip
    users = get_user_model().objects.prefetch_related("groups")
    for username, groups in expected.items():
        user = users.get(username=username)
        assert {g.name for g in user.groups.all()} == groups
        assert user.last_name, "demo users carry Japanese names"
        assert client.login(username=username, password=DEMO_PASSWORD)
        client.logout()
    assert users.get(username="admin").is_superuser
    dx = users.get(username="dxoffice")
    assert dx.is_staff and not dx.is_superuser
    assert dx.has_perm("classes.change_venue") and dx.has_perm("classes.add_course")
    assert not users.get(username="desk").is_staff
    assert users.get(username="venue").staffed_venues.count() == 2


@pytest.mark.django_db
def test_a_year_of_sessions_with_the_past_held():
    seed()
    now = timezone.now()
    first_day, last_day = planning_window(timezone.localdate(now))
    sessions = Session.objects.all()
    # About twenty a month over the window: twelve months, or fifteen in the first and last
    # months of a fiscal year (reaching back into the last one, or on into the next).
    months = (last_day - first_day).days / 30.4
    assert 12 * months <= sessions.count() <= 25 * months
    days = {timezone.localdate(s.starts_at) for s in sessions}
    assert min(days) >= first_day and max(days) <= last_day
    assert not sessions.filter(ends_at__lte=now, status=SessionStatus.SCHEDULED).exists()
    assert not sessions.filter(starts_at__gt=now, status=SessionStatus.HELD).exists()
    # Consultation days are cut into 30-minute slots.
    slot = sessions.filter(consultation_day__isnull=False).first()
    assert slot.ends_at - slot.starts_at == datetime.timedelta(minutes=30)
    package = Series.objects.filter(book_as_whole=True).first()
    assert [p.course.category for p in package.parts.all()] == [
        "smartphone_intro", "smartphone_basic", "smartphone_advanced"
    ]  # fmt: skip
    # Sessions that took place have attendance recorded, with the change as an event and the
    # venue's check-in (what the KPIs count): one for each attended booking, none for others.
    attended = Booking.objects.filter(status=BookingStatus.ATTENDED).first()
    assert attended.session.status == SessionStatus.HELD
    assert attended.events.filter(to_status=BookingStatus.ATTENDED).exists()
    checked_in = CheckIn.objects.filter(result=CheckIn.Result.OK).values_list("booking", flat=True)
    assert sorted(checked_in) == sorted(
        Booking.objects.filter(status=BookingStatus.ATTENDED).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_full_session_with_waitlist_and_an_open_offer():
    seed()
    full = Session.objects.with_seats().filter(
        starts_at__gt=timezone.now(), seats_left=0, waitlisted__gt=0
    )
    assert full.exists()
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    assert offer.offer_expires_at > timezone.now()
    assert offer.events.filter(reason="offered").exists()
    # Upcoming bookings went through the booking service, which records who booked.
    booked = Booking.objects.filter(status=BookingStatus.BOOKED).first()
    assert booked.events.get().actor.username == "desk"


@pytest.mark.django_db
def test_demo_story_residents_are_found_and_duplicates_exist():
    seed()
    by_kana = resident_search("ﾔﾏﾀﾞ")
    assert ("山田", "太郎") in [(r.family_name, r.given_name) for r in by_kana]
    by_phone = resident_search("090-1234-5678")
    assert [(r.family_name, r.given_name) for r in by_phone] == [("山田", "太郎")]
    assert resident_search("090")
    twins = Resident.objects.filter(kana_key="さとうかずこ", birth_year=1944)
    assert twins.count() >= 2
    # Residents have furigana and E.164 phones (or none at all).
    for resident in Resident.objects.all():
        assert resident.kana_key and resident.family_name_kana
        for phone in (resident.phone_mobile, resident.phone_home):
            assert phone == "" or phone.startswith("+81")


@pytest.mark.django_db
def test_there_is_a_session_today_to_practise_scanning():
    from demo.seed import PRACTICE_TITLE

    first_output = seed()
    seed()
    practice = Session.objects.get(course__title=PRACTICE_TITLE)  # one, however often it runs
    assert timezone.localdate(practice.starts_at) == timezone.localdate()
    assert practice.venue.staff.filter(username="venue").exists()
    assert practice.bookings.filter(status="booked").count() == 8
    assert f"/venue/sessions/{practice.pk}/" in first_output


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--small", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="admin").exists()
    settings.DEBUG = True  # development: no flag needed
    call_command("seed_demo", "--small", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()
