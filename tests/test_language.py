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
