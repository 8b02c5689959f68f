"""django-q2 tasks of the health app."""

from django_q.models import Task

from health.heartbeat import heartbeat_record

HEARTBEAT_TASK = "health.tasks.beat"
# The beat is recorded by the result hook, which runs in the cluster's monitor after the
# result is saved: so a cluster whose monitor is stuck is seen as stalled too.
HEARTBEAT_HOOK = "health.tasks.record_beat"


def beat() -> str:
    """The heartbeat task: being run by a worker is all it has to do."""
    return "beat"


def record_beat(task: Task) -> None:
    """Result hook of the heartbeat task."""
    if task.success:
        heartbeat_record()
