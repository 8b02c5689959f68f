"""Help-session records on a phone (390 x 844, Chromium): venue staff record three
consultations with a few taps each, the pages pass axe-core (WCAG 2.1 AA), the toggles are
thumb-sized, and the DX office then sees them by topic and result."""

import datetime

import pytest
from django.urls import reverse

from classes.booking import booking_create
from classes.models import Category
from consultations.models import ConsultationRecord
from consultations.services import topics_restore_national

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_three_consultations_recorded_on_a_phone_then_read_by_the_dx_office(
    page, login, axe, live_server, make, venue_user, dx_user
):
    topics_restore_national()  # a transactional test before may have emptied them
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    session = make.session(
        course=make.course(title="デジタル相談会 (1対1)", category=Category.CONSULTATION),
        venue=venue,
        starts_at=make.earlier_today(20),
        minutes=60,
        capacity=3,
    )
    names = [("石井", "和子"), ("甲斐", "正"), ("黒木", "幸子")]
    for family, given in names:
        booking_create(
            session_id=session.pk,
            resident_id=make.resident(family_name=family, given_name=given).pk,
            user=None,
            now=session.starts_at - datetime.timedelta(days=1),
        )
    page.set_viewport_size(PHONE)
    login(venue_user)
    list_url = f"{live_server.url}{reverse('consultations:session', args=[session.pk])}"
    # What each supporter taps: topics, device, phone type, result, minutes.
    taps = [
        (["LINE", "カメラ・写真"], "スマートフォン", "Android", "解決", "20分"),
        (["マイナンバー"], "スマートフォン", "iPhone（iOS）", "未解決", "45分"),
        (["LINE"], "タブレット", "わからない", "一部解決", "30分"),
    ]  # fmt: skip
    found, heights = {}, []
    for (family, given), (topics, device, system, result, minutes) in zip(names, taps, strict=True):
        page.goto(list_url)
        if not found:
            found["list"] = axe(page)
        page.get_by_role("link", name=f"{family} {given}").click()
        page.wait_for_url("**/consultations/bookings/**")
        if "form" not in found:
            found["form"] = axe(page)
            heights = [
                page.locator("label.consult-choice", has_text=t).first.bounding_box()["height"]
                for t in ("LINE", "スマートフォン", "解決", "20分")
            ]
        for topic in topics:
            page.locator("label.consult-choice", has_text=topic).click()
        for fieldset, answer in (
            ("使っている機器", device),
            ("スマホの種類", system),
            ("結果", result),
            ("かかった時間", minutes),
        ):
            group = page.locator("fieldset", has=page.locator("legend", has_text=fieldset))
            group.locator("label.consult-choice", has_text=answer).first.click()
        page.get_by_role("button", name="保存する").click()
        page.wait_for_url("**/consultations/records/**")
        assert f"{family} {given}さんの相談を保存しました。" in page.content()
        if "done" not in found:
            found["done"] = axe(page)
    assert found == {"list": [], "form": [], "done": []}
    assert min(heights) >= 44
    saved = ConsultationRecord.objects.order_by("pk")
    assert [r.resolution for r in saved] == ["resolved", "not_resolved", "partly"]
    assert [r.minutes for r in saved] == [20, 45, 30]
    assert saved[2].device_os == "unknown"

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(dx_user)
    page.goto(f"{live_server.url}{reverse('reports:consultations')}")
    topics = page.locator("section", has=page.get_by_role("heading", name="相談の内容別"))
    line_row = topics.locator("tr", has=page.locator("th", has_text="LINE"))
    assert line_row.locator("td").all_inner_texts() == ["2", "66.7", "1"]
    totals = page.locator("section", has=page.get_by_role("heading", name="合計"))
    assert "33.3%" in totals.inner_text()  # one of three resolved
    assert axe(page) == []
