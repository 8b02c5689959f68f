"""Planning pages: who may plan, and forms that keep what was typed and say what to fix."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create
from classes.models import Category, ConsultationDay, Series, Session, SessionStatus
from tests.factories import tokyo

pytestmark = pytest.mark.django_db

PLANNING_URLS = [
    "classes:schedule",
    "classes:session_create",
    "classes:series_create",
    "classes:consultation_create",
]


# --- who may plan --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLANNING_URLS)
def test_dx_office_opens_every_planning_page(dx_client, name):
    assert dx_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    "user_fixture", ["desk_user", "venue_user", "volunteer_user", "no_role_user"]
)
def test_other_roles_may_not_plan(client, make, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    session = make.session()
    for name in PLANNING_URLS:
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("classes:session_edit", args=[session.pk])).status_code == 403
    response = client.post(
        reverse("classes:session_create"),
        {"course": session.course_id, "venue": session.venue_id, "date": "2030-06-03"},
    )
    assert response.status_code == 403
    assert Session.objects.count() == 1


def test_anonymous_planning_goes_to_login(client):
    response = client.get(reverse("classes:schedule"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_planning_home_lists_series_with_counts_in_bounded_queries(
    dx_client, dx_user, make, django_assert_max_num_queries
):
    from classes.scheduling import series_create

    venue, course = make.venue(), make.course()
    for index in range(6):
        series_create(
            title=f"火曜スマホ教室{index}",
            venue=venue,
            courses=[course],
            frequency=Series.Frequency.WEEKLY,
            weekday=1,
            nth_week=None,
            start_date=datetime.date(2030, 4, 1),
            end_date=datetime.date(2030, 4, 30),
            start_time=datetime.time(10),
            end_time=datetime.time(11),
            capacity=10,
            book_as_whole=False,
            skip_holidays=True,
            user=dx_user,
        )
    with django_assert_max_num_queries(8):
        response = dx_client.get(reverse("classes:schedule"))
    page = response.content.decode()
    assert "火曜スマホ教室5" in page and "毎週火曜日" in page
    assert response.context["page"].object_list[0].session_count == 5


# --- one session ---------------------------------------------------------------------------


def session_post(course, venue, **overrides):
    data = {
        "course": course.pk,
        "venue": venue.pk,
        "date": "2030-06-03",
        "start_time": "10:00",
        "end_time": "11:30",
        "capacity": "",
        "notes": "老眼鏡をお持ちください",
    }
    data.update(overrides)
    return data


def test_create_a_session_in_tokyo_time_with_the_course_capacity(dx_client, make):
    course, venue = make.course(default_capacity=8), make.venue()
    response = dx_client.post(reverse("classes:session_create"), session_post(course, venue))
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:session_detail", args=[session.pk])
    assert session.starts_at == tokyo(2030, 6, 3, 10) and session.ends_at == tokyo(
        2030, 6, 3, 11, 30
    )
    assert session.capacity == 8


def test_full_width_and_slashed_input_is_understood(dx_client, make):
    course, venue = make.course(), make.venue()
    data = session_post(
        course, venue, date="２０３０/０６/０３", start_time="１０：００", capacity="１２"
    )
    assert dx_client.post(reverse("classes:session_create"), data).status_code == 302
    session = Session.objects.get()
    assert session.starts_at == tokyo(2030, 6, 3, 10) and session.capacity == 12


@pytest.mark.parametrize(
    "overrides, message, kept",
    [
        ({"end_time": "09:00"}, "終了時刻は開始時刻より後にしてください。", 'value="09:00"'),
        ({"date": "2030-02-30"}, "正しい日付ではありません", 'value="2030-02-30"'),
        ({"capacity": "0"}, "1 以上の数を入力してください。", 'value="0"'),
        ({"start_time": "25:00"}, "正しい時刻ではありません", 'value="25:00"'),
    ],
    ids=["end-before-start", "impossible-date", "capacity-0", "impossible-time"],
)
def test_bad_session_input_keeps_what_was_typed(dx_client, make, overrides, message, kept):
    course, venue = make.course(), make.venue()
    response = dx_client.post(
        reverse("classes:session_create"), session_post(course, venue, **overrides)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert kept in page
    assert "老眼鏡をお持ちください" in page
    assert not Session.objects.exists()


def test_edit_refuses_capacity_below_seats_taken_and_keeps_input(dx_client, desk_user, make):
    session = make.session(capacity=5, starts_at=tokyo(2030, 6, 3, 10))
    for _ in range(3):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    url = reverse("classes:session_edit", args=[session.pk])
    form = dx_client.get(url).content.decode()
    assert 'value="2030-06-03"' in form and 'value="10:00"' in form

    data = session_post(session.course, session.venue, capacity="2", notes="定員変更")
    response = dx_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "すでに3人が予約しているため、定員を3人より少なくできません。" in page
    assert "定員変更" in page
    session.refresh_from_db()
    assert session.capacity == 5 and session.notes == ""


def test_edit_saves_and_says_so(dx_client, make):
    session = make.session(starts_at=tokyo(2030, 6, 3, 10))
    data = session_post(
        session.course, session.venue, start_time="13:00", end_time="15:00", capacity="6"
    )
    response = dx_client.post(reverse("classes:session_edit", args=[session.pk]), data, follow=True)
    page = response.content.decode()
    assert "開催回を保存しました。" in page
    assert "予約済みの方と担当の支援員に、新しい日時・会場をお知らせします" in page
    session.refresh_from_db()
    assert session.starts_at == tokyo(2030, 6, 3, 13) and session.capacity == 6

    again = dx_client.post(reverse("classes:session_edit", args=[session.pk]), data, follow=True)
    assert "お知らせします" not in again.content.decode()  # saved unchanged: nobody is told


def test_a_cancelled_session_cannot_be_opened_for_editing(dx_client, make):
    session = make.session(status=SessionStatus.CANCELLED)
    response = dx_client.get(reverse("classes:session_edit", args=[session.pk]), follow=True)
    assert "この回は中止になったため、変更できません。" in response.content.decode()


# --- series --------------------------------------------------------------------------------


def series_post(venue, *courses, **overrides):
    data = {
        "title": "月曜スマホ教室",
        "venue": venue.pk,
        "frequency": "weekly",
        "weekday": "0",
        "nth_week": "",
        "start_date": "2025-11-01",
        "end_date": "2025-11-30",
        "start_time": "10:00",
        "end_time": "11:30",
        "capacity": "",
        "skip_holidays": "on",
        "action": "preview",
    }
    for number, course in enumerate(courses, start=1):
        data[f"course_{number}"] = course.pk
    data.update(overrides)
    return data


def test_series_preview_names_skipped_holidays_and_creates_nothing(dx_client, make):
    response = dx_client.post(
        reverse("classes:series_create"), series_post(make.venue(), make.course())
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2025年11月3日（月）" in page and "文化の日のため休み" in page
    assert "振替休日のため休み" in page
    assert "2回の開催回を作成します。" in page
    assert 'value="create"' in page
    assert not Series.objects.exists() and not Session.objects.exists()


def test_series_create_button_appears_only_after_a_preview(dx_client):
    page = dx_client.get(reverse("classes:series_create")).content.decode()
    assert 'value="preview"' in page and 'value="create"' not in page


def test_series_create_makes_the_parts_and_sessions(dx_client, make):
    intro = make.course(title="入門", default_capacity=7)
    basic = make.course(title="基礎", category=Category.SMARTPHONE_BASIC)
    data = series_post(make.venue(), intro, basic, action="create", book_as_whole="on")
    response = dx_client.post(reverse("classes:series_create"), data, follow=True)
    series = Series.objects.get()
    assert response.redirect_chain[-1][0] == reverse("classes:series_detail", args=[series.pk])
    assert "シリーズを作成しました（2回）。" in response.content.decode()
    assert series.book_as_whole and series.capacity == 7
    assert [s.course.title for s in series.sessions.order_by("starts_at")] == ["入門", "基礎"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"frequency": "monthly_nth"}, "第何週かを選んでください。"),
        ({"end_date": "2025-10-01"}, "最終日は初回の日付と同じか、それより後の日にしてください。"),
        (
            {"start_date": "2025-11-24", "end_date": "2025-11-24"},
            "この期間には開催日が1日もありません。",
        ),
        ({"end_date": "2025-11-31"}, "正しい日付ではありません"),
    ],
    ids=["monthly-without-week", "end-before-start", "no-date-left", "impossible-date"],
)
def test_bad_series_input_keeps_what_was_typed(dx_client, make, overrides, message):
    for action in ("preview", "create"):
        data = series_post(make.venue(), make.course(), action=action, **overrides)
        response = dx_client.post(reverse("classes:series_create"), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page
        assert 'value="月曜スマホ教室"' in page
    assert not Series.objects.exists()


def make_future_series(dx_client, make):
    """Tuesdays of April 2030: 2, 9, 16, 23, 30."""
    data = series_post(
        make.venue(),
        make.course(),
        action="create",
        weekday="1",
        start_date="2030-04-01",
        end_date="2030-04-30",
    )
    dx_client.post(reverse("classes:series_create"), data)
    return Series.objects.get()


def local_days(series):
    return [timezone.localdate(s.starts_at).day for s in series.sessions.order_by("starts_at")]


def test_series_detail_adds_and_undoes_a_skip(dx_client, make):
    series = make_future_series(dx_client, make)
    url = reverse("classes:series_detail", args=[series.pk])
    response = dx_client.post(
        url, {"date": "2030-04-09", "action": "skip", "note": "会場点検"}, follow=True
    )
    page = response.content.decode()
    assert "追加 0回、削除 1回" in page and "会場点検" in page
    assert local_days(series) == [2, 16, 23, 30]

    dx_client.post(
        reverse("classes:series_exception_remove", args=[series.pk]), {"date": "2030-04-09"}
    )
    assert local_days(series) == [2, 9, 16, 23, 30]


def test_series_detail_exception_errors_keep_input(dx_client, make):
    series = make_future_series(dx_client, make)
    response = dx_client.post(
        reverse("classes:series_detail", args=[series.pk]),
        {"date": "2030-04-10", "action": "skip", "note": "メモ"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "4月10日（水） はこのシリーズの開催日ではありません。" in page
    assert 'value="2030-04-10"' in page


def test_a_booked_date_taken_out_is_kept_and_flagged(dx_client, desk_user, make):
    series = make_future_series(dx_client, make)
    booked = series.sessions.get(starts_at=tokyo(2030, 4, 16, 10))
    booking_create(session_id=booked.pk, resident_id=make.resident().pk, user=desk_user)
    response = dx_client.post(
        reverse("classes:series_detail", args=[series.pk]),
        {"date": "2030-04-16", "action": "skip"},
        follow=True,
    )
    page = response.content.decode()
    assert "予約があるため、残してあります" in page
    assert "予定から外れています：中止の手続きをしてください" in page
    assert Session.objects.filter(pk=booked.pk).exists()


def test_regenerate_button_recreates_deleted_sessions(dx_client, make):
    series = make_future_series(dx_client, make)
    series.sessions.filter(starts_at=tokyo(2030, 4, 23, 10)).delete()
    response = dx_client.post(reverse("classes:series_regenerate", args=[series.pk]), follow=True)
    assert "追加 1回、削除 0回" in response.content.decode()
    assert local_days(series) == [2, 9, 16, 23, 30]


# --- consultation days ---------------------------------------------------------------------


def consultation_post(course, venue, **overrides):
    data = {
        "course": course.pk,
        "venue": venue.pk,
        "date": "2030-05-14",
        "start_time": "13:00",
        "end_time": "16:00",
        "slot_minutes": "30",
        "desks": "2",
    }
    data.update(overrides)
    return data


def test_consultation_day_lists_its_slots(dx_client, make):
    course = make.course(title="デジタル相談会", category=Category.CONSULTATION)
    response = dx_client.post(
        reverse("classes:consultation_create"), consultation_post(course, make.venue()), follow=True
    )
    day = ConsultationDay.objects.get()
    assert response.redirect_chain[-1][0] == reverse("classes:consultation_detail", args=[day.pk])
    page = response.content.decode()
    assert "相談会を作成しました（6枠）。" in page
    assert "13:00–13:30" in page and "15:30–16:00" in page
    assert day.slots.count() == 6


def test_consultation_day_refuses_other_courses_and_bad_times(dx_client, make):
    venue = make.venue()
    class_course = make.course(title="スマホ教室")
    response = dx_client.post(
        reverse("classes:consultation_create"), consultation_post(class_course, venue)
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()

    course = make.course(category=Category.CONSULTATION)
    response = dx_client.post(
        reverse("classes:consultation_create"),
        consultation_post(course, venue, start_time="16:00", end_time="13:00"),
    )
    page = response.content.decode()
    assert "終了時刻は開始時刻より後にしてください。" in page and 'value="16:00"' in page
    assert not ConsultationDay.objects.exists()


def test_series_and_consultation_pages_do_not_grow_with_sessions(dx_client, desk_user, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(url):
        with CaptureQueriesContext(connection) as captured:
            assert dx_client.get(url).status_code == 200
        return len(captured)

    short = make_future_series(dx_client, make)
    data = series_post(
        make.venue(),
        make.course(),
        action="create",
        title="長いシリーズ",
        weekday="1",
        start_date="2030-04-01",
        end_date="2030-09-30",
    )
    dx_client.post(reverse("classes:series_create"), data)
    long = Series.objects.get(title="長いシリーズ")
    for session in long.sessions.all()[:5]:
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    assert long.sessions.count() > 20
    short_count = queries_for(reverse("classes:series_detail", args=[short.pk]))
    assert queries_for(reverse("classes:series_detail", args=[long.pk])) == short_count

    course, venue = make.course(category=Category.CONSULTATION), make.venue()
    for date, end in (("2030-05-14", "14:00"), ("2030-05-21", "17:00")):
        dx_client.post(
            reverse("classes:consultation_create"),
            consultation_post(course, venue, date=date, end_time=end),
        )
    small, big = ConsultationDay.objects.order_by("end_time")
    assert queries_for(reverse("classes:consultation_detail", args=[small.pk])) == queries_for(
        reverse("classes:consultation_detail", args=[big.pk])
    )
