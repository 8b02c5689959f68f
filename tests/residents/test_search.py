"""Search as the desk types: every written form of a name or number finds the same person."""

import pytest

from residents.queries import (
    parse_search,
    resident_duplicates,
    resident_identify,
    resident_search,
)
from residents.services import resident_create, resident_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def taro(make):
    return make.resident(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_year=1950,
        phone_mobile="+819012345678",
        phone_home="+81982521234",
    )


@pytest.fixture
def others(make):
    return [
        make.resident(
            family_name="佐藤",
            given_name="花子",
            family_name_kana="サトウ",
            given_name_kana="ハナコ",
            birth_year=1948,
            phone_mobile="+818011112222",
        ),
        make.resident(
            family_name="山本",
            given_name="一郎",
            family_name_kana="やまもと",
            given_name_kana="いちろう",
            birth_year=1950,
            phone_mobile="+819099990000",
        ),
    ]


@pytest.mark.parametrize("typed", ["ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "ヤマダタロウ", "ﾔﾏﾀﾞ", "やまだ"])
def test_every_kana_form_finds_yamada_taro(taro, others, typed):
    assert resident_search(typed) == [taro]


def test_given_name_reading_alone_finds_the_person(taro, others):
    assert resident_search("たろう") == [taro]


@pytest.mark.parametrize(
    "typed",
    ["090-1234-5678", "０９０１２３４５６７８", "+81 90 1234 5678", "09012345678", "090 1234 5678"],
)
def test_every_phone_form_finds_the_mobile_number(taro, others, typed):
    assert resident_search(typed) == [taro]


def test_home_number_is_searched_too(taro, others):
    assert resident_search("0982-52-1234") == [taro]
    assert resident_search("0982") == [taro]


def test_partial_phone_is_a_prefix(taro, others):
    assert resident_search("0901234") == [taro]
    assert set(resident_search("090")) == {taro, others[1]}
    assert resident_search("080") == [others[0]]


def test_a_lone_zero_is_not_yet_a_search(taro):
    assert resident_search("0") == []
    assert resident_search("09") == []


def test_kanji_name_matches_inside_the_name(taro, others):
    assert resident_search("山田") == [taro]
    assert resident_search("山田 太郎") == [taro]
    assert resident_search("太郎") == [taro]
    assert set(resident_search("山")) == {taro, others[1]}


def test_birth_year_alone_and_combined_with_kana(taro, others):
    assert set(resident_search("1950")) == {taro, others[1]}
    assert resident_search("やま 1950") == [taro, others[1]]
    assert resident_search("やまだ 1950") == [taro]
    assert resident_search("やまだ 1951") == []


def test_birth_year_in_the_japanese_era(taro, others):
    assert set(resident_search("昭和25年")) == {taro, others[1]}
    assert resident_search("ヤマダ S25") == [taro]


def test_last_four_digits_of_a_phone_as_callers_give_them(taro, others, make):
    assert resident_search("5678") == [taro]  # mobile 090-1234-5678
    assert resident_search("１２３４") == [taro]  # home 0982-52-1234, typed full-width
    assert resident_search("やまだ 5678") == [taro]
    assert resident_search("さとう 5678") == []
    assert resident_search("2222") == [others[0]]


def test_four_digits_that_could_be_a_year_match_either(taro, others, make):
    hanako = make.resident(family_name_kana="ハヤシ", birth_year=1961, phone_mobile="+818000001950")
    assert set(resident_search("1950")) == {taro, others[1], hanako}
    assert set(resident_search("1950年")) == {taro, others[1]}  # 年 says it is a year


def test_implausible_years_find_nobody(taro):
    assert resident_search("1850") == []
    assert resident_search("3000") == []


def test_romaji_typed_with_the_input_method_off(taro, others):
    assert resident_search("yamada") == [taro]


def test_kana_and_phone_must_both_match(taro, others):
    assert resident_search("やまだ 090") == [taro]
    assert resident_search("やまだ 080") == []


def test_exact_then_prefix_then_given_name_then_kana_order(make):
    # Query "やまだ": exact full reading first, then readings starting with it (by kana),
    # then people whose given name starts with it.
    given = make.resident(
        family_name="木村", given_name="山田", family_name_kana="きむら", given_name_kana="やまだ"
    )
    prefix_b = make.resident(
        family_name="山田", given_name="花", family_name_kana="やまだ", given_name_kana="はな"
    )
    prefix_a = make.resident(
        family_name="山田", given_name="愛", family_name_kana="やまだ", given_name_kana="あい"
    )
    exact = make.resident(
        family_name="山田", given_name="", family_name_kana="やまだ", given_name_kana=""
    )
    assert resident_search("やまだ") == [exact, prefix_a, prefix_b, given]


def test_exact_phone_ranks_before_prefix(make):
    # A longer stored number sharing the prefix would sort first by kana; the exact one wins.
    longer = make.resident(family_name_kana="あ", phone_mobile="+8190123456780")
    exact = make.resident(family_name_kana="ん", phone_mobile="+819012345678")
    assert resident_search("090-1234-5678") == [exact, longer]
    assert resident_search("090-1234") == [longer, exact]


def test_at_most_twenty_results(make, settings):
    for _ in range(25):
        make.resident()
    assert settings.RESIDENT_SEARCH_LIMIT == 20
    assert len(resident_search("やまだ")) == 20
    assert len(resident_search("やまだ", limit=5)) == 5


def test_search_is_one_query_whatever_the_terms_and_data(make, django_assert_num_queries):
    for _ in range(30):
        make.resident()
    for typed in [
        "やまだ",
        "090",
        "090-0000-0001",
        "やまだ たろう 090 1950",
        "山田",
        "yamada",
        "1950",
    ]:
        with django_assert_num_queries(1):
            resident_search(typed)


def test_merged_records_never_show(taro, make, desk_user):
    twin = make.resident(family_name_kana="ヤマダ", given_name_kana="タロウ")
    resident_merge(keep_id=taro.pk, remove_id=twin.pk, user=desk_user)
    assert resident_search("やまだたろう") == [taro]


def test_parse_search_glues_spaced_phone_numbers_but_not_a_following_year():
    terms = parse_search("0982 52 1234 1950")
    assert terms.phones == ["+81982521234"]
    assert terms.years_or_endings == [1950]
    assert parse_search("1950年").years == [1950]


def test_duplicates_by_phone_in_either_field(taro):
    found = resident_duplicates(
        family_name_kana="スズキ",
        given_name_kana="イチロウ",
        birth_year=1960,
        phones=["+81982521234"],
    )
    assert found == [taro]


def test_duplicates_by_reading_and_birth_year(taro):
    same = dict(family_name_kana="やまだ", given_name_kana="たろう", phones=[])
    assert resident_duplicates(birth_year=1950, **same) == [taro]
    assert resident_duplicates(birth_year=1961, **same) == []
    assert resident_duplicates(birth_year=1950, exclude_id=taro.pk, **same) == []


def test_service_created_residents_are_found_by_phone(desk_user):
    resident = resident_create(
        user=desk_user,
        family_name="鈴木",
        given_name="一郎",
        family_name_kana="スズキ",
        given_name_kana="イチロウ",
        phone_mobile="+818033334444",
    )
    assert resident_search("080-3333-4444") == [resident]


# --- identifying one person (roles without the residents permission) ---------------------


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234-5678",
        "０９０１２３４５６７８",
        "+81 90 1234 5678",
        "0982-52-1234",  # the home phone
        "ヤマダ タロウ 1950",
        "ﾔﾏﾀﾞﾀﾛｳ 昭和25年",
        "やまだ　たろう S25",
    ],
)
def test_a_complete_phone_or_the_full_reading_with_the_birth_year_identifies(taro, others, typed):
    found = resident_identify(typed)
    assert found.enough and found.residents == [taro]


@pytest.mark.parametrize(
    "typed",
    ["", "0", "090", "090-1234-567", "+8190", "やまだ", "ヤマダ タロウ", "1950", "山田 太郎 1950"],
)
def test_part_of_a_number_or_a_name_is_not_enough(taro, others, typed):
    found = resident_identify(typed)
    assert not found.enough and found.residents == []


def test_the_family_reading_alone_with_a_year_matches_nobody(taro, others):
    found = resident_identify("やまだ 1950")
    assert found.enough and found.residents == []


def test_identifying_answers_three_at_most_and_skips_merged_records(taro, make, desk_user):
    twins = [
        make.resident(family_name_kana="ヤマダ", given_name_kana="タロウ", birth_year=1950)
        for _ in range(4)
    ]
    resident_merge(keep_id=taro.pk, remove_id=twins[0].pk, user=desk_user)
    found = resident_identify("やまだ たろう 1950")
    assert len(found.residents) == 3 and twins[0] not in found.residents
