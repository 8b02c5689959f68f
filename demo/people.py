"""Made-up but realistic residents of 日向市, deterministic for a given random.Random.

Returns unsaved `Resident` objects with their derived search keys filled in, ready for
`bulk_create` (which skips `save()`).
"""

import datetime

from demo.names import (
    DISTRICTS,
    FAMILY_NAMES,
    FEMALE_GIVEN_OLDER,
    FEMALE_GIVEN_YOUNGER,
    HYUGA_AREA_CODE,
    HYUGA_EXCHANGES,
    MALE_GIVEN_OLDER,
    MALE_GIVEN_YOUNGER,
)
from residents.models import Contact, Gender, Resident, Smartphone

# Most people who come to smartphone classes are 65–90; the rest are parents and carers.
SENIOR_SHARE = 0.82
SENIOR_AGES = (65, 90)
YOUNGER_AGES = (30, 64)
# Residents born before this year carry an older generation's given name.
GENERATION_SPLIT_YEAR = 1963
MOBILE_PREFIXES = ["90", "80", "70"]

_DISTRICT_NAMES = [name for name, _ in DISTRICTS]
_DISTRICT_WEIGHTS = [weight for _, weight in DISTRICTS]


def mobile_number(rng):
    """A Japanese mobile number in E.164: +8190…, +8180…, +8170… (11 national digits)."""
    return f"+81{rng.choice(MOBILE_PREFIXES)}{rng.randint(1, 9)}{rng.randint(0, 9_999_999):07d}"


def home_number(rng):
    """A landline in 日向市 (0982-5x-xxxx) in E.164."""
    return f"+81{HYUGA_AREA_CODE}{rng.choice(HYUGA_EXCHANGES)}{rng.randint(0, 9999):04d}"


def _given_name(rng, gender, birth_year):
    older = birth_year < GENERATION_SPLIT_YEAR
    if gender == Gender.FEMALE:
        pool = FEMALE_GIVEN_OLDER if older else FEMALE_GIVEN_YOUNGER
    elif gender == Gender.MALE:
        pool = MALE_GIVEN_OLDER if older else MALE_GIVEN_YOUNGER
    elif older:
        pool = rng.choice([FEMALE_GIVEN_OLDER, MALE_GIVEN_OLDER])
    else:
        pool = rng.choice([FEMALE_GIVEN_YOUNGER, MALE_GIVEN_YOUNGER])
    return rng.choice(pool)


def _phones_and_contact(rng, senior):
    if senior:
        phone = rng.choices(
            [Smartphone.SMARTPHONE, Smartphone.FEATURE_PHONE, Smartphone.NONE], [55, 25, 20]
        )[0]
        has_landline = rng.random() < 0.6
    else:
        phone = rng.choices([Smartphone.SMARTPHONE, Smartphone.FEATURE_PHONE], [95, 5])[0]
        has_landline = rng.random() < 0.2
    mobile = mobile_number(rng) if phone != Smartphone.NONE and rng.random() < 0.95 else ""
    home = home_number(rng) if has_landline else ""
    if phone == Smartphone.SMARTPHONE and mobile:
        contact = rng.choices([Contact.SMS, Contact.STAFF_CALL], [65, 35])[0]
    elif mobile:
        contact = rng.choice([Contact.VOICE, Contact.STAFF_CALL])
    elif home:
        contact = Contact.STAFF_CALL
    else:
        contact = Contact.NONE
    return phone, mobile, home, contact


def fake_resident(rng, *, today, created_by=None):
    """One unsaved resident, mostly a senior, with kana, phones, district and consents."""
    senior = rng.random() < SENIOR_SHARE
    age = rng.randint(*(SENIOR_AGES if senior else YOUNGER_AGES))
    birth_year = today.year - age
    gender = rng.choices([Gender.FEMALE, Gender.MALE, Gender.UNDISCLOSED, ""], [54, 40, 3, 3])[0]
    family, family_kana = rng.choice(FAMILY_NAMES)
    given, given_kana = _given_name(rng, gender, birth_year)
    # Most callers give their full date of birth; some only the year.
    birth_date = None
    if rng.random() < 0.7:
        birth_date = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
    phone, mobile, home, contact = _phones_and_contact(rng, senior)
    consent_contact = rng.random() < 0.9
    consent_data_use = rng.random() < 0.85
    consent_date = None
    if consent_contact or consent_data_use:
        consent_date = today - datetime.timedelta(days=rng.randint(1, 700))
    resident = Resident(
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        birth_date=birth_date,
        birth_year=birth_year,
        gender=gender,
        phone_mobile=mobile,
        phone_home=home,
        smartphone=phone,
        preferred_contact=contact,
        district=rng.choices(_DISTRICT_NAMES, _DISTRICT_WEIGHTS)[0],
        consent_contact=consent_contact,
        consent_data_use=consent_data_use,
        consent_date=consent_date,
        created_by=created_by,
    )
    resident.refresh_derived()
    return resident


def fake_residents(rng, count, *, today, created_by=None):
    return [fake_resident(rng, today=today, created_by=created_by) for _ in range(count)]


def story_residents(*, today, created_by=None):
    """The residents the README's demo story relies on, always present.

    山田 太郎 answers to ﾔﾏﾀﾞ and 090-1234-5678; two pairs share kana and birth year (and one
    pair a home phone) so registering shows the duplicate warning.
    """
    rows = [
        ("山田", "太郎", "ヤマダ", "タロウ", datetime.date(1948, 5, 12), Gender.MALE,
         "+819012345678", "+81982521234", Smartphone.SMARTPHONE, Contact.SMS, "日知屋"),
        ("山田", "花子", "ヤマダ", "ハナコ", datetime.date(1951, 9, 3), Gender.FEMALE,
         "", "+81982521234", Smartphone.FEATURE_PHONE, Contact.STAFF_CALL, "日知屋"),
        ("佐藤", "和子", "サトウ", "カズコ", datetime.date(1944, 2, 20), Gender.FEMALE,
         "+818023456789", "", Smartphone.SMARTPHONE, Contact.SMS, "財光寺"),
        ("佐藤", "和子", "サトウ", "カズコ", None, Gender.FEMALE,
         "", "+81982541122", Smartphone.NONE, Contact.STAFF_CALL, "財光寺"),
        ("黒木", "清", "クロキ", "キヨシ", datetime.date(1939, 11, 30), Gender.MALE,
         "", "+81982573344", Smartphone.NONE, Contact.STAFF_CALL, "東郷"),
        ("黒木", "清", "クロキ", "キヨシ", datetime.date(1939, 11, 30), Gender.MALE,
         "+817034567890", "", Smartphone.FEATURE_PHONE, Contact.VOICE, "東郷"),
    ]  # fmt: skip
    fields = (
        "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date",
        "gender", "phone_mobile", "phone_home", "smartphone", "preferred_contact", "district",
    )  # fmt: skip
    residents = []
    for row in rows:
        resident = Resident(
            **dict(zip(fields, row, strict=True)),
            consent_contact=True,
            consent_data_use=True,
            consent_date=today - datetime.timedelta(days=30),
            created_by=created_by,
        )
        # The second 佐藤 和子 gave only her year of birth: same kana and year as the first.
        resident.birth_year = resident.birth_date.year if resident.birth_date else 1944
        resident.refresh_derived()
        residents.append(resident)
    return residents
