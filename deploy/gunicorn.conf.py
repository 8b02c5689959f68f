"""gunicorn's configuration for Tsunagu: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Read by deploy/tsunagu-web.service; every number comes from the environment file
(deploy/environment.example) with the default below.

Access log: one line per request on stdout (the journal), without the query string — a search
for a resident's name or phone number travels in it — and without the Referer, which may hold
one too. Ticket paths (/t/<token>/) keep only the token's first characters, as the site's own
logs do (config.logging.RedactTicketTokens); nginx does not log them at all (deploy/nginx.conf).
"""

import logging
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "config.wsgi:application"
chdir = str(REPO)
# Only nginx talks to gunicorn: it listens on the loopback.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let a worker wait on the database and Twilio while others run. Each thread may keep a
# database connection (CONN_MAX_AGE): workers × threads stays well below PostgreSQL's
# max_connections (100), with room for the task cluster and a maintenance session.
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 4)
threads = _env_int("GUNICORN_THREADS", 4)
# PDF rosters and exports take seconds; nothing should take a minute.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# Venue phones scan one ticket after another on one connection (nginx keeps it to gunicorn).
keepalive = 10
# A fresh worker now and then keeps memory in bounds; the jitter spreads the restarts.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
proc_name = "tsunagu"
# X-Forwarded-Proto from nginx on the loopback only (Django reads it: SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "127.0.0.1"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# client (from nginx), time, method, path without the query, status, bytes, duration, agent
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def on_starting(server):
    """Shorten ticket tokens in the access log, with the site's own filter."""
    sys.path.insert(0, str(REPO))
    from config.logging import RedactTicketTokens

    logging.getLogger("gunicorn.access").addFilter(RedactTicketTokens())
