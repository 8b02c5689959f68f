"""The registry pages, as desk staff and the DX office use them, and as others can't."""

import datetime
import re

import pytest
from django.urls import reverse

from residents.models import Resident, ResidentEvent
from residents.services import resident_merge, resident_update

pytestmark = pytest.mark.django_db


def _form(**changes):
    data = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birth_date": "",
        "birth_year": "1950",
        "gender": "",
        "phone_mobile": "090-1234-5678",
        "phone_home": "",
        "smartphone": "smartphone",
        "preferred_contact": "staff_call",
        "district": "富高",
        "consent_date": "2025-04-01",
        "notes": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def taro(make):
    return make.resident(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_year=1950,
        phone_mobile="+819012345678",
        district="富高",
    )


# --- Who may open what ---------------------------------------------------------------------


def _urls(resident, other):
    return [
        reverse("residents:list"),
        reverse("residents:create"),
        reverse("residents:detail", args=[resident.pk]),
        reverse("residents:edit", args=[resident.pk]),
        reverse("residents:merge", args=[resident.pk]),
        reverse("residents:merge", args=[resident.pk]) + f"?other={other.pk}",
    ]


# Searches are sent by POST: what was typed never sits in a URL.
SEARCHES = [
    ("residents:list", {"q": "やまだ"}),
    ("residents:search", {"q": "やまだ"}),
    ("residents:search", {"q": "やまだ", "for": "desk"}),
]


def search(client, name="residents:search", **data):
    return client.post(reverse(name), data)


@pytest.mark.parametrize("role", ["desk_client", "dx_client"])
def test_desk_and_dx_office_open_every_page(request, role, taro, make):
    client = request.getfixturevalue(role)
    for url in _urls(taro, make.resident()):
        assert client.get(url).status_code == 200, url
    for name, data in SEARCHES:
        assert search(client, name, **data).status_code == 200, name


