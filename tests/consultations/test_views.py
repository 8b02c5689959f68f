"""The supporter's phone pages, the follow-ups and the desk's list, by role: what each sees,
what the form keeps when an answer is missing, and what is logged."""

import datetime
import re

import pytest
from django.urls import reverse

from audit.models import AccessLog
from classes.models import Booking, BookingStatus
from consultations.models import ConsultationRecord
from consultations.services import consultation_record
from tests.consultations.conftest import answers, assign, book, make_volunteer, topic

pytestmark = pytest.mark.django_db


def form_url(booking):
    return reverse("consultations:record", args=[booking.pk])


def filled(*keys, **changes):
    """The form as a supporter sends it: topics ticked, one tap per question."""
    data = {
        "topics": [topic(k).pk for k in keys or ("line",)],
        "device": "smartphone",
        "device_os": "ios",
        "resolution": "resolved",
        "minutes": "20",
        "minutes_other": "",
        "followup": "none",
        "note": "",
    }
    data.update(changes)
    return data


def text(response):
    return response.content.decode()


def test_the_supporter_records_from_the_list_in_a_few_taps(venue_client, booking, slot):
    listing = venue_client.get(reverse("consultations:session", args=[slot.pk]))
    assert listing.status_code == 200
    assert form_url(booking) in text(listing) and "未記録" in text(listing)

    page = venue_client.get(form_url(booking))
    assert page.status_code == 200
    html = text(page)
    labels = ["LINE", "スマートフォン", "iPhone（iOS）", "一部解決"]
    labels += ["携帯ショップへ案内", "保存する"]
    for label in labels:
        assert label in html
    response = venue_client.post(
        form_url(booking),
        filled("line", "camera", resolution="partly", note="写真の送り方", followup="carrier"),
    )

    saved = ConsultationRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:record_done", args=[saved.pk])
    assert {t.key for t in saved.topics.all()} == {"line", "camera"}
    assert (saved.device_os, saved.resolution, saved.minutes) == ("ios", "partly", 20)
    assert (saved.followup, saved.note) == ("carrier", "写真の送り方")
    done = venue_client.get(response["Location"])
    assert "鬼束 花子さんの相談を保存しました。" in text(done)
    assert "一部解決" in text(done)
    listing = venue_client.get(reverse("consultations:session", args=[slot.pk]))
    assert "記録済み" in text(listing)


def test_typed_minutes_win_over_the_buttons(venue_client, booking):
    venue_client.post(form_url(booking), filled(minutes="", minutes_other="75"))
    assert ConsultationRecord.objects.get().minutes == 75


def test_a_missing_answer_keeps_what_was_tapped_and_says_what_to_fix(venue_client, booking):
    data = filled("line", "maps", device="", minutes="", note="また来ます")
    response = venue_client.post(form_url(booking), data)

    assert response.status_code == 200 and not ConsultationRecord.objects.exists()
    html = text(response)
    assert "使っている機器を選んでください。" in html
    assert "かかった時間を選ぶか、分を入力してください。" in html
    for key in ("line", "maps"):
        assert re.search(rf'value="{topic(key).pk}"[^>]*checked', html), key
    assert re.search(r'value="resolved"[^>]*checked', html)
    assert "また来ます" in html


def test_a_phone_without_its_type_and_bad_minutes_are_refused_in_japanese(venue_client, booking):
    response = venue_client.post(
        form_url(booking), filled(device_os="", minutes="", minutes_other="1000", topics=[])
    )
    html = text(response)
    assert "相談の内容を1つ以上選んでください。" in html
    assert "スマートフォンの種類を選んでください" in html
    assert "かかった時間は1〜480分で入力してください。" in html
    assert "This field" not in html


def test_a_volunteer_on_the_slot_sees_names_only(volunteer_client, booking, shift, slot):
    for url in (reverse("consultations:session", args=[slot.pk]), form_url(booking)):
        html = text(volunteer_client.get(url))
        assert "鬼束 花子" in html and "オニツカ ハナコ" in html
        for hidden in ("+819087651234", "090-8765-1234", "09087651234", "1944", "昭和19"):
            assert hidden not in html


