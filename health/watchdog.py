"""Keeps a django-q2 cluster taking work: runs `manage.py qcluster` as a child process and
starts it again when it exits, or when its heartbeat goes stale (README, "Background work").

A stalled django-q2 1.11 cluster does not exit, and its own status calls it idle: a worker
killed while it waited on the cluster's shared task queue took the queue's read lock with it,
and no worker can take a task again. It does not stop on SIGTERM either (the sentinel waits
for workers that cannot read their stop signal), so after a grace period its whole process
group is killed. Every task of ours is safe to run again, so killing one mid-run loses nothing.
"""

import contextlib
import datetime
import logging
import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from health.heartbeat import heartbeat_age, heartbeat_last

logger = logging.getLogger(__name__)


def qcluster_start() -> subprocess.Popen:
    """`manage.py qcluster` in a process group of its own, so that it can be killed with all
    of its workers and nothing else."""
    manage = settings.BASE_DIR / "manage.py"
    process = subprocess.Popen([sys.executable, str(manage), "qcluster"], process_group=0)
    logger.info("qcluster started (pid %s)", process.pid)
    return process


def qcluster_stop(process: subprocess.Popen, *, grace: float) -> None:
    """Ask the cluster to stop (SIGTERM to its main process: the workers finish their task);
    after `grace` seconds, or once it has gone, kill whatever is left of its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            logger.warning("qcluster did not stop within %s s: killing it", grace)
    with contextlib.suppress(ProcessLookupError):  # it stopped and took its workers with it
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def seconds_without_heartbeat(*, since: datetime.datetime) -> float | None:
    """How long the cluster started at `since` has gone without a heartbeat; None when the
    database cannot say (a restart would not help then)."""
    try:
        return heartbeat_age(heartbeat_last(), since=since, now=timezone.now())
    except DatabaseError:
        logger.warning("cannot read the heartbeat: the database does not answer")
        return None
    finally:
        connection.close()  # a long-lived process: never keep a connection that may go bad


class Watchdog:
    def __init__(self, *, check_every: float, stop_grace: float, stale_after: float) -> None:
        self.check_every = check_every
        self.stop_grace = stop_grace
        self.stale_after = stale_after
        self.stopping = threading.Event()

    def stop(self, *args: object) -> None:
        """Signal handler: stop the cluster and return from `run`."""
        self.stopping.set()

    def run(self) -> None:
        process, started = qcluster_start(), timezone.now()
        while not self.stopping.wait(self.check_every):
            if process.poll() is not None:
                logger.error("qcluster exited (code %s): starting it again", process.returncode)
            elif self.stalled(since=started):
                logger.error(
                    "no heartbeat from the task cluster for over %s s: restarting qcluster",
                    self.stale_after,
                )
                qcluster_stop(process, grace=self.stop_grace)
            else:
                continue
            process, started = qcluster_start(), timezone.now()
        qcluster_stop(process, grace=self.stop_grace)

    def stalled(self, *, since: datetime.datetime) -> bool:
        silent = seconds_without_heartbeat(since=since)
        return silent is not None and silent > self.stale_after
