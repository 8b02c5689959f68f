"""Staff invitations in a real browser: the office's page passes axe, and the invitee's page
posts its own form (a browser sends "Origin: null" under a no-referrer policy, which the CSRF
check refuses; Django's test client sends no Origin and cannot show it)."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.access import Role
from accounts.invitations import invitation_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_invitee_makes_the_account_in_a_browser(page, live_server, axe, dx_user):
    new = invitation_create(email="hanako@example.jp", roles=[Role.DESK], user=dx_user)
    page.goto(f"{live_server.url}{reverse('accounts:invitation_accept', args=[new.token])}")
    assert axe(page) == []
    page.fill("#id_username", "hanako")
    page.fill("#id_password1", "kumo-sora-umi-2231")
    page.fill("#id_password2", "kumo-sora-umi-2231")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{reverse('account_login')}")
    assert "アカウントができました" in page.content()
    assert User.objects.filter(username="hanako", groups__name=Role.DESK).exists()


def test_the_invitations_page_passes_axe(page, login, live_server, axe, make, dx_user):
    make.venue()
    invitation_create(email="taro@example.jp", roles=[Role.DESK], user=dx_user)
    login(dx_user)
    page.goto(f"{live_server.url}{reverse('accounts:invitation_list')}")
    assert axe(page) == []
