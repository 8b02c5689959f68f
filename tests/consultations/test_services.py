"""Recording a consultation: who may, once per booking, corrected the same day, the answers
checked; and what follows it, booked through the booking service."""

import datetime
import uuid

import pytest
from django.utils import timezone

from attendance.walkin import walkin_checkin
from audit.models import AccessLog
from classes.booking import booking_cancel, booking_create, request_key_for
from classes.models import Booking, BookingStatus
from consultations.models import ConsultationRecord
from consultations.services import (
    ConsultationError,
    consultation_followup_book,
    consultation_followup_close,
    consultation_record,
)
from residents.services import resident_merge
from tests.consultations.conftest import answers, assign, book, make_volunteer, topic

pytestmark = pytest.mark.django_db


def record(booking, user, *keys, **changes):
    return consultation_record(booking_id=booking.pk, user=user, **answers(*keys, **changes))


def test_venue_staff_record_a_consultation_once_per_booking(booking, venue_user):
    saved = record(booking, venue_user, "line", "camera", resolution="partly", note=" 次回 ")

    assert saved.booking == booking and saved.resident_id == booking.resident_id
    assert {t.key for t in saved.topics.all()} == {"line", "camera"}
    assert (saved.device, saved.device_os, saved.resolution) == ("smartphone", "android", "partly")
    assert (saved.minutes, saved.followup, saved.note) == (20, "none", "次回")
    assert saved.supporter == venue_user and saved.assignment is None
    entry = AccessLog.objects.get()
    assert (entry.action, entry.what, entry.user) == ("create", "consultation record", venue_user)
    assert list(entry.residents.values_list("resident_id", flat=True)) == [booking.resident_id]


def test_sent_again_the_same_day_it_is_changed_not_doubled(booking, venue_user):
    first = record(booking, venue_user, "line")
    again = record(booking, venue_user, "maps", resolution="not_resolved", minutes=45)

    assert again.pk == first.pk and ConsultationRecord.objects.count() == 1
    assert [t.key for t in again.topics.all()] == ["maps"]
    assert (again.resolution, again.minutes) == ("not_resolved", 45)
    assert [e.action for e in AccessLog.objects.order_by("pk")] == ["create", "edit"]


def test_a_volunteer_on_the_slot_records_it_with_their_shift(booking, volunteer_user, shift):
    saved = record(booking, volunteer_user)
    assert saved.supporter == volunteer_user and saved.assignment == shift


def test_a_volunteer_without_an_accepted_shift_on_that_slot_may_not(
    booking, later_slot, volunteer_user, make
):
    volunteer = make_volunteer(volunteer_user)
    assign(volunteer, later_slot)  # another slot of the same day
    assign(volunteer, booking.session, status="proposed")  # not accepted
    with pytest.raises(ConsultationError) as refused:
        record(booking, volunteer_user)
    assert refused.value.code == "not_supporter"
    assert not ConsultationRecord.objects.exists()


def test_venue_staff_of_another_venue_may_not(booking, make, django_user_model):
    from django.contrib.auth.models import Group

    elsewhere = django_user_model.objects.create_user(username="other-venue", password="x")
    elsewhere.groups.add(Group.objects.get_or_create(name="venue")[0])
    make.venue().staff.add(elsewhere)
    with pytest.raises(ConsultationError) as refused:
        record(booking, elsewhere)
    assert refused.value.code == "not_supporter"


def test_the_writer_changes_it_on_the_day_venue_staff_correct_it_later(
    booking, volunteer_user, shift, other_volunteer, venue_user
):
    assign(other_volunteer.volunteer, booking.session)
    record(booking, volunteer_user)
    with pytest.raises(ConsultationError) as refused:
        record(booking, other_volunteer, resolution="partly")
    assert refused.value.code == "already_recorded"
    assert record(booking, venue_user, resolution="partly").resolution == "partly"
    weeks_later = timezone.now() + datetime.timedelta(days=30)
    with pytest.raises(ConsultationError) as refused:
        consultation_record(
            booking_id=booking.pk, user=volunteer_user, now=weeks_later, **answers()
        )
    assert refused.value.code == "already_recorded"
    corrected = consultation_record(
        booking_id=booking.pk,
        user=venue_user,
        now=weeks_later,
        **answers(resolution="not_resolved"),
    )
    assert corrected.resolution == "not_resolved" and corrected.supporter == volunteer_user
    assert (corrected.updated_by, corrected.updated_at) == (venue_user, weeks_later)
    assert [e.action for e in AccessLog.objects.order_by("pk")] == ["create", "edit", "edit"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"topic_ids": []}, "topics"),
        ({"topic_ids": [987654]}, "topics"),
        ({"device": "walkman"}, "device"),
        ({"device": "tablet", "device_os": ""}, "device_os"),
        ({"resolution": "maybe"}, "resolution"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 481}, "minutes"),
        ({"followup": "later"}, "followup"),
        ({"note": "あ" * 201}, "note"),
    ],
)
def test_answers_are_checked(booking, venue_user, changes, code):
    with pytest.raises(ConsultationError) as refused:
        consultation_record(booking_id=booking.pk, user=venue_user, **{**answers(), **changes})
    assert refused.value.code == code and refused.value.field == code
    assert not ConsultationRecord.objects.exists() and not AccessLog.objects.exists()


