"""axe-core (WCAG 2.1 AA) on the public file register and the DX office's access log."""

import pytest
from django.urls import reverse

from audit.models import Action
from audit.services import access_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_file_register_passes_axe(page, live_server, axe):
    page.goto(f"{live_server.url}{reverse('audit:register')}")
    assert axe(page) == []


def test_the_access_log_passes_axe(page, login, live_server, axe, make, dx_user, desk_user):
    resident = make.resident(family_name="山田", given_name="太郎")
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[resident])
    login(dx_user)
    page.goto(f"{live_server.url}{reverse('audit:log')}?resident={resident.pk}")
    assert axe(page) == []
