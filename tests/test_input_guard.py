"""Control characters are refused in one place (config.middleware), before any view, with a
Japanese message: a page for forms and searches, JSON for the scan API. Nothing is saved.

Run on PostgreSQL too (DATABASE_URL=postgres://...), where a NUL used to reach the database
and answer 500.
"""

import importlib
import inspect
import json
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms import BaseForm
from django.urls import reverse

from config.forms import ModelMultipleChoiceField
from reports.models import Indicator, Plan
from residents.models import Resident

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

REFUSED = "制御文字"


@pytest.fixture
def session(make, venue_user):
    venue = make.venue()
    venue.staff.add(venue_user)
    return make.session(venue=venue)


@pytest.mark.parametrize("query", ["a\x00b", "\x00", "山田\x1b[0m", "x\x7f"])
def test_the_resident_search_refuses_control_characters_with_a_page(desk_client, query):
    response = desk_client.post(reverse("residents:search"), {"q": query})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_tab_and_line_breaks_are_not_control_characters_here(desk_client, make):
    make.resident(family_name="山田")
    response = desk_client.post(reverse("residents:search"), {"q": "山田\t\r\n"})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["attendance:venue_roster", "attendance:venue_walkin_search"])
def test_the_venue_searches_refuse_a_nul(venue_client, session, name):
    response = venue_client.get(reverse(name, args=[session.pk]), {"q": "a\x00b"})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_the_scan_api_answers_a_nul_in_json_with_json(venue_client, session):
    page = venue_client.get(reverse("attendance:venue_session", args=[session.pk]))
    body = {"session": session.pk, "code": "a\u0000b", "nonce": "n-1", "device": "d"}
    response = venue_client.post(
        reverse("attendance:api_checkin"),
        json.dumps(body),
        content_type="application/json",
        HTTP_X_SCAN_PASS=page.context["scan_pass"],
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False and REFUSED in answer["message"]


def test_a_control_character_in_a_json_key_or_nested_value_is_refused(venue_client, session):
    for body in ({"a\x01": 1}, {"list": [1, {"deep": "\x02"}]}):
        response = venue_client.post(
            reverse("attendance:api_checkin"), json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 400
        assert REFUSED in response.json()["message"]


def test_a_form_with_a_nul_saves_nothing(desk_client):
    before = Resident.objects.count()
    response = desk_client.post(
        reverse("residents:create"),
        {"family_name": "山\x00田", "given_name": "太郎", "phone": "0982-00-0000"},
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert Resident.objects.count() == before


def test_a_nul_in_the_address_is_the_not_found_page(desk_client):
    response = desk_client.get("/residents/%00/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_every_answer_carries_the_policy_without_inline_allowances(client, desk_client):
    from config.middleware import ContentSecurityPolicyMiddleware

    policy = ContentSecurityPolicyMiddleware(lambda request: None).header
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    for response in (
        client.get("/accounts/login/"),
        desk_client.get(reverse("residents:search"), {"q": "\x00"}),  # a refusal too
    ):
        assert response["Content-Security-Policy"] == policy


@pytest.mark.parametrize("number", ["9" * 300, str(2**63), str(-(2**63) - 1), "２" * 30])
def test_an_id_beyond_the_databases_range_in_a_multiple_choice_is_an_unknown_choice(
    dx_client, number
):
    """Django checks each chosen id by asking the database, which cannot take a number that
    large (SQLite: OverflowError, PostgreSQL: out of range): every form's multiple choice of
    records (config.forms.ModelMultipleChoiceField) refuses it as an unknown choice."""
    plan = Plan.objects.create(
        name="計画", municipality="日向市", municipality_code="452068", start_fy=2025, end_fy=2026
    )
    page = dx_client.post(
        reverse("reports:indicator_create", args=[plan.pk]),
        {"name": "延べ参加者数", "metric": "attendances", "order": "1", "venues": [number]},
    )
    assert page.status_code == 200
    assert "venues" in page.context["form"].errors
    assert not Indicator.objects.exists()


def _our_form_modules():
    for config in apps.get_app_configs():
        if Path(config.path).parent != ROOT:
            continue
        try:
            yield importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue


def test_every_form_uses_the_multiple_choice_that_checks_the_range():
    """Declared or made by a ModelForm from a many-to-many field (give it in Meta.field_classes)."""
    offenders = []
    for module in _our_form_modules():
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                if isinstance(field, forms.ModelMultipleChoiceField) and not isinstance(
                    field, ModelMultipleChoiceField
                ):
                    offenders.append(f"{module.__name__}.{name}.{field_name}")
    assert offenders == []


def _checked_by_the_model(form, field_name):
    """A ModelForm's field made from a model's integer field: the model's own validators (the
    column's range on this database) refuse what the column cannot hold."""
    if not issubclass(form, forms.BaseModelForm):
        return False
    try:
        model_field = form._meta.model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.IntegerField)


def test_every_number_field_states_its_largest_value():
    """A number beyond what its column (or the calendar) holds is a form error, not a database
    error: every IntegerField of every form names its maximum (record ids: RecordIdField)."""
    offenders = []
    for module in _our_form_modules():
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                if not isinstance(field, forms.IntegerField) or field.max_value is not None:
                    continue
                if isinstance(field, forms.DecimalField) and field.max_digits is not None:
                    continue
                if _checked_by_the_model(form, field_name):
                    continue
                offenders.append(f"{module.__name__}.{name}.{field_name}")
    assert offenders == []


def test_a_model_forms_number_beyond_its_column_is_a_form_error(dx_client):
    plan = Plan.objects.create(
        name="計画", municipality="日向市", municipality_code="452068", start_fy=2025, end_fy=2026
    )
    page = dx_client.post(
        reverse("reports:indicator_create", args=[plan.pk]),
        {"name": "延べ参加者数", "metric": "attendances", "order": "9" * 30},
    )
    assert page.status_code == 200 and "order" in page.context["form"].errors
    assert not Indicator.objects.exists()


def test_the_access_log_for_an_impossible_resident_is_the_whole_log(dx_client):
    page = dx_client.get(reverse("audit:log"), {"resident": "9" * 30})
    assert page.status_code == 200
    assert page.context["resident_id"] is None


def test_a_desk_address_naming_an_impossible_companion_is_the_desk(desk_client, make):
    caller = make.resident()
    page = desk_client.get(reverse("classes:desk"), {"resident": caller.pk, "companion": "9" * 40})
    assert page.status_code == 200


def test_merging_with_an_impossible_record_is_not_found(desk_client, make):
    resident = make.resident()
    for other in ("9" * 40, "-3", "0", "abc"):
        page = desk_client.get(reverse("residents:merge", args=[resident.pk]), {"other": other})
        assert page.status_code == 404, other


@pytest.mark.parametrize("bounds", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_the_first_and_last_days_of_the_calendar_are_no_bound(
    client, desk_client, dx_client, bounds
):
    assert client.get(reverse("selfbook:calendar"), bounds).status_code == 200
    assert desk_client.get(reverse("classes:session_list"), bounds).status_code == 200
    assert dx_client.get(reverse("audit:log"), bounds).status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_messages_of_the_calendars_first_or_last_day_are_none(desk_client, day):
    page = desk_client.get(reverse("notifications:message_list"), {"day": day})
    assert page.status_code == 200