def test_a_volunteer_without_a_shift_that_day_is_refused(
    volunteer_client, volunteer_user, booking, slot
):
    make_volunteer(volunteer_user)
    assert volunteer_client.get(reverse("consultations:session", args=[slot.pk])).status_code == 403
    assert volunteer_client.get(form_url(booking)).status_code == 403
    assert volunteer_client.post(form_url(booking), filled()).status_code == 403
    assert not ConsultationRecord.objects.exists()


def test_a_volunteer_sees_only_the_slots_of_their_shifts(
    volunteer_client, volunteer_user, booking, slot, later_slot, make
):
    assign(make_volunteer(volunteer_user), later_slot)
    mine = book(later_slot, make.resident(family_name="石井"))
    html = text(volunteer_client.get(reverse("consultations:session", args=[slot.pk])))
    assert form_url(mine) in html and form_url(booking) not in html
    assert "鬼束" not in html
    assert volunteer_client.get(form_url(booking)).status_code == 403


def test_venue_staff_of_another_venue_get_403(booking, slot, make, client, django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user(username="venue2", password="x")
    other.groups.add(Group.objects.get_or_create(name="venue")[0])
    make.venue().staff.add(other)
    client.force_login(other)
    assert client.get(reverse("consultations:session", args=[slot.pk])).status_code == 403
    assert client.get(form_url(booking)).status_code == 403


def test_other_sessions_and_bookings_are_not_found(venue_client, venue, make, hanako):
    lesson = make.session(venue=venue, starts_at=make.earlier_today(5))
    assert venue_client.get(reverse("consultations:session", args=[lesson.pk])).status_code == 404
    assert venue_client.get(form_url(book(lesson, hanako))).status_code == 404
    assert venue_client.get(reverse("consultations:record", args=[987654])).status_code == 404


def test_todays_list_shows_the_day_with_its_counts(venue_client, booking, slot, later_slot):
    html = text(venue_client.get(reverse("consultations:today")))
    assert reverse("consultations:session", args=[slot.pk]) in html
    assert "記録 0件／予約 1件" in html


# --- correcting an earlier record ----------------------------------------------------------


@pytest.fixture
def last_month(make, venue, consultation_course, hanako, volunteer_user):
    """A consultation recorded by a volunteer on its day, 30 days ago."""
    session = make.session(
        course=consultation_course,
        venue=venue,
        starts_at=make.earlier_today(60) - datetime.timedelta(days=30),
        minutes=30,
    )
    booking = book(session, hanako)
    assign(make_volunteer(volunteer_user), session)
    consultation_record(
        booking_id=booking.pk,
        user=volunteer_user,
        now=session.starts_at + datetime.timedelta(minutes=20),
        **answers("line"),
    )
    return booking


def test_venue_staff_page_back_to_an_older_week_and_correct_a_record(
    venue_client, venue_user, last_month
):
    today = venue_client.get(reverse("consultations:today"))
    assert reverse("consultations:session", args=[last_month.session_id]) not in text(today)
    older = re.findall(r'href="([^"]*\?until=[^"]*)"', text(today))
    assert older and "前の1週間" in text(today)
    # Page back a week at a time, as staff would, until the session shows.
    url = older[0].replace("&amp;", "&")
    for _week in range(6):
        page = venue_client.get(url)
        assert page.status_code == 200
        if reverse("consultations:session", args=[last_month.session_id]) in text(page):
            break
        url = re.findall(r'href="([^"]*\?until=[^"]*)"[^>]*>前の1週間', text(page))[0]
    else:
        pytest.fail("the session of 30 days ago never showed")
    assert "次の1週間" in text(page) or "今日に戻る" in text(page)

    response = venue_client.post(form_url(last_month), filled("line", resolution="not_resolved"))
    record = ConsultationRecord.objects.get()
    assert response.status_code == 302 and record.resolution == "not_resolved"
    done = text(venue_client.get(reverse("consultations:record_done", args=[record.pk])))
    assert "訂正した人" in done and venue_user.get_username() in done


def test_the_volunteer_who_wrote_it_cannot_change_it_after_its_day(volunteer_client, last_month):
    page = volunteer_client.get(form_url(last_month))
    record = ConsultationRecord.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse("consultations:record_done", args=[record.pk])
    done = text(volunteer_client.get(page["Location"]))
    assert "記録を直す" not in done and "訂正した人" not in done
    volunteer_client.post(form_url(last_month), filled("maps", resolution="not_resolved"))
    assert ConsultationRecord.objects.get().resolution == "resolved"


@pytest.mark.parametrize(
    "until", ["", "x", "0001-01-01", "9999-12-31", "2026-02-30", "１９９９/１/１", "tomorrow"]
)
def test_an_odd_week_reads_as_this_week(venue_client, booking, slot, until):
    page = venue_client.get(reverse("consultations:today"), {"until": until})
    assert page.status_code == 200
    assert reverse("consultations:session", args=[slot.pk]) in text(page)


def test_the_pages_are_logged_with_the_residents_they_show(venue_client, venue_user, booking, slot):
    venue_client.get(reverse("consultations:session", args=[slot.pk]))
    venue_client.get(form_url(booking))
    entries = list(AccessLog.objects.order_by("pk"))
    assert [(e.action, e.what) for e in entries] == [
        ("search", "consultation list"),
        ("view", "consultation record page"),
    ]
    for entry in entries:
        assert list(entry.residents.values_list("resident_id", flat=True)) == [booking.resident_id]


# --- what follows, at the venue and at the desk --------------------------------------------


@pytest.fixture
def class_next_week(make, venue):
    return make.session(venue=venue, starts_at=make.days_ahead(7), capacity=5)


def test_venue_staff_book_the_class_after_saving(
    venue_client, booking, class_next_week, make, venue
):
    elsewhere = make.session(starts_at=make.days_ahead(3))
    response = venue_client.post(form_url(booking), filled("basics", followup="class"))
    done = venue_client.get(response["Location"])
    html = text(done)
    suggested = [s.pk for s in done.context["suggestions"]]
    assert suggested == [class_next_week.pk, elsewhere.pk]  # this venue first
    record = ConsultationRecord.objects.get()
    book_url = reverse("consultations:followup_book", args=[record.pk])
    assert book_url in html
    nonce = re.search(r'name="nonce" value="([0-9a-f-]+)"', html).group(1)
    data = {"session": class_next_week.pk, "nonce": nonce, "back": "record"}

    first = venue_client.post(book_url, data)
    second = venue_client.post(book_url, data)  # a double tap

    assert first["Location"] == reverse("consultations:record_done", args=[record.pk])
    booked = Booking.objects.get(session=class_next_week)
    assert booked.resident_id == booking.resident_id and booked.status == BookingStatus.BOOKED
    page = venue_client.get(second["Location"])
    assert f"予約しました（予約番号 {booked.number}）" in text(page)
    assert "フォローアップで予約した回" in text(page)


def test_a_volunteer_leaves_the_booking_to_the_desk(
    volunteer_client, booking, shift, class_next_week, desk_client
):
    response = volunteer_client.post(form_url(booking), filled("line", followup="class"))
    record = ConsultationRecord.objects.get()
    html = text(volunteer_client.get(response["Location"]))
    assert "予約は受付から電話でご案内します" in html
    assert reverse("consultations:followup_book", args=[record.pk]) not in html
    refused = volunteer_client.post(
        reverse("consultations:followup_book", args=[record.pk]),
        {"session": class_next_week.pk, "nonce": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
    )
    assert refused.status_code == 403
    listing = text(desk_client.get(reverse("consultations:followups")))
    assert "鬼束 花子" in listing and "090-8765-1234" in listing


def test_the_desk_books_from_its_list_then_the_follow_up_leaves_it(
    desk_client, booking, venue_user, class_next_week
):
    record = consultation_record(
        booking_id=booking.pk, user=venue_user, **answers("basics", followup="class")
    )
    detail_url = reverse("consultations:followup_detail", args=[record.pk])
    detail = desk_client.get(detail_url)
    assert [s.pk for s in detail.context["suggestions"]] == [class_next_week.pk]
    response = desk_client.post(
        reverse("consultations:followup_book", args=[record.pk]),
        {
            "session": class_next_week.pk,
            "nonce": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "back": "desk",
        },
    )
    assert response["Location"] == detail_url
    assert Booking.objects.filter(session=class_next_week).count() == 1
    assert "鬼束" not in text(desk_client.get(reverse("consultations:followups")))


def test_the_desk_marks_a_follow_up_dealt_with(desk_client, booking, venue_user):
    record = consultation_record(
        booking_id=booking.pk, user=venue_user, **answers(followup="consultation")
    )
    response = desk_client.post(reverse("consultations:followup_close", args=[record.pk]))
    assert response["Location"] == reverse("consultations:followups")
    page = text(desk_client.get(response["Location"]))
    assert "鬼束 花子さんのフォローアップを対応済みにしました。" in page
    assert "対応待ちのフォローアップはありません。" in page
    entries = [e.what for e in AccessLog.objects.filter(action="search")]
    assert entries == []  # an empty list shows no one


# --- bounded queries ---------------------------------------------------------------------------


def _people(make, session, count):
    return [book(session, make.resident()) for _ in range(count)]


def test_the_session_page_costs_the_same_with_more_people(
    venue_client, slot, later_slot, make, django_assert_max_num_queries, venue_user
):
    url = reverse("consultations:session", args=[slot.pk])
    _people(make, slot, 1)
    with django_assert_max_num_queries(11) as few:
        venue_client.get(url)
    for booking in _people(make, slot, 1) + _people(make, later_slot, 2):
        consultation_record(booking_id=booking.pk, user=venue_user, **answers())
    with django_assert_max_num_queries(len(few.captured_queries)):
        venue_client.get(url)


def test_the_form_and_the_desk_list_cost_a_fixed_number_of_queries(
    venue_client, desk_client, booking, make, slot, later_slot, venue_user,
    django_assert_num_queries,
):  # fmt: skip
    with django_assert_num_queries(9):
        venue_client.get(form_url(booking))
    for person in [booking, *_people(make, slot, 1), *_people(make, later_slot, 2)]:
        consultation_record(
            booking_id=person.pk, user=venue_user, **answers("line", "maps", followup="class")
        )
    with django_assert_num_queries(8):
        desk_client.get(reverse("consultations:followups"))
    # A record to correct adds its topics (one query), however many it has.
    with django_assert_num_queries(10):
        venue_client.get(form_url(booking))
    # The saved record with its follow-up suggestions: none for the topics, so the basics too.
    record = ConsultationRecord.objects.get(booking=booking)
    with django_assert_num_queries(11):
        venue_client.get(reverse("consultations:record_done", args=[record.pk]))


def test_todays_list_and_a_follow_up_cost_a_fixed_number_of_queries(
    venue_client, volunteer_client, desk_client, shift, booking, slot, later_slot, make,
    venue_user, django_assert_num_queries,
):  # fmt: skip
    for person in [*_people(make, slot, 1), *_people(make, later_slot, 2)]:
        consultation_record(booking_id=person.pk, user=venue_user, **answers())
    with django_assert_num_queries(5):  # login (3), the venues, the slots with their counts
        venue_client.get(reverse("consultations:today"))
    with django_assert_num_queries(4):  # login (3), the slots of the shifts with their counts
        volunteer_client.get(reverse("consultations:today"))
    record = consultation_record(
        booking_id=booking.pk, user=venue_user, **answers("line", "camera", followup="class")
    )
    # login (3), the record, its topics, the suggestions (none for the topics, so the basics
    # too), the access log (2)
    with django_assert_num_queries(9):
        desk_client.get(reverse("consultations:followup_detail", args=[record.pk]))


def test_without_a_class_for_the_topics_the_basics_are_suggested(
    venue_client, booking, venue_user, make, venue
):
    basics = make.session(
        venue=venue,
        starts_at=make.days_ahead(4),
        course=make.course(category="smartphone_basic"),
    )
    intro = make.session(venue=venue, starts_at=make.days_ahead(6))  # smartphone_intro
    make.session(venue=venue, starts_at=make.days_ahead(5), course=make.course(category="mynumber"))
    record = consultation_record(
        booking_id=booking.pk, user=venue_user, **answers("maps", followup="class")
    )
    done = venue_client.get(reverse("consultations:record_done", args=[record.pk]))
    # 地図・乗換案内 suggests the advanced class; none is coming, so the basics are offered.
    assert [s.pk for s in done.context["suggestions"]] == [basics.pk, intro.pk]
