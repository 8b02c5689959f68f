"""The watchdog's way of stopping a cluster, on stand-in processes (the whole restart with a
real cluster is tests/notifications/test_cluster.py, on PostgreSQL)."""

import subprocess
import sys
import time

from health.watchdog import qcluster_stop

# Like a stalled cluster: the main process takes SIGTERM but never exits, and has a child.
STALLED = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, lambda *args: None)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""
# Like a healthy cluster: SIGTERM ends it at once.
HEALTHY = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
print(0, flush=True)
time.sleep(60)
"""


def start(code: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-c", code], process_group=0, stdout=subprocess.PIPE, text=True
    )
    return process, int(process.stdout.readline())


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] not in "ZX"
    except OSError:
        return False


def test_a_cluster_that_ignores_sigterm_is_killed_with_its_children_after_the_grace():
    process, child = start(STALLED)
    began = time.monotonic()
    qcluster_stop(process, grace=0.5)
    assert 0.5 <= time.monotonic() - began < 3
    assert process.returncode == -9
    time.sleep(0.1)
    assert not alive(child)


def test_a_healthy_cluster_stops_on_sigterm_without_waiting_for_the_grace():
    process, _ = start(HEALTHY)
    began = time.monotonic()
    qcluster_stop(process, grace=10)
    assert time.monotonic() - began < 3
    assert process.returncode == 0