@pytest.mark.parametrize("user", ["venue_user", "volunteer_user", "no_role_user"])
def test_other_roles_are_refused(request, client, user, taro, make):
    client.force_login(request.getfixturevalue(user))
    other = make.resident()
    for url in _urls(taro, other):
        assert client.get(url).status_code == 403, url
    for name, data in SEARCHES:
        assert search(client, name, **data).status_code == 403, name
    posts = [
        (reverse("residents:create"), _form()),
        (reverse("residents:edit", args=[taro.pk]), _form()),
        (reverse("residents:merge", args=[taro.pk]), {"other": other.pk, "keep": taro.pk}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Resident.objects.count() == 2
    assert not ResidentEvent.objects.exists()


def test_anonymous_goes_to_the_login_page(client, taro, make):
    for url in _urls(taro, make.resident()):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize(
    "url",
    [
        "/residents/999999/",
        "/residents/999999/edit/",
        "/residents/999999/merge/",
    ],
)
def test_unknown_records_are_404(desk_client, url):
    assert desk_client.get(url).status_code == 404


def test_odd_input_never_breaks_a_page(desk_client, taro):
    for q in ["%", "_", "'; drop table", "ｰｰｰ", "+", "0", "ﾞ", "x" * 500, "1234", "令和99"]:
        assert search(desk_client, "residents:list", q=q).status_code == 200, q
        assert search(desk_client, q=q).status_code == 200, q
    merge = reverse("residents:merge", args=[taro.pk])
    assert desk_client.get(merge, {"other": "abc"}).status_code == 404
    assert desk_client.get(merge, {"other": "999999"}).status_code == 404
    assert search(desk_client, q="やまだ", **{"for": "merge", "from": "x"}).status_code == 200


def test_searches_are_not_sent_in_the_address(desk_client, taro):
    assert desk_client.get(reverse("residents:search"), {"q": "やまだ"}).status_code == 405
    # An old bookmark with ?q= opens the list without searching for it.
    response = desk_client.get(reverse("residents:list"), {"q": "やまだ"})
    assert response.status_code == 200 and response.context["q"] == ""
    for name in ("residents:list", "classes:desk"):
        html = desk_client.get(reverse(name)).content.decode()
        boxes = re.findall(r"<form[^>]*role=\"search\"[^>]*>", html)
        assert boxes and all('method="post"' in box for box in boxes), name


# --- Finding people ------------------------------------------------------------------------


def test_list_searches_without_javascript(desk_client, taro, make):
    make.resident(family_name="佐藤", family_name_kana="サトウ")
    response = search(desk_client, "residents:list", q="ﾔﾏﾀﾞ")
    html = response.content.decode()
    assert 'value="ﾔﾏﾀﾞ"' in html  # the box keeps what was typed
    assert reverse("residents:detail", args=[taro.pk]) in html
    assert "佐藤" not in html
    assert "090-1234-5678" in html
    assert "富高" in html
    assert "1950年（昭和25年）生まれ" in html


def test_search_box_searches_as_you_type(desk_client):
    html = desk_client.get(reverse("residents:list")).content.decode()
    assert f'hx-post="{reverse("residents:search")}"' in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html
    assert 'hx-target="#resident-results"' in html
    assert 'id="resident-results" aria-live="polite"' in html


def test_search_partial_links_to_the_detail_page(desk_client, taro):
    response = search(desk_client, q="090-1234-5678")
    html = response.content.decode()
    assert "<html" not in html
    assert f'href="{reverse("residents:detail", args=[taro.pk])}"' in html


def test_search_for_the_desk_gives_buttons_that_load_the_caller(desk_client, taro):
    response = search(desk_client, q="やまだ", **{"for": "desk"})
    html = response.content.decode()
    assert f'hx-get="{reverse("classes:desk_resident", args=[taro.pk])}"' in html
    assert 'hx-target="#desk-resident"' in html
    assert 'hx-push-url="false"' in html
    assert reverse("residents:detail", args=[taro.pk]) not in html


def test_no_results_says_what_to_try(desk_client, taro):
    html = search(desk_client, q="わたなべ").content.decode()
    assert "見つかりませんでした" in html
    assert "ふりがなだけ" in html
    # Registering from here carries the text in the form, not in an address.
    assert f'action="{reverse("residents:create")}"' in html
    assert 'name="prefill"' in html and 'value="わたなべ"' in html


# Every page: the session, the user, the user's roles.
PAGE_QUERIES = 3
# The search itself, and the access-log row with the residents it listed.
SEARCH_QUERIES = 1 + 2


def test_list_and_search_queries_do_not_grow_with_data(
    desk_client, make, django_assert_num_queries
):
    make.resident()
    with django_assert_num_queries(PAGE_QUERIES + SEARCH_QUERIES):
        search(desk_client, q="やまだ")
    with django_assert_num_queries(PAGE_QUERIES + SEARCH_QUERIES):
        search(desk_client, "residents:list", q="やまだ")
    # Without a query the list shows the latest registrations, in one query (and the log's 2).
    with django_assert_num_queries(PAGE_QUERIES + 1 + 2):
        desk_client.get(reverse("residents:list"))
    for _ in range(30):
        make.resident()
    with django_assert_num_queries(PAGE_QUERIES + SEARCH_QUERIES):
        response = search(desk_client, "residents:list", q="やまだ")
    assert len(response.context["results"]) == 20
    with django_assert_num_queries(PAGE_QUERIES + SEARCH_QUERIES):
        response = search(desk_client, q="090", **{"for": "desk"})
    assert len(response.context["results"]) == 20


def test_detail_queries_do_not_grow_with_history(
    desk_client, desk_user, taro, make, django_assert_num_queries
):
    # the page's own, the resident (with who registered it), its history, the access log's 2
    with django_assert_num_queries(PAGE_QUERIES + 2 + 2):
        desk_client.get(reverse("residents:detail", args=[taro.pk]))
    for _ in range(5):
        resident_merge(keep_id=taro.pk, remove_id=make.resident().pk, user=desk_user)
    with django_assert_num_queries(PAGE_QUERIES + 2 + 2):
        response = desk_client.get(reverse("residents:detail", args=[taro.pk]))
    assert len(response.context["history"]) == 5


def test_detail_shows_the_record_in_japanese_style(desk_client, make, desk_user):
    resident = make.resident(
        birth_date=datetime.date(1950, 4, 1),
        phone_home="+81982521234",
        consent_contact=True,
        consent_date=datetime.date(2025, 4, 1),
        created_by=desk_user,
    )
    html = desk_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "1950年4月1日（昭和25年）" in html
    assert "0982-52-1234" in html
    assert "2025年4月1日" in html
    assert "70歳以上" in html
    assert "受付 花子" in html


# --- Registering ---------------------------------------------------------------------------


def test_register_a_resident(desk_client, desk_user):
    response = desk_client.post(reverse("residents:create"), _form())
    resident = Resident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:detail", args=[resident.pk])
    assert resident.phone_mobile == "+819012345678"
    assert resident.created_by == desk_user
    assert resident.events.get().kind == ResidentEvent.Kind.CREATED
    follow = desk_client.get(response["Location"])
    assert "山田 太郎 さんを登録しました" in follow.content.decode()


def test_register_from_the_desk_goes_back_with_the_new_resident(desk_client):
    desk = reverse("classes:desk") + "?session=7"
    response = desk_client.post(reverse("residents:create") + f"?next={desk}", _form())
    resident = Resident.objects.get()
    assert response["Location"] == f"{reverse('classes:desk')}?session=7&resident={resident.pk}"


def test_next_pointing_elsewhere_is_ignored(desk_client):
    response = desk_client.post(
        reverse("residents:create"), _form(next="https://evil.example/steal")
    )
    resident = Resident.objects.get()
    assert response["Location"] == reverse("residents:detail", args=[resident.pk])


def test_search_text_prefills_the_new_record(desk_client):
    response = desk_client.post(
        reverse("residents:create"), {"q": "やまだ はなこ 090-1111-2222", "prefill": "1"}
    )
    assert response.status_code == 200 and not Resident.objects.exists()
    form = response.context["form"]
    assert form.initial["family_name_kana"] == "やまだ"
    assert form.initial["given_name_kana"] == "はなこ"
    assert form.initial["phone_mobile"] == "090-1111-2222"


def test_likely_duplicate_warns_before_saving(desk_client, taro):
    response = desk_client.post(reverse("residents:create"), _form(phone_mobile="", district=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "すでに登録されているかもしれません" in html
    assert reverse("residents:detail", args=[taro.pk]) in html
    assert "これは別の人です（重複ではありません）" in html
    assert 'value="ヤマダ"' in html  # the input is kept
    assert Resident.objects.count() == 1

    response = desk_client.post(
        reverse("residents:create"), _form(phone_mobile="", district="", not_duplicate="on")
    )
    assert response.status_code == 302
    assert Resident.objects.count() == 2
    event = Resident.objects.latest("pk").events.get()
    assert str(taro.pk) in event.detail


def test_same_phone_is_a_likely_duplicate(desk_client, taro):
    response = desk_client.post(
        reverse("residents:create"),
        _form(family_name="佐藤", family_name_kana="サトウ", birth_year="1960"),
    )
    assert response.status_code == 200
    assert response.context["duplicates"] == [taro]


def test_duplicate_from_the_desk_offers_the_existing_record(desk_client, taro):
    desk = reverse("classes:desk")
    response = desk_client.post(reverse("residents:create"), _form(next=desk))
    assert f"{desk}?resident={taro.pk}" in response.content.decode()


def test_invalid_phone_keeps_the_input_with_a_japanese_message(desk_client):
    response = desk_client.post(reverse("residents:create"), _form(phone_mobile="090-12"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "電話番号の形が正しくありません。例：090-1234-5678" in html
    assert 'value="090-12"' in html
    assert 'value="富高"' in html
    assert not Resident.objects.exists()


def test_impossible_and_future_dates_keep_the_input(desk_client):
    response = desk_client.post(
        reverse("residents:create"), _form(birth_date="1950-02-30", birth_year="")
    )
    html = response.content.decode()
    assert "この日付はありません" in html
    assert 'value="1950-02-30"' in html
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = desk_client.post(
        reverse("residents:create"), _form(birth_date=future, birth_year="")
    )
    assert "未来の日付" in response.content.decode()
    assert not Resident.objects.exists()


# --- Editing -------------------------------------------------------------------------------


def test_edit_shows_national_numbers_and_records_changes(desk_client, taro):
    url = reverse("residents:edit", args=[taro.pk])
    assert 'value="090-1234-5678"' in desk_client.get(url).content.decode()
    version = taro.updated_at.isoformat()
    response = desk_client.post(url, _form(district="日知屋", version=version))
    assert response.status_code == 302
    taro.refresh_from_db()
    assert taro.district == "日知屋"
    event = taro.events.get()
    assert "district" in event.fields
    html = desk_client.get(reverse("residents:detail", args=[taro.pk])).content.decode()
    assert "変更した項目：" in html


def test_edit_error_keeps_the_input(desk_client, taro):
    url = reverse("residents:edit", args=[taro.pk])
    response = desk_client.post(url, _form(phone_home="12345", district="細島"))
    html = response.content.decode()
    assert "電話番号の形が正しくありません" in html
    assert 'value="細島"' in html
    taro.refresh_from_db()
    assert taro.district == "富高"


def test_stale_edit_warns_then_saves_on_purpose(desk_client, taro):
    url = reverse("residents:edit", args=[taro.pk])
    opened = taro.updated_at.isoformat()
    taro.notes = "別の職員のメモ"
    taro.save()
    response = desk_client.post(url, _form(district="細島", version=opened))
    assert response.status_code == 200
    assert "ほかの人がこの記録を変更しました" in response.content.decode()
    taro.refresh_from_db()
    assert taro.district == "富高"
    version = response.context["form"]["version"].value()
    assert desk_client.post(url, _form(district="細島", version=version)).status_code == 302
    taro.refresh_from_db()
    assert taro.district == "細島"


# --- Merging -------------------------------------------------------------------------------


def test_merge_flow_pick_compare_confirm(desk_client, taro, make):
    twin = make.resident(
        family_name="山田", family_name_kana="ヤマダ", given_name_kana="タロウ", district=""
    )
    url = reverse("residents:merge", args=[taro.pk])
    picking = desk_client.get(url).content.decode()
    assert f"{url}?other={twin.pk}" in picking
    assert f"{url}?other={taro.pk}" not in picking

    comparing = desk_client.get(url, {"other": twin.pk})
    assert comparing.status_code == 200
    assert "違いあり" in comparing.content.decode()

    response = desk_client.post(url, {"other": twin.pk, "keep": twin.pk})
    assert response["Location"] == reverse("residents:detail", args=[twin.pk])
    taro.refresh_from_db()
    assert taro.merged_into == twin

    gone = desk_client.get(reverse("residents:detail", args=[taro.pk])).content.decode()
    assert "統合されました" in gone
    assert reverse("residents:detail", args=[twin.pk]) in gone
    listed = search(desk_client, "residents:list", q="やまだ").content.decode()
    assert reverse("residents:detail", args=[taro.pk]) not in listed


def test_merge_into_itself_is_refused_on_the_page(desk_client, taro):
    url = reverse("residents:merge", args=[taro.pk])
    response = desk_client.get(url, {"other": taro.pk}, follow=True)
    assert "同じ記録どうしは統合できません" in response.content.decode()
    response = desk_client.post(url, {"other": taro.pk, "keep": taro.pk}, follow=True)
    assert "同じ記録どうしは統合できません" in response.content.decode()
    taro.refresh_from_db()
    assert taro.merged_into is None


def test_merged_record_cannot_be_edited_or_merged_again(desk_client, desk_user, taro, make):
    keep = make.resident()
    resident_merge(keep_id=keep.pk, remove_id=taro.pk, user=desk_user)
    response = desk_client.get(reverse("residents:edit", args=[taro.pk]))
    assert response["Location"] == reverse("residents:detail", args=[keep.pk])
    response = desk_client.get(reverse("residents:merge", args=[taro.pk]))
    assert response.status_code == 302
    other = make.resident()
    response = desk_client.post(
        reverse("residents:merge", args=[other.pk]), {"other": taro.pk, "keep": other.pk}
    )
    assert response.status_code == 200
    assert "すでに統合されています" in response.content.decode()
    other.refresh_from_db()
    assert other.merged_into is None


def test_birth_date_is_shown_in_the_era_and_typed_as_text(desk_client, make):
    resident = make.resident(birth_date=datetime.date(1950, 5, 12))
    page = desk_client.get(reverse("residents:edit", args=[resident.pk])).content.decode()
    assert 'value="昭和25年5月12日"' in page
    assert 'name="birth_date_era"' in page
    assert 'type="date" name="birth_date"' not in page


def test_detail_shows_each_edit_with_its_values_before_and_after(desk_client, desk_user, make):
    resident = make.resident(district="富高", birth_date=datetime.date(1950, 4, 1))
    resident_update(
        resident=resident,
        user=desk_user,
        district="日知屋",
        birth_date=datetime.date(1951, 5, 2),
        gender="female",
    )
    html = desk_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "地区：富高 → 日知屋" in html
    assert "生年月日：1950年4月1日 → 1951年5月2日" in html
    assert "性別：— → 女性" in html
    assert desk_user.get_username() in html
