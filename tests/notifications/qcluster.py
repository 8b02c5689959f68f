"""A real django-q2 cluster in a child process, for a test or the benchmark.

with Cluster(name, env) as cluster:   # `manage.py qcluster` with tests/.../q_settings.py
    cluster.enqueue("notifications.tasks.send_message", 42)
    cluster.worker_pids               # read from the cluster's log ("ready for work at")

Cluster(name, env, command=["qcluster_watchdog", ...]) runs the cluster under the watchdog
(health/watchdog.py), which starts `manage.py qcluster` as its own child.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"ready for work at (\d+)")


class Cluster:
    def __init__(
        self, name, env, workers=2, redis_url="redis://127.0.0.1:6379/0", command=("qcluster",)
    ):
        self.name = name
        self.command = list(command)
        self.redis_url = redis_url
        self.workers = workers
        import time_machine

        from tests.clock import clock_env

        # A test's cluster runs on the test's clock; the benchmark's on the real one.
        clock = clock_env() if time_machine.escape_hatch.is_travelling() else {}
        self.env = {
            **os.environ,
            **clock,
            **env,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.q_settings",
            "Q_CLUSTER_NAME": name,
            "Q_WORKERS": str(workers),
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "INFO",  # the workers' pids are read from the log
        }
        self.lines = []
        self.process = None
        self._broker = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=60):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *self.command],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while len(self.worker_pids) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the cluster did not start:\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.1)
        return self

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    @property
    def worker_pids(self):
        """Workers that said they are ready and are still alive, newest last."""
        pids = [int(m.group(1)) for line in list(self.lines) if (m := READY.search(line))]
        return [pid for pid in pids if _alive(pid)]

    def kill_worker(self):
        pid = self.worker_pids[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_reading_worker(self, timeout: float = 5) -> int:
        """Kill the idle worker that is blocked reading the cluster's shared task queue: it
        holds the queue's read lock (the other idle workers wait for that lock)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reading = [pid for pid in self.worker_pids if "pipe" in _wchan(pid)]
            if reading:
                os.kill(reading[0], signal.SIGKILL)
                return reading[0]
            time.sleep(0.05)
        raise RuntimeError("no worker is waiting on the task queue")

    @property
    def broker(self):
        if self._broker is None:
            from django_q.brokers.redis_broker import Redis

            broker = Redis(list_key=self.name)
            broker.connection = redis.from_url(self.redis_url)
            self._broker = broker
        return self._broker

    def enqueue(self, func, *args, **options):
        from django_q.tasks import async_task

        return async_task(func, *args, broker=self.broker, cluster=self.name, **options)

    def queue_size(self):
        return self.broker.queue_size()

    def stop(self, grace=3):
        if self.process and self.process.poll() is None:
            # SIGTERM to the main process only: a healthy cluster (or the watchdog with its
            # cluster) stops within a second; a stalled one never does, so after `grace` the
            # process groups it runs in (the watchdog's cluster has its own) are killed.
            groups = {self.process.pid} | {_group(pid) for pid in _descendants(self.process.pid)}
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
            for group in groups - {None}:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            self.process.wait()
        if self._broker is not None:
            self.broker.delete_queue()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] not in "ZX"
    except OSError:
        return False


def _wchan(pid: int) -> str:
    """Where in the kernel the process waits (e.g. "anon_pipe_read", "futex_wait_queue")."""
    try:
        with open(f"/proc/{pid}/wchan") as wchan:
            return wchan.read()
    except OSError:
        return ""


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _descendants(pid: int) -> list[int]:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
