import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_japanese_even_for_an_english_browser(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "ja"
    assert "ログイン" in page.content.decode()


def test_english_when_chosen_in_the_language_menu(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("account_login"))
    assert page["Content-Language"] == "en"
    assert "Sign In" in page.content.decode()


def test_the_task_pages_in_the_admin_are_japanese(admin_client):
    schedules = admin_client.get("/admin/django_q/schedule/add/").content.decode()
    for words in ("定期タスク", "間隔の種類", "次回実行", "毎日"):
        assert words in schedules
    failed = admin_client.get("/admin/django_q/failure/").content.decode()
    assert "失敗したタスク" in failed and "Failed tasks" not in failed
