"""The registry in a real browser: results appear as the clerk types, every input is labelled."""

import pytest

from residents.models import Resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Inputs a screen reader would announce without a name.
UNLABELLED_INPUTS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name)
"""


def test_results_appear_as_you_type_and_lead_to_the_record(
    page, login, live_server, make, desk_user
):
    taro = make.resident(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        phone_mobile="+819012345678",
    )
    make.resident(family_name="佐藤", family_name_kana="サトウ", phone_mobile="+818011112222")
    login(desk_user)
    addresses = []  # every URL the browser asks for: none may carry what was typed
    page.on("request", lambda request: addresses.append(request.url))
    page.goto(f"{live_server.url}/residents/")
    assert page.evaluate(UNLABELLED_INPUTS) == []

    results = page.locator("#resident-results")
    results.get_by_text("最近登録された住民").wait_for()  # before typing: the latest records
    page.fill("#resident-q", "ﾔﾏﾀﾞ")
    results.get_by_text("1件見つかりました").wait_for()
    results.get_by_text("山田 太郎").wait_for()
    assert results.get_by_text("佐藤").count() == 0
    assert page.url.endswith("/residents/")  # no page load: the partial came by htmx

    page.fill("#resident-q", "０９０－１２３４")
    results.get_by_text("090-1234-5678").wait_for()
    page.fill("#resident-q", "わたなべ")
    results.get_by_text("見つかりませんでした").wait_for()

    page.fill("#resident-q", "やまだ たろう")
    results.get_by_text("山田 太郎").click()
    page.wait_for_url(f"**/residents/{taro.pk}/")
    assert page.locator("h1").inner_text().startswith("山田 太郎")
    assert not [url for url in addresses if "q=" in url or "1234" in url]


def test_register_form_is_labelled_and_keeps_input_on_error(page, login, live_server, desk_user):
    login(desk_user)
    page.goto(f"{live_server.url}/residents/new/")
    assert page.evaluate(UNLABELLED_INPUTS) == []
    page.fill("#id_family_name", "鈴木")
    page.fill("#id_given_name", "一郎")
    page.fill("#id_family_name_kana", "すずき")
    page.fill("#id_given_name_kana", "いちろう")
    page.fill("#id_phone_mobile", "090-12")
    page.get_by_role("button", name="登録する").click()
    page.get_by_text("電話番号の形が正しくありません").wait_for()
    assert page.input_value("#id_phone_mobile") == "090-12"
    assert page.input_value("#id_family_name_kana") == "すずき"

    page.fill("#id_phone_mobile", "０９０－５５５５－６６６６")
    page.get_by_role("button", name="登録する").click()
    page.get_by_text("鈴木 一郎 さんを登録しました").wait_for()
    assert Resident.objects.get().phone_mobile == "+819055556666"
