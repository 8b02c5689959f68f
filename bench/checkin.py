"""Check-in throughput through a production server, against a bare Django view. `key: value` lines.

    .venv/bin/python bench/checkin.py                       # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/checkin.py

Never touches the developer's database: on PostgreSQL it creates (and afterwards drops) its own
database on the same server, named after DATABASE_URL's and this process
(`bench_bench_checkin_<pid>` for the line above), so no other run meets it; on SQLite it uses
a temporary file. Two gunicorn servers run on that database: the site itself, and the project's
settings with one bare view (bench/bare_urls.py) as the only URL, which sends the site's scan
statements and nothing else. Both are driven by the same clients, in turns, each redeeming
tickets of its own, and stopped at the end whatever happens. See README.md.
"""

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out, percentile  # noqa: E402

HOST = "127.0.0.1"
CHECKIN_PATH = "/venue/api/checkin/"
BARE_PATH = "/bare/"
# The bare view's phones: their attempt rows are told apart from the site's by this device name.
BARE_DEVICE = "bare-phone"
# gthread workers keep connections alive between a phone's scans, as a venue's phones do.
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
# Each server is measured in ROUNDS short turns of ROUND_SECONDS, in the order A B B A A B …, so
# a drift of the machine (other load, a neighbour on the host) weighs on both alike.
ROUNDS = 6
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", 3))
WARMUP_SECONDS = 1.5
# Booked residents with a ticket each: every scan in the run redeems a different one, half of
# them through the site and half through the bare view (which claims its booking too).
TICKETS = int(os.environ.get("BENCH_TICKETS", 100_000))
STORM_SCANS = 50
# Database connections are kept between requests, as in production.
CONN_MAX_AGE = 60
REQUEST_TIMEOUT = 30
SERVER_START_TIMEOUT = 30
INSERT_BATCH = 5_000
RANDOM_SEED = 11


# --- data -----------------------------------------------------------------------------------


def build_data():
    """One session running now with TICKETS booked residents, and the scanner pass the venue page
    gives a staff member's phone; returns (session id, tokens, storm ticket, scanner passes,
    staff user id)."""
    import datetime
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from accounts.access import Role
    from attendance.models import Ticket
    from attendance.scanpass import scanpass_issue
    from classes.models import Booking, BookingStatus, Category, Course, Session, Venue
    from demo.people import fake_residents
    from residents.models import Resident

    rng = random.Random(RANDOM_SEED)
    now = timezone.now()
    venue = Venue.objects.create(name="ベンチ会場", address="宮崎県日向市本町10番5号")
    session = Session.objects.create(
        course=Course.objects.create(title="スマホ教室 入門 (ベンチ)", category=Category.OTHER),
        venue=venue,
        # Begun a little while ago, but today in Tokyo: a ticket counts only on its day.
        starts_at=max(
            now - datetime.timedelta(minutes=10),
            timezone.make_aware(
                datetime.datetime.combine(timezone.localdate(now), datetime.time())
            ),
        ),
        ends_at=now + datetime.timedelta(hours=3),
        # The bookings are made in bulk and a scan never reads the capacity: the column's most.
        capacity=min(TICKETS + 1, 32_767),
    )
    staff = get_user_model().objects.create_user("bench-venue")
    staff.groups.add(Group.objects.get_or_create(name=Role.VENUE)[0])
    venue.staff.add(staff)

    residents = Resident.objects.bulk_create(
        fake_residents(rng, TICKETS + 1, today=timezone.localdate()), batch_size=INSERT_BATCH
    )
    bookings = Booking.objects.bulk_create(
        (
            Booking(session=session, resident=r, status=BookingStatus.BOOKED, created_by=staff)
            for r in residents
        ),
        batch_size=INSERT_BATCH,
    )
    tickets = Ticket.objects.bulk_create(
        (Ticket(booking=b, issued_by=staff) for b in bookings), batch_size=INSERT_BATCH
    )
    with connection.cursor() as cursor:
        # As a database that has run a while: statistics gathered and the fresh rows vacuumed,
        # so autovacuum does not wake on them in the middle of one server's turn.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    passes = [scanpass_issue(user=staff, session_id=session.pk) for _ in range(CLIENTS)]
    storm = tickets.pop()
    return session.pk, [t.token for t in tickets], storm, passes, staff.pk


