"""Retention: residents with no activity for RESIDENT_RETENTION_YEARS are anonymised daily;
the DX office sees the same list first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create
from privacy.tasks import erase_past_retention
from residents.models import Resident, ResidentEvent
from residents.services import resident_update

pytestmark = pytest.mark.django_db

YEAR = datetime.timedelta(days=365)


@pytest.fixture
def people(make, desk_user, settings):
    settings.RESIDENT_RETENTION_YEARS = 5
    now = timezone.now()
    quiet = make.resident(created_at=now - 6 * YEAR, family_name="静")
    edited = make.resident(created_at=now - 6 * YEAR, family_name="編集")
    resident_update(resident=edited, user=desk_user, district="富高")  # an edit today
    booked = make.resident(created_at=now - 6 * YEAR, family_name="予約")
    booking_create(session_id=make.session().pk, resident_id=booked.pk, user=desk_user)
    recent = make.resident(created_at=now - 2 * YEAR, family_name="最近")
    # An old edit is no recent activity.
    old_edit = make.resident(created_at=now - 7 * YEAR, family_name="古い")
    ResidentEvent.objects.create(
        resident=old_edit, kind=ResidentEvent.Kind.UPDATED, at=now - 6 * YEAR
    )
    return {"quiet": quiet, "edited": edited, "recent": recent, "old_edit": old_edit}


def test_the_list_shows_who_would_go_and_changes_nothing(dx_client, people):
    page = dx_client.get(reverse("privacy:retention"))
    names = [c.resident.family_name for c in page.context["candidates"]]
    assert sorted(names) == ["古い", "静"]
    assert not Resident.objects.filter(erased_at__isnull=False).exists()
    assert "保存期間経過" in page.content.decode()


def test_the_daily_task_anonymises_exactly_the_listed_people(dx_client, people):
    listed = {
        c.resident.pk for c in dx_client.get(reverse("privacy:retention")).context["candidates"]
    }
    assert erase_past_retention() == 2
    erased = set(Resident.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == listed
    assert (
        set(Resident.objects.filter(erase_reason="保存期間経過").values_list("pk", flat=True))
        == listed
    )
    # Running again finds nobody more.
    assert erase_past_retention() == 0


def test_zero_years_turns_the_rule_off(people, settings):
    settings.RESIDENT_RETENTION_YEARS = 0
    assert erase_past_retention() == 0
