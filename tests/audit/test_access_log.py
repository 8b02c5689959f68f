"""The access log records who did what to whom, and nothing can change or delete a row."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessLog, AccessLogResident, Action, AppendOnlyError
from audit.queries import entries
from audit.services import access_record
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_record_names_the_user_their_roles_and_the_residents(desk_user):
    first, second = factories.resident(), factories.resident()

    entry = access_record(
        user=desk_user, action=Action.SEARCH, what="resident search", residents=[second, first.pk]
    )

    entry.refresh_from_db()
    assert (entry.username, entry.roles, entry.action) == ("desk", "desk", "search")
    assert entry.resident_count == 2
    assert sorted(entry.residents.values_list("resident_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )


def test_entries_are_found_by_staff_member_and_by_resident(desk_user, dx_user):
    one, other = factories.resident(), factories.resident()
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[one])
    access_record(user=dx_user, action=Action.VIEW, what="resident page", residents=[other])
    access_record(
        user=dx_user, action=Action.EXPORT, what="roster CSV", residents=[one], rows=1, purpose="x"
    )

    assert [e.username for e in entries(resident_id=one.pk)] == ["dx", "desk"]
    assert [e.what for e in entries(user_id=desk_user.pk)] == ["resident page"]


def test_rows_cannot_be_changed_or_deleted_through_the_models(desk_user):
    entry = access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[7])

    entry.what = "something else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(what="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        entry.residents.get().delete()
    assert AccessLog.objects.get().what == "resident page"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_even_a_raw_update_or_delete(desk_user):
    entry = access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[7])
    for statement in (
        "UPDATE audit_accesslog SET what = 'x'",
        "DELETE FROM audit_accesslog",
        "DELETE FROM audit_accesslogresident",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.get(pk=entry.pk).what == "resident page"
    assert AccessLogResident.objects.count() == 1


def test_removing_a_staff_account_keeps_its_rows(desk_user):
    access_record(user=desk_user, action=Action.VIEW, what="resident page", residents=[7])

    desk_user.delete()

    assert AccessLog.objects.get().username == "desk"