# --- servers --------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn serving `settings_module` on a free port of 127.0.0.1."""

    def __init__(self, name, settings_module, extra_env=None):
        self.name = name
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "CONN_MAX_AGE": str(CONN_MAX_AGE),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind={HOST}:{self.port}",
                f"--workers={WORKERS}",
                "--worker-class=gthread",
                f"--threads={THREADS}",
                "--keep-alive=10",
                "--log-level=warning",
                f"--chdir={REPO}",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers go with it in stop()
        )

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        self.log.seek(0)
        sys.stderr.write(self.log.read().decode(errors="replace")[-3000:])
        raise RuntimeError(f"gunicorn ({self.name}) did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- clients --------------------------------------------------------------------------------


class Pile:
    """Tickets the phones of one server take from, each ticket once.

    One pile per server rather than one per phone: the gthread workers serve their connections
    unevenly (a worker holding two phones answers them faster than one holding six), so a fast
    phone with a pile of its own ran out while the others still had plenty.
    """

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = iter(tokens)
        self.lock = threading.Lock()

    def __iter__(self) -> "Pile":
        return self

    def __next__(self) -> str:
        with self.lock:
            return next(self.tokens)


class Phone:
    """One scanner: a keep-alive connection, its scanner pass, the pile of tickets it scans."""

    def __init__(self, index, port, path, scan_pass, session_id, tokens, device="bench-phone"):
        self.port = port
        self.path = path
        self.session_id = session_id
        self.tokens = iter(tokens)
        self.device = f"{device}-{index}"
        self.headers = {
            "Content-Type": "application/json",
            "X-Scan-Pass": scan_pass,
        }
        self.conn = None

    def scan(self, token, nonce=None):
        """POST one scan; returns (status, parsed JSON or None, seconds)."""
        body = json.dumps(
            {
                "session": self.session_id,
                "code": token,  # the decoded QR text, as the scanner page sends it
                "nonce": str(nonce or uuid.uuid4()),
                "device": self.device,
            }
        )
        started = time.perf_counter()
        try:
            status, payload = self._post(body)
        except (ConnectionError, http.client.RemoteDisconnected):
            # The server closed an idle keep-alive connection: send again on a new one, as a
            # browser does; the nonce makes the repeat harmless.
            status, payload = self._post(body)
        elapsed = time.perf_counter() - started
        try:
            data = json.loads(payload)
        except ValueError:
            data = None
        return status, data, elapsed

    def _post(self, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.conn.request("POST", self.path, body=body, headers=self.headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []
        self.done = 0
        self.errors = Counter()
        self.results = Counter()
        self.seconds = 0.0
        self.exhausted = 0

    def add(self, status, data, elapsed):
        with self.lock:
            if 200 <= status < 300:
                self.done += 1
                self.latencies.append(elapsed)
                if isinstance(data, dict) and "result" in data:
                    self.results[str(data["result"])] += 1
            else:
                self.errors[f"http_{status}"] += 1

    def error(self, exc):
        with self.lock:
            self.errors[type(exc).__name__] += 1


def drive(phones, seconds, tally):
    """Every phone scans as fast as its answers come back, for `seconds`."""
    deadline = time.perf_counter() + seconds
    barrier = threading.Barrier(len(phones))
    begun = []

    def run(phone):
        barrier.wait()
        if not begun:
            begun.append(time.perf_counter())
        while time.perf_counter() < deadline:
            token = next(phone.tokens, None)
            if token is None:
                with tally.lock:
                    tally.exhausted += 1
                return
            try:
                tally.add(*phone.scan(token))
            except Exception as exc:  # counted and reported as errors
                tally.error(exc)

    threads = [threading.Thread(target=run, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds += time.perf_counter() - (begun[0] if begun else deadline)


def storm(port, passes, session_id, token):
    """STORM_SCANS phones scan the same ticket at the same moment, each with its own nonce."""
    phones = [
        Phone(i, port, CHECKIN_PATH, passes[i % len(passes)], session_id, [])
        for i in range(STORM_SCANS)
    ]
    for phone in phones:
        phone.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        phone.conn.connect()
    barrier = threading.Barrier(STORM_SCANS)
    tally = Tally()

    def run(phone):
        barrier.wait()
        try:
            tally.add(*phone.scan(token))
        except Exception as exc:
            tally.error(exc)
        phone.close()

    threads = [threading.Thread(target=run, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


# --- the run --------------------------------------------------------------------------------


def bench(servers, data):
    from attendance.models import CheckIn

    session_id, tokens, storm_ticket, passes, _staff_id = data
    app, bare = servers
    # Each server's phones redeem tickets of their own: the bare view claims bookings too, so it
    # must not be handed the site's (a claim that finds the booking attended writes less).
    site_pile, bare_pile = Pile(tokens[0::2]), Pile(tokens[1::2])
    checkin_phones = [
        Phone(i, app.port, CHECKIN_PATH, passes[i], session_id, site_pile) for i in range(CLIENTS)
    ]
    bare_phones = [
        Phone(i, bare.port, BARE_PATH, passes[i], session_id, bare_pile, device=BARE_DEVICE)
        for i in range(CLIENTS)
    ]
    warmup, bare_warmup = Tally(), Tally()
    drive(checkin_phones, WARMUP_SECONDS, warmup)
    drive(bare_phones, WARMUP_SECONDS, bare_warmup)
    checkins, bares = Tally(), Tally()
    turns = [(checkin_phones, checkins), (bare_phones, bares)]
    for round_number in range(ROUNDS):
        for phones, tally in turns if round_number % 2 == 0 else turns[::-1]:
            drive(phones, ROUND_SECONDS, tally)
    for phone in checkin_phones + bare_phones:
        phone.close()

    stormed = storm(app.port, passes, session_id, storm_ticket.token)
    ok_rows = CheckIn.objects.filter(
        booking_id=storm_ticket.booking_id, result=CheckIn.Result.OK, undone_at__isnull=True
    ).count()

    # Every check-in answered `ok` is one attendance in the database, and no more; the same for
    # the bare view's, which its phones' device names tell apart.
    answered_ok = warmup.results["ok"] + checkins.results["ok"] + stormed.results["ok"]
    bare_answered_ok = bare_warmup.results["ok"] + bares.results["ok"]
    ok_rows_by = CheckIn.objects.filter(result=CheckIn.Result.OK)
    bare_recorded_ok = ok_rows_by.filter(device__startswith=f"{BARE_DEVICE}-").count()
    recorded_ok = ok_rows_by.count() - bare_recorded_ok
    mismatches = (recorded_ok != answered_ok) + (bare_recorded_ok != bare_answered_ok)

    checkins_per_s = checkins.done / checkins.seconds
    bare_per_s = bares.done / bares.seconds
    ms = [s * 1000 for s in checkins.latencies] or [0.0]
    bare_ms = [s * 1000 for s in bares.latencies] or [0.0]
    errors = warmup.errors + bare_warmup.errors + checkins.errors + bares.errors + stormed.errors
    out("workers", WORKERS)
    out("threads_per_worker", THREADS)
    out("clients", CLIENTS)
    out("seconds_each", checkins.seconds)
    out("checkins", checkins.done)
    out("checkins_per_s", checkins_per_s)
    out("bare_per_s", bare_per_s)
    out("p50_ms", statistics.median(ms))
    out("p99_ms", percentile(ms, 0.99))
    out("bare_p50_ms", statistics.median(bare_ms))
    out("bare_p99_ms", percentile(bare_ms, 0.99))
    out("ratio_vs_bare", checkins_per_s / bare_per_s if bare_per_s else 0.0)
    out("checkin_results", " ".join(f"{k}={v}" for k, v in sorted(checkins.results.items())))
    out("bare_results", " ".join(f"{k}={v}" for k, v in sorted(bares.results.items())))
    out("checkins_recorded_vs_answered", recorded_ok - answered_ok)
    out("bare_recorded_vs_answered", bare_recorded_ok - bare_answered_ok)
    out("tickets_exhausted", int(checkins.exhausted > 0))
    out("bare_tickets_exhausted", int(bares.exhausted > 0))
    out("storm_scans", STORM_SCANS)
    out("storm_results", " ".join(f"{k}={v}" for k, v in sorted(stormed.results.items())))
    out("duplicate_checkins", ok_rows - 1)
    out("errors", sum(errors.values()) + mismatches)
    for kind, count in sorted(errors.items()):
        print(f"# error: {kind} x {count}", file=sys.stderr)


def main():
    started = time.perf_counter()
    drop = create_bench_database("bench_checkin")
    servers = []
    try:
        setup_django()
        from django.db import connection, connections

        print("# Tsunagu check-in benchmark")
        out("database", connection.vendor)
        data = build_data()
        out("tickets", len(data[1]))
        connections.close_all()  # the servers' connections are the ones measured
        servers.append(Server("site", "config.settings"))
        servers.append(Server("bare", "bench.bare_settings", {"BENCH_SCAN_USER_ID": str(data[4])}))
        for server in servers:
            server.wait_ready()
        bench(servers, data)
    finally:
        for server in servers:
            server.stop()
        drop()
    out("total_s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
