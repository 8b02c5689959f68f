"""SMS links: one invitation per attended booking, an SMS queued for residents who prefer SMS."""

import pytest
from django.urls import reverse

from classes.booking import booking_create
from classes.models import Booking, BookingStatus
from notifications.models import Message
from residents.models import Contact
from surveys.models import Invitation

pytestmark = pytest.mark.django_db


def test_links_for_everyone_who_attended_and_an_sms_for_those_who_prefer_it(
    dx_client, desk_user, make, post_class
):
    session = make.session()
    post_class.sessions.add(session)
    by_sms = make.resident(phone_mobile="+819012345678", preferred_contact=Contact.SMS)
    by_call = make.resident(preferred_contact=Contact.STAFF_CALL)
    absent = make.resident(preferred_contact=Contact.SMS)
    for resident in (by_sms, by_call, absent):
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    Booking.objects.exclude(resident=absent).update(status=BookingStatus.ATTENDED)
    # The session lies ahead in the factory; the page offers sessions that took place.
    session.starts_at = session.starts_at.replace(year=2020)
    session.ends_at = session.ends_at.replace(year=2020)
    session.save()
    url = reverse("surveys:invitations", args=[post_class.pk])
    assert dx_client.post(url, {"session": session.pk}).status_code == 302
    assert Invitation.objects.count() == 2
    message = Message.objects.get()
    invitation = Invitation.objects.get(resident=by_sms)
    assert message.to == "+819012345678"
    assert reverse("surveys:answer_invitation", args=[invitation.token]) in message.text
    dx_client.post(url, {"session": session.pk})
    assert (Invitation.objects.count(), Message.objects.count()) == (2, 1)
    page = dx_client.get(url)
    assert invitation.token in page.content.decode()
