"""The admin site for the registry: lists, filters, search, and the same phone rules."""

import pytest
from django.urls import reverse

from residents.models import Resident, ResidentEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_resident_admin_pages_open(admin_client, make, desk_user):
    resident = make.resident(district="富高")
    changelist = reverse("admin:residents_resident_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "ヤマダ"}).status_code == 200
    assert admin_client.get(changelist, {"q": "+8190"}).status_code == 200
    assert admin_client.get(changelist, {"district": "富高", "gender": "male"}).status_code == 200
    change = reverse("admin:residents_resident_change", args=[resident.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.get(reverse("admin:residents_resident_add")).status_code == 200
    events = reverse("admin:residents_residentevent_changelist")
    assert admin_client.get(events, {"kind": "created"}).status_code == 200


def test_admin_search_understands_phone_forms_and_kana(admin_client, make):
    taro = make.resident(family_name_kana="ヤマダ", phone_mobile="+819012345678")
    other = make.resident(family_name_kana="サトウ", phone_mobile="+818011112222")
    changelist = reverse("admin:residents_resident_changelist")
    found = admin_client.get(changelist, {"q": "090-1234"}).context["cl"].result_list
    assert list(found) == [taro]
    found = admin_client.get(changelist, {"q": "ﾔﾏﾀﾞ"}).context["cl"].result_list
    assert list(found) == [taro]
    assert other not in found
    # The list filters still apply to what the reading finds.
    found = admin_client.get(changelist, {"q": "ﾔﾏﾀﾞ", "district": "細島"}).context["cl"]
    assert list(found.result_list) == []


def test_admin_add_stores_e164_and_leaves_a_trace(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:residents_resident_add"),
        {
            "family_name": "黒木",
            "given_name": "清",
            "family_name_kana": "クロキ",
            "given_name_kana": "キヨシ",
            "birth_year": "1944",
            "gender": "",
            "phone_mobile": "090-2222-3333",
            "phone_home": "",
            "smartphone": "feature_phone",
            "preferred_contact": "staff_call",
            "district": "",
            "consent_date": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resident = Resident.objects.get()
    assert resident.phone_mobile == "+819022223333"
    event = resident.events.get()
    assert (event.kind, event.actor) == (ResidentEvent.Kind.CREATED, admin_user)


def test_history_cannot_be_written_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:residents_residentevent_add")).status_code == 403
