"""A database of the benchmark's own, so a run never touches the developer's data.

On PostgreSQL (DATABASE_URL postgres://…) the benchmark borrows the server and credentials and
creates its own database, dropped at the end; otherwise it uses a temporary SQLite file.
"""

import os
import shutil
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit


def _pg_admin_connect(url):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def run_database_name(url, name):
    """The run's own database: DATABASE_URL's name, the benchmark's and this process's id, so
    that neither another engineer's run (on a database of their own) nor a second run of ours
    is the one dropped."""
    base = urlsplit(url).path.strip("/") or "tsunagu"
    suffix = f"_{name}_{os.getpid()}"
    return base[: 63 - len(suffix)] + suffix


def create_bench_database(name):
    """Point DATABASE_URL at a fresh database of this run's (named after `name`); returns a
    function that removes it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        name = run_database_name(url, name)
        with _pg_admin_connect(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(url)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

        def drop():
            from django.db import connections

            connections.close_all()
            with _pg_admin_connect(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return drop
    if url and not url.startswith("sqlite"):
        sys.exit(f"the benchmarks run on PostgreSQL or SQLite, not {url.split(':')[0]}")
    folder = tempfile.mkdtemp(prefix=f"{name}-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    return lambda: shutil.rmtree(folder, ignore_errors=True)


def setup_django():
    """Django on the benchmark's database, migrated, with DEBUG off."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Query logging under DEBUG would be measured too.
    os.environ["DEBUG"] = "0"
    # DEBUG off refuses the development key and plain http (config/production.py): a key of the
    # benchmark's own, and 127.0.0.1 declared a closed network. The servers it starts inherit both.
    os.environ.setdefault("SECRET_KEY", "tsunagu-benchmark-only-" + "b" * 40)
    os.environ.setdefault("ALLOW_HTTP_CLOSED_NETWORK", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
