"""The file register (個人情報ファイル簿): public, in Japanese, as a page and a PDF, and read
from the models, so a field added to the resident record shows up on it."""

import pytest
from django.urls import reverse

from audit.register import RESIDENT_NOT_PERSONAL
from residents.models import Resident
from tests.attendance.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def personal_fields():
    return [f for f in Resident._meta.concrete_fields if f.name not in RESIDENT_NOT_PERSONAL]


def test_the_left_out_fields_are_only_keys_and_bookkeeping():
    # A new field is listed unless someone decides here, on purpose, that it holds no
    # personal data: this set changes only in a reviewed diff.
    assert {
        "id",
        "kana_key",
        "given_kana_key",
        "name_key",
        "merged_into",
        "created_by",
        "updated_at",
    } == RESIDENT_NOT_PERSONAL
    names = {f.name for f in personal_fields()}
    assert {"family_name", "phone_mobile", "birth_date", "notes", "consent_data_use"} <= names


def test_the_public_page_lists_every_personal_field_of_the_resident_record(client, settings):
    settings.MUNICIPALITY_NAME = "架空市"
    settings.PERSONAL_DATA_OFFICE = "架空市 総務課（電話 0000-00-0000）"
    settings.RESIDENT_RETENTION_YEARS = 7

    response = client.get(reverse("audit:register"))

    assert response.status_code == 200  # no login
    body = response.content.decode()
    for field in personal_fields():
        assert str(field.verbose_name) in body, field.name
    for words in (
        "予約",
        "受付記録",
        "メッセージ",
        "電話リスト",
        "回答",
        "Twilio",
        "架空市 総務課",
    ):
        assert words in body
    assert "7年" in body
    assert "姓（かな）" in body


def test_a_field_added_to_the_model_appears_on_the_page(client):
    from django.db import models

    field = models.CharField("LINEのID", max_length=50, blank=True)
    field.contribute_to_class(Resident, "line_id")
    try:
        body = client.get(reverse("audit:register")).content.decode()
    finally:
        Resident._meta.local_fields.remove(field)
        Resident._meta._expire_cache()
        delattr(Resident, "line_id")
    assert "LINEのID" in body
    assert "LINEのID" not in client.get(reverse("audit:register")).content.decode()


def test_no_retention_rule_is_said_so(client, settings):
    settings.RESIDENT_RETENTION_YEARS = 0
    assert "事業を続ける間" in client.get(reverse("audit:register")).content.decode()


def test_the_pdf_reads_the_same_in_japanese(client, settings):
    settings.MUNICIPALITY_NAME = "架空市"
    response = client.get(reverse("audit:register_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in ("個人情報ファイル簿", "架空市", "携帯電話", "Twilio", "保存期間"):
        assert words in text


def test_the_footer_links_to_the_register(client):
    assert reverse("audit:register") in client.get(reverse("account_login")).content.decode()
