"""The demo city's surveys: both templates, open, with answers; a second run adds nothing."""

import io

import pytest
from django.core.management import call_command

from surveys.models import Channel, Response, Survey
from surveys.queries import satisfaction_share

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_surveys(client, django_assert_max_num_queries):
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    post_class = Survey.objects.get(template="post_class")
    citizen = Survey.objects.get(template="citizen")
    assert post_class.courses.exists()
    ticket_answers = Response.objects.filter(survey=post_class, channel=Channel.TICKET).count()
    assert ticket_answers > 0
    assert Response.objects.filter(survey=citizen).count() == 60
    assert satisfaction_share()["respondents"] == ticket_answers
    before = Response.objects.count()
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    assert Response.objects.count() == before
    client.force_login(post_class.created_by)
    for survey in (post_class, citizen):
        with django_assert_max_num_queries(15):
            page = client.get(f"/surveys/{survey.pk}/tables/")
        assert page.status_code == 200
        assert f"n = {Response.objects.filter(survey=survey).count()}" in page.content.decode()
