"""A resident's rights reach their help-session records: disclosed with everything else; on
erasure the supporters' notes go and the records stay, so the report reads the same."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import ConsultationRecord
from consultations.services import consultation_record
from privacy.services import resident_erase
from reports.consultations import consultation_report
from reports.fiscal import fiscal_year_of
from tests.consultations.conftest import answers

pytestmark = pytest.mark.django_db
NOTE = "娘さんと一緒に来所"


@pytest.fixture
def recorded(booking, venue_user):
    return consultation_record(
        booking_id=booking.pk, user=venue_user, **answers("line", "maps", note=NOTE)
    )


def test_the_disclosure_holds_the_records(dx_client, recorded):
    response = dx_client.post(
        reverse("privacy:disclose", args=[recorded.resident_id]),
        {"purpose": "開示請求 第3号", "file_format": "json"},
    )
    [entry] = json.loads(response.content)["consultations"]
    assert entry["topics"] == ["LINE", "地図・乗換案内"]
    assert entry["resolution"] == {"code": "resolved", "label": "解決"}
    assert entry["note"] == NOTE and entry["by"] == "venue"
    pdf = dx_client.post(
        reverse("privacy:disclose", args=[recorded.resident_id]),
        {"purpose": "開示請求 第3号", "file_format": "pdf"},
    )
    assert pdf.content.startswith(b"%PDF")


def test_erasure_takes_the_notes_and_keeps_the_figures(recorded, dx_user):
    today = timezone.localdate()
    fy = fiscal_year_of(today)
    before = consultation_report(fy=fy, today=today)

    resident_erase(resident_id=recorded.resident_id, user=dx_user, reason="消去請求")

    recorded.refresh_from_db()
    assert recorded.note == "" and ConsultationRecord.objects.count() == 1
    after = consultation_report(fy=fy, today=today)
    assert (after.count, after.resolved, after.minutes) == (
        before.count,
        before.resolved,
        before.minutes,
    )
    assert [r.count for r in after.topics] == [r.count for r in before.topics]


def test_the_file_register_lists_what_a_consultation_record_holds(client):
    html = client.get(reverse("audit:register")).content.decode()
    for item in ("相談の記録", "相談の内容", "相談の結果", "かかった時間（分）", "メモ"):
        assert item in html
