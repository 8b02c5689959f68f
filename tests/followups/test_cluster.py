"""A real django-q2 cluster on Redis runs follow-ups; its worker is killed inside one. Nothing is
lost and nothing is done twice (PostgreSQL: the worker processes share the database)."""

import time
import uuid

import pytest
from django.db import connection, transaction

from followups.models import FollowUp, Status
from followups.services import followups_run_due
from residents.models import Resident
from tests.followups.slow import SlowWork, do_slow_work, slow_work
from tests.notifications.qcluster import Cluster
from tests.notifications.test_cluster import wait_for

WORK = 12
LEASE_SECONDS = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_a_follow_up_loses_nothing_and_doubles_nothing(make, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the cluster's worker processes share the database: PostgreSQL only")
    settings.FOLLOWUP_LEASE_SECONDS = LEASE_SECONDS
    residents = [make.resident() for _ in range(WORK)]
    slow_work.listen(do_slow_work)
    try:
        with transaction.atomic():
            ids = slow_work.announce_all(SlowWork(r.pk) for r in residents)
    finally:
        slow_work.unlisten(do_slow_work)

    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "FOLLOWUP_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with Cluster(f"tsunagu-test-{uuid.uuid4().hex[:8]}", env, workers=1) as cluster:
        for followup_id in ids:
            cluster.enqueue("followups.tasks.run_followups", [followup_id])
        # Wait until the worker is inside a follow-up (claimed, not done) after a few are done.
        assert wait_for(
            lambda: (
                FollowUp.objects.filter(status=Status.DONE).count() >= 3
                and FollowUp.objects.filter(status=Status.PENDING, attempts=1).exists()
            ),
            timeout=60,
        )
        killed = cluster.kill_worker()
        assert wait_for(lambda: killed not in cluster.worker_pids, timeout=5)
        interrupted = FollowUp.objects.filter(status=Status.PENDING, attempts=1).first()
        time.sleep(1)

    # The sweeper's pass once the dead worker's lease has run out does whatever is left.
    time.sleep(LEASE_SECONDS + 0.5)
    followups_run_due()

    assert set(FollowUp.objects.values_list("status", flat=True)) == {Status.DONE}
    assert sorted(Resident.objects.values_list("notes", flat=True)) == ["x"] * WORK
    if interrupted is not None:
        interrupted.refresh_from_db()
        assert interrupted.attempts == 2  # claimed by the dead worker, done by the sweeper
