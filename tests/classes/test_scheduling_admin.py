"""The admin has a working list, search and form for every classes model."""

import datetime

import pytest
from django.urls import reverse

from classes.booking import booking_create
from classes.models import Category

pytestmark = pytest.mark.django_db

MODELS = [
    "partner",
    "venue",
    "course",
    "series",
    "consultationday",
    "session",
    "booking",
    "bookingevent",
]


@pytest.fixture
def data(make, admin_user, dx_user):
    from classes.scheduling import consultation_day_create, series_create

    session = make.session(course=make.course(partner=make.partner()))
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=admin_user)
    consultation_day_create(
        course=make.course(category=Category.CONSULTATION),
        venue=make.venue(),
        date=session.starts_at.date(),
        start_time=session.starts_at.time().replace(hour=13),
        end_time=session.starts_at.time().replace(hour=15),
        slot_minutes=30,
        desks=2,
        user=dx_user,
    )
    series_create(
        title="火曜スマホ教室",
        venue=make.venue(),
        courses=[make.course()],
        frequency="weekly",
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
    return session


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_search_and_forms_open(client, admin_user, data, model):
    client.force_login(admin_user)
    changelist = reverse(f"admin:classes_{model}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "やまだ"}).status_code == 200
    results = client.get(changelist).context["cl"].result_list
    assert results
    change = reverse(f"admin:classes_{model}_change", args=[results[0].pk])
    assert client.get(change).status_code == 200


def test_admin_is_for_staff_only(desk_client):
    response = desk_client.get(reverse("admin:classes_session_changelist"))
    assert response.status_code == 302
