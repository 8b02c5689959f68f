"""The topic list in the admin: order, shown or not, and the classes a follow-up suggests."""

import pytest
from django.urls import reverse

from consultations.models import Topic
from consultations.services import topics_restore_national

pytestmark = pytest.mark.django_db


def test_the_office_orders_topics_and_sets_the_classes_they_suggest(admin_client):
    listing = admin_client.get(reverse("admin:consultations_topic_changelist"))
    assert (
        listing.status_code == 200
        and "マイナンバーカード・マイナポータル" in listing.content.decode()
    )
    topic = Topic.objects.get(key="disaster")
    url = reverse("admin:consultations_topic_change", args=[topic.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": "防災アプリ・防災情報",
            "key": "disaster",
            "position": 5,
            "is_active": "",
            "course_categories": ["smartphone_basic", "other"],
        },
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.name, topic.position, topic.is_active) == ("防災アプリ・防災情報", 5, False)
    assert topic.course_categories == ["smartphone_basic", "other"]
    assert Topic.objects.active().count() == 11


def test_the_national_topics_come_back_when_lost_and_the_offices_edits_stay(db):
    Topic.objects.exclude(key="line").delete()
    Topic.objects.filter(key="line").update(name="LINE（ライン）")
    topics_restore_national()
    assert Topic.objects.count() == 12
    assert Topic.objects.get(key="line").name == "LINE（ライン）"
