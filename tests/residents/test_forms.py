"""The resident form: what the clerk types is checked, normalised, and kept on an error."""

import datetime

import pytest
from django.utils import timezone

from residents.forms import ResidentForm
from residents.models import Contact

pytestmark = pytest.mark.django_db


def _data(**changes):
    data = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birth_date": "",
        "birth_year": "1950",
        "gender": "",
        "phone_mobile": "",
        "phone_home": "",
        "smartphone": "smartphone",
        "preferred_contact": Contact.STAFF_CALL,
        "district": "",
        "consent_date": "",
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "typed", ["090-1234-5678", "０９０１２３４５６７８", "+81 90 1234 5678", "09012345678"]
)
def test_mobile_number_in_any_form_is_stored_e164(typed):
    form = ResidentForm(_data(phone_mobile=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone_mobile"] == "+819012345678"


def test_landline_in_the_home_field():
    form = ResidentForm(_data(phone_home="0982-52-1234"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone_home"] == "+81982521234"


def test_invalid_phone_has_a_japanese_message():
    form = ResidentForm(_data(phone_mobile="090-12"))
    assert not form.is_valid()
    assert form.errors["phone_mobile"] == ["電話番号の形が正しくありません。例：090-1234-5678"]


def test_landline_is_not_a_mobile_number():
    form = ResidentForm(_data(phone_mobile="0982-52-1234"))
    assert not form.is_valid()
    assert "携帯電話の番号ではありません" in form.errors["phone_mobile"][0]


def test_kana_fields_must_be_kana():
    form = ResidentForm(_data(family_name_kana="山田", given_name_kana="ﾀﾛｳ"))
    assert not form.is_valid()
    assert "family_name_kana" in form.errors
    assert "given_name_kana" not in form.errors


def test_kana_is_stored_as_typed():
    form = ResidentForm(_data(family_name_kana="ﾔﾏﾀﾞ", given_name_kana="たろう"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["family_name_kana"] == "ﾔﾏﾀﾞ"


def test_february_30th_does_not_exist():
    form = ResidentForm(_data(birth_date="1950-02-30", birth_year=""))
    assert not form.is_valid()
    assert "この日付はありません" in form.errors["birth_date"][0]


def test_future_birth_date_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = ResidentForm(_data(birth_date=tomorrow.isoformat(), birth_year=""))
    assert not form.is_valid()
    assert "未来" in form.errors["birth_date"][0]


def test_birth_before_1900_is_refused():
    form = ResidentForm(_data(birth_date="1899-12-31", birth_year=""))
    assert not form.is_valid()
    assert "1900" in form.errors["birth_date"][0]


def test_birth_year_out_of_range():
    assert "birth_year" in ResidentForm(_data(birth_year="1850")).errors
    assert "birth_year" in ResidentForm(_data(birth_year=str(timezone.localdate().year + 1))).errors


def test_year_must_agree_with_the_date():
    form = ResidentForm(_data(birth_date="1950-04-01", birth_year="1951"))
    assert not form.is_valid()
    assert "birth_year" in form.errors


def test_japanese_typed_date_is_understood():
    form = ResidentForm(_data(birth_date="1950年4月1日", birth_year=""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(1950, 4, 1)


def test_consent_needs_a_date():
    form = ResidentForm(_data(consent_contact="on", consent_date=""))
    assert not form.is_valid()
    assert form.errors["consent_date"] == ["同意をいただいた日を入力してください。"]
    assert ResidentForm(_data(consent_contact="on", consent_date="2025-04-01")).is_valid()


def test_new_form_proposes_todays_consent_date():
    assert ResidentForm().initial["consent_date"] == timezone.localdate()


def test_consent_date_is_dropped_without_consent():
    form = ResidentForm(_data(consent_date="2025-04-01"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["consent_date"] is None


def test_sms_needs_a_mobile_number():
    form = ResidentForm(_data(preferred_contact=Contact.SMS, phone_home="0982-52-1234"))
    assert not form.is_valid()
    assert "携帯電話の番号が必要" in form.errors["preferred_contact"][0]
    assert ResidentForm(
        _data(preferred_contact=Contact.SMS, phone_mobile="090-1234-5678")
    ).is_valid()


def test_voice_call_needs_any_phone():
    form = ResidentForm(_data(preferred_contact=Contact.VOICE))
    assert not form.is_valid()
    assert "preferred_contact" in form.errors
    assert ResidentForm(_data(preferred_contact=Contact.VOICE, phone_home="0982521234")).is_valid()


def test_no_phone_at_all_is_fine_for_staff_calls_or_no_contact():
    assert ResidentForm(_data(preferred_contact=Contact.NONE)).is_valid()
    assert ResidentForm(_data(preferred_contact=Contact.STAFF_CALL)).is_valid()


@pytest.mark.parametrize(
    ("typed", "era"),
    [
        ("昭和25年5月12日", ""),
        ("昭和２５年５月１２日", ""),
        ("S25.5.12", ""),
        ("s25/5/12", "平成"),  # the letter in the text wins over the era chosen
        ("25/5/12", "昭和"),
        ("1950-05-12", "平成"),  # a four-digit year is a Western year whatever the era box says
        ("1950/5/12", ""),
    ],
)
def test_birth_date_as_seniors_give_it(typed, era):
    form = ResidentForm(_data(birth_date=typed, birth_date_era=era, birth_year=""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(1950, 5, 12)


def test_short_year_takes_the_chosen_era():
    form = ResidentForm(_data(birth_date="3/5/12", birth_date_era="平成", birth_year=""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(1991, 5, 12)
    form = ResidentForm(_data(birth_date="元年5月12日", birth_date_era="令和", birth_year=""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(2019, 5, 12)


@pytest.mark.parametrize("typed", ["昭和65年1月10日", "平成元年1月7日", "H31.5.1"])
def test_a_day_its_era_never_had_is_refused(typed):
    form = ResidentForm(_data(birth_date=typed, birth_year=""))
    assert not form.is_valid()
    assert "元号" in form.errors["birth_date"][0]


@pytest.mark.parametrize("typed", ["５月１２日", "昭和", "S25", "12/5/1950", "x"])
def test_what_is_not_a_date_says_how_to_write_one(typed):
    form = ResidentForm(_data(birth_date=typed, birth_year=""))
    assert not form.is_valid()
    assert "S25.5.12" in form.errors["birth_date"][0]
