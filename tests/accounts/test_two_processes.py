"""The login limit holds across processes: two gunicorn servers on one SQLite file database,
counting in the database cache (settings: CACHES), see one count.

The servers share nothing but the database. Four wrong passwords for `desk` are free; they
are typed alternately on both servers, and the fifth (on the first) earns a wait, which the
second server then enforces — with per-process counting it would have seen two failures.
The clients' addresses are given by X-Forwarded-For behind one trusted proxy, which also
shows the office (another address) logging in at once on either server. Both servers run on
the real clock: they share it with each other, and the test only talks to them.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "office-pass-4821"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(process, port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read())
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


@pytest.fixture
def two_servers(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "1",
        "LOGIN_FREE_FAILURES_PER_LOGIN": "4",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user('desk', password='{PASSWORD}')",
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    servers, ports = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "config.wsgi",
                        "-w",
                        "1",
                        "-b",
                        f"127.0.0.1:{port}",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            ports.append(port)
        for process, port in zip(servers, ports, strict=True):
            _wait_until_serving(process, port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _login(base, username, password, address):
    """A browser at `address`: opens the login page, posts the form; returns the answer."""
    browser = requests.Session()
    headers = {"X-Forwarded-For": address}
    page = browser.get(f"{base}/accounts/login/", headers=headers, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.post(
        f"{base}/accounts/login/",
        data={"login": username, "password": password, "csrfmiddlewaretoken": token},
        headers={**headers, "Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )


def test_the_login_limit_holds_across_two_server_processes(two_servers):
    first, second = two_servers
    attacker = "203.0.113.9"
    for n in range(4):
        server = first if n % 2 == 0 else second
        assert _login(server, "desk", f"guess-{n}", attacker).status_code == 200
    assert _login(first, "desk", "guess-5", attacker).status_code == 200  # earns a wait
    refused = _login(second, "desk", PASSWORD, attacker)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    # The real person, at the office, is let in on either server meanwhile.
    for server in (first, second):
        assert _login(server, "desk", PASSWORD, "192.0.2.10").status_code == 302