def test_the_phone_type_is_kept_only_for_phones_and_tablets(booking, venue_user):
    assert record(booking, venue_user, device="pc", device_os="android").device_os == ""


def test_only_seated_bookings_of_consultations_that_have_begun(
    make, venue, venue_user, slot, hanako, consultation_course
):
    book(slot, make.resident())
    waiting = book(slot, make.resident())
    queued = book(slot, make.resident())  # the slot holds two: the third waits
    assert queued.status == BookingStatus.WAITLISTED
    with pytest.raises(ConsultationError, match="予約がありません"):
        record(queued, venue_user)
    class_session = make.session(venue=venue, starts_at=make.earlier_today(30))
    with pytest.raises(ConsultationError) as refused:
        record(book(class_session, hanako), venue_user)
    assert refused.value.code == "not_consultation"
    tomorrow = make.session(
        course=consultation_course, venue=venue, starts_at=make.days_ahead(1), capacity=2
    )
    with pytest.raises(ConsultationError) as refused:
        record(book(tomorrow, make.resident()), venue_user)
    assert refused.value.code == "not_yet"
    cancelled = booking_cancel(booking_id=waiting.pk, user=None).booking
    with pytest.raises(ConsultationError):
        record(cancelled, venue_user)


def test_a_walk_in_is_recorded_on_the_booking_the_venue_made(
    venue, consultation_course, venue_user, make
):
    under_way = make.session(
        course=consultation_course, venue=venue, starts_at=make.earlier_today(10), capacity=2
    )
    outcome = walkin_checkin(
        session_id=under_way.pk,
        resident_id=make.resident().pk,
        device="会場端末",
        nonce=uuid.uuid4(),
        user=venue_user,
    )
    booking = outcome.outcome.booking
    saved = record(booking, venue_user, "mynumber")
    assert saved.booking.status == BookingStatus.ATTENDED


def test_a_merge_moves_the_record_with_its_booking(booking, venue_user, make, desk_user):
    saved = record(booking, venue_user)
    keep = make.resident()
    resident_merge(keep_id=keep.pk, remove_id=booking.resident_id, user=desk_user)
    saved.refresh_from_db()
    assert saved.resident_id == keep.pk == saved.booking.resident_id


# --- what follows ---------------------------------------------------------------------------------


@pytest.fixture
def asks_class(booking, venue_user):
    return record(booking, venue_user, "basics", followup="class")


def test_booking_the_follow_up_goes_through_the_booking_service(asks_class, make, venue, desk_user):
    session = make.session(venue=venue, starts_at=make.days_ahead(7))
    key = request_key_for(uuid.uuid4(), "followup", asks_class.pk, session.pk)

    outcome = consultation_followup_book(
        record_id=asks_class.pk, session_id=session.pk, user=desk_user, request_key=key
    )
    again = consultation_followup_book(
        record_id=asks_class.pk, session_id=session.pk, user=desk_user, request_key=key
    )

    assert outcome.created and not again.created and again.booking == outcome.booking
    assert outcome.booking.status == BookingStatus.BOOKED
    assert outcome.booking.resident_id == asks_class.resident_id
    assert outcome.booking.created_by == desk_user
    asks_class.refresh_from_db()
    assert asks_class.followup_booking == outcome.booking and not asks_class.followup_is_open
    assert Booking.objects.filter(session=session).count() == 1


def test_a_full_session_puts_the_person_on_its_waitlist(asks_class, make, venue):
    session = make.session(venue=venue, starts_at=make.days_ahead(7), capacity=1)
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=None)
    outcome = consultation_followup_book(record_id=asks_class.pk, session_id=session.pk, user=None)
    assert outcome.booking.status == BookingStatus.WAITLISTED and outcome.waitlist_position == 1


def test_the_booking_rules_say_no_as_at_the_desk(asks_class, make, venue):
    session = make.session(venue=venue, starts_at=make.days_ahead(7))
    same_time = make.session(starts_at=session.starts_at)
    booking_create(session_id=same_time.pk, resident_id=asks_class.resident_id, user=None)
    with pytest.raises(ConsultationError, match="同じ時間"):
        consultation_followup_book(record_id=asks_class.pk, session_id=session.pk, user=None)
    asks_class.refresh_from_db()
    assert asks_class.followup_is_open


def test_no_booking_is_made_for_a_consultation_that_asked_for_none(booking, venue_user, make):
    saved = record(booking, venue_user, followup="carrier")
    with pytest.raises(ConsultationError) as refused:
        consultation_followup_book(
            record_id=saved.pk, session_id=make.session().pk, user=venue_user
        )
    assert refused.value.code == "no_booking_followup"
    assert not Booking.objects.exclude(pk=booking.pk).exists()


def test_the_desk_closes_a_follow_up_once(asks_class, desk_user):
    consultation_followup_close(record_id=asks_class.pk, user=desk_user)
    asks_class.refresh_from_db()
    assert asks_class.followup_closed_by == desk_user and not asks_class.followup_is_open
    with pytest.raises(ConsultationError) as refused:
        consultation_followup_close(record_id=asks_class.pk, user=desk_user)
    assert refused.value.code == "not_open"


def test_a_changed_follow_up_is_open_again(asks_class, desk_user, venue_user):
    consultation_followup_close(record_id=asks_class.pk, user=desk_user)
    changed = record(asks_class.booking, venue_user, "line", followup="consultation")
    assert changed.followup_is_open and list(changed.topics.all()) == [topic("line")]
