"""The demo's help-session records: every past consultation attended has one, a help day today
for trying the phone form, and the DX office's report reads them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, BookingStatus, Category, ConsultationDay, Venue
from consultations.models import ConsultationRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed():
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())


def test_past_consultations_are_recorded_and_today_has_a_help_day(client):
    seed()
    attended = Booking.objects.filter(
        session__course__category=Category.CONSULTATION,
        session__ends_at__lte=timezone.now(),
        status=BookingStatus.ATTENDED,
    ).exclude(session__consultation_day__date=timezone.localdate())
    recorded = set(ConsultationRecord.objects.values_list("booking_id", flat=True))
    assert set(attended.values_list("pk", flat=True)) <= recorded
    for record in ConsultationRecord.objects.prefetch_related("topics"):
        assert record.topics.all() and record.supporter_id
        assert record.resident_id == record.booking.resident_id
    venue = Venue.objects.filter(staff__username="venue").order_by("name").first()
    day = ConsultationDay.objects.get(date=timezone.localdate(), venue=venue)
    assert Booking.objects.filter(session__consultation_day=day).exists()
    counts = ConsultationRecord.objects.count()
    seed()  # a second run changes nothing
    assert ConsultationRecord.objects.count() == counts
    assert ConsultationDay.objects.filter(date=timezone.localdate()).count() >= 1
    assert client.login(username="venue", password="tsunagu-demo")
    today = client.get(reverse("consultations:today"))
    assert reverse("consultations:session", args=[day.slots.order_by("starts_at")[0].pk]) in (
        today.content.decode()
    )
    client.logout()
    # The demo volunteer is on the help day's first slots.
    assert client.login(username="volunteer", password="tsunagu-demo")
    first_slot = day.slots.order_by("starts_at")[0]
    assert client.get(reverse("consultations:session", args=[first_slot.pk])).status_code == 200
    client.logout()
    assert client.login(username="dxoffice", password="tsunagu-demo")
    assert client.get(reverse("reports:consultations")).status_code == 200
