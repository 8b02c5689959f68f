import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "client_fixture,target",
    [
        ("desk_client", "classes:desk"),
        ("venue_client", "attendance:venue_today"),
        ("dx_client", "reports:plan_list"),
    ],
)
def test_home_sends_each_role_to_its_work(request, client_fixture, target):
    client = request.getfixturevalue(client_fixture)
    assert client.get(reverse("home"))["Location"] == reverse(target)


def test_volunteers_go_to_their_shifts(volunteer_client):
    assert volunteer_client.get(reverse("home"))["Location"] == reverse("volunteers:my_shifts")


def test_a_new_account_is_invited_to_apply_as_a_volunteer(client, no_role_user):
    client.force_login(no_role_user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("volunteers:apply") in page


def test_venue_staff_see_the_check_in_menu(venue_client):
    page = venue_client.get(reverse("attendance:venue_today")).content.decode()
    assert reverse("attendance:venue_today") in page and reverse("classes:desk") not in page


def test_two_role_clients_are_two_people(desk_client, dx_client, desk_user, dx_user):
    assert desk_client.get("/").wsgi_request.user == desk_user
    assert dx_client.get("/").wsgi_request.user == dx_user
    assert desk_client.get("/").wsgi_request.user == desk_user
