"""The demo city's messages and call list (demo/notifications.py), through seed_demo."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notifications.models import Call, Message


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_has_messages_in_every_state_and_a_call_list_for_today(desk_client):
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    statuses = set(Message.objects.values_list("status", flat=True))
    assert {"queued", "sent", "delivered", "failed", "undeliverable", "cancelled"} <= statuses
    assert Call.objects.filter(day=timezone.localdate()).count() >= 4
    before = (Message.objects.count(), Call.objects.count())
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    assert (Message.objects.count(), Call.objects.count()) == before
    assert desk_client.get(reverse("notifications:call_list")).status_code == 200
    assert desk_client.get(reverse("notifications:message_list")).status_code == 200
