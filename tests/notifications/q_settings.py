"""Settings for a django-q2 cluster started by a test or the benchmark: the project's settings
with Redis as the broker and a cluster (and queue) name of the run's own, so two runs, or
another engineer's cluster on the same Redis, never take each other's tasks."""

import os

from config.settings import *  # noqa: F403
from config.settings import Q_CLUSTER
from tests.clock import follow_parent_clock

follow_parent_clock()  # the cluster's "now" is the test's

LANGUAGE_CODE = "en"  # the cluster's log lines are read back (worker pids)
Q_CLUSTER = {
    **{key: value for key, value in Q_CLUSTER.items() if key != "orm"},
    # "name" signs the task packages (the enqueuing side signs with the project's name);
    # "cluster_name" names the Redis queue: the run's own.
    "cluster_name": os.environ["Q_CLUSTER_NAME"],
    "redis": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    "workers": int(os.environ.get("Q_WORKERS", 2)),
    "scheduler": False,  # the run drives the sender loop itself
    "timeout": 600,
    "retry": 1200,
}
