"""deploy/: the systemd units restart the site and the task cluster always, and gunicorn's
configuration serves the site with an access log that leaves out query strings and ticket
tokens."""

import configparser
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
TOKEN = "ABCDEFGHJKLMNPQRSTUVWXYZ23"


def unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize("name", ["tsunagu-web.service", "tsunagu-qcluster.service"])
def test_the_units_restart_always_with_the_environment_file(name):
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/tsunagu/environment"


def test_the_web_unit_runs_gunicorn_with_this_configuration():
    start = unit("tsunagu-web.service")["Service"]["ExecStart"]
    assert "gunicorn -c /srv/tsunagu/deploy/gunicorn.conf.py" in start


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"X-Forwarded-For": "203.0.113.7"})
            return conn.getresponse().status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_logs_requests_without_query_strings_or_ticket_tokens(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py")],
        cwd=tmp_path,  # the configuration finds the project itself
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        get(port, "/health/?q=%E3%83%A4%E3%83%9E%E3%83%80&phone=09012345678")
        get(port, f"/t/{TOKEN}/?from=sms")
        time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        log = server.communicate(timeout=30)[0]
    lines = [line for line in log.splitlines() if '"GET ' in line]
    assert len(lines) == 2, log
    assert lines[0].startswith("203.0.113.7 ") and '"GET /health/ HTTP/1.1"' in lines[0]
    assert "09012345678" not in log and "from=sms" not in log and "?" not in lines[1]
    assert TOKEN not in log and "/t/ABCD…" in lines[1]
