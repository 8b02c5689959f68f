"""Registering, editing and merging residents, each leaving a trace in the history."""

import datetime

import pytest

from classes.models import Booking, BookingStatus
from residents.models import Resident, ResidentEvent
from residents.queries import resident_search
from residents.services import (
    ResidentError,
    StaleResidentError,
    resident_create,
    resident_merge,
    resident_update,
)

pytestmark = pytest.mark.django_db


def _kinds(resident):
    return [e.kind for e in resident.events.all()]


def test_create_records_who_registered(desk_user):
    resident = resident_create(
        user=desk_user,
        family_name="田中",
        given_name="節子",
        family_name_kana="タナカ",
        given_name_kana="セツコ",
        birth_date=datetime.date(1946, 3, 2),
    )
    assert resident.created_by == desk_user
    assert resident.birth_year == 1946
    event = resident.events.get()
    assert (event.kind, event.actor) == (ResidentEvent.Kind.CREATED, desk_user)


def test_create_refuses_fields_that_are_not_editable(desk_user):
    with pytest.raises(TypeError):
        resident_create(user=desk_user, family_name="田中", kana_key="x")


def test_update_records_the_changed_fields(make, desk_user):
    resident = make.resident(district="")
    resident_update(
        resident=resident,
        user=desk_user,
        district="富高",
        phone_home="+81982521234",
        family_name=resident.family_name,
    )
    resident.refresh_from_db()
    assert resident.district == "富高"
    event = resident.events.get()
    assert event.kind == ResidentEvent.Kind.UPDATED
    assert sorted(event.fields) == ["district", "phone_home"]
    assert sorted(event.changes, key=lambda c: c["field"]) == [
        {"field": "district", "old": "", "new": "富高"},
        {"field": "phone_home", "old": "", "new": "+81982521234"},
    ]
    assert event.actor == desk_user


def test_update_without_change_records_nothing(make, desk_user):
    resident = make.resident()
    resident_update(resident=resident, user=desk_user, family_name=resident.family_name)
    assert not resident.events.exists()


def test_update_from_a_stale_form_is_refused(make, desk_user):
    resident = make.resident()
    opened_at = resident.updated_at.isoformat()
    resident_update(resident=resident, user=desk_user, district="日知屋")
    with pytest.raises(StaleResidentError):
        resident_update(
            resident=resident, user=desk_user, expected_version=opened_at, district="細島"
        )
    resident.refresh_from_db()
    assert resident.district == "日知屋"


def _booking(make, resident, **fields):
    return Booking.objects.create(
        session=fields.pop("session", None) or make.session(),
        resident=resident,
        status=fields.pop("status", BookingStatus.BOOKED),
        **fields,
    )


def test_merge_moves_bookings_fills_gaps_and_keeps_history(make, desk_user):
    keep = make.resident(phone_home="", district="", birth_year=None)
    remove = make.resident(phone_home="+81982521234", district="富高", birth_year=1950)
    kept_booking = _booking(make, keep)
    moved = [_booking(make, remove), _booking(make, remove, status=BookingStatus.WAITLISTED)]

    result = resident_merge(keep_id=keep.pk, remove_id=remove.pk, user=desk_user)

    assert result == keep
    keep.refresh_from_db()
    remove.refresh_from_db()
    assert remove.merged_into == keep
    assert (keep.phone_home, keep.district, keep.birth_year) == ("+81982521234", "富高", 1950)
    assert set(Booking.objects.filter(resident=keep)) == {kept_booking, *moved}
    assert not Booking.objects.filter(resident=remove).exists()
    merged_in = keep.events.get()
    assert (merged_in.kind, merged_in.other, merged_in.actor) == (
        ResidentEvent.Kind.MERGED_IN,
        remove,
        desk_user,
    )
    assert set(merged_in.fields) >= {"phone_home", "district", "birth_year"}
    assert _kinds(remove) == [ResidentEvent.Kind.MERGED_AWAY]
    assert remove.events.get().other == keep


def test_merge_keeps_what_the_kept_record_already_has(make, desk_user):
    keep = make.resident(district="日知屋", phone_mobile="+819011112222")
    remove = make.resident(district="富高", phone_mobile="+819033334444")
    resident_merge(keep_id=keep.pk, remove_id=remove.pk, user=desk_user)
    keep.refresh_from_db()
    assert (keep.district, keep.phone_mobile) == ("日知屋", "+819011112222")


def test_merged_record_is_hidden_from_search_and_lists(make, desk_user):
    keep = make.resident(family_name_kana="ムラタ", given_name_kana="トシオ")
    remove = make.resident(family_name_kana="ムラタ", given_name_kana="トシオ")
    resident_merge(keep_id=keep.pk, remove_id=remove.pk, user=desk_user)
    assert resident_search("むらた") == [keep]
    assert list(Resident.objects.active().filter(kana_key="むらたとしお")) == [keep]


def test_records_merged_earlier_follow_to_the_new_kept_record(make, desk_user):
    first, second, third = make.resident(), make.resident(), make.resident()
    resident_merge(keep_id=second.pk, remove_id=third.pk, user=desk_user)
    resident_merge(keep_id=first.pk, remove_id=second.pk, user=desk_user)
    third.refresh_from_db()
    assert third.merged_into == first


def test_merge_into_itself_is_refused(make, desk_user):
    resident = make.resident()
    with pytest.raises(ResidentError):
        resident_merge(keep_id=resident.pk, remove_id=resident.pk, user=desk_user)
    assert not resident.events.exists()


def test_merge_into_a_merged_record_is_refused(make, desk_user):
    keep, gone, other = make.resident(), make.resident(), make.resident()
    resident_merge(keep_id=keep.pk, remove_id=gone.pk, user=desk_user)
    with pytest.raises(ResidentError):
        resident_merge(keep_id=gone.pk, remove_id=other.pk, user=desk_user)
    with pytest.raises(ResidentError):
        resident_merge(keep_id=other.pk, remove_id=gone.pk, user=desk_user)
    other.refresh_from_db()
    assert other.merged_into is None


def test_editing_a_merged_record_is_refused(make, desk_user):
    keep, gone = make.resident(), make.resident()
    resident_merge(keep_id=keep.pk, remove_id=gone.pk, user=desk_user)
    with pytest.raises(ResidentError):
        resident_update(resident=gone, user=desk_user, district="細島")
