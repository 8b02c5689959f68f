"""The backup runbook (deploy/BACKUP.md) works: pg_dump in custom format, pg_restore into a new
database, and every table holds the same number of rows. PostgreSQL only."""

import io
import os
import shutil
import subprocess

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def counts_on(conn):
    """{table: rows} for every table of the public schema, on an open connection."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        name: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
        ).fetchone()[0]
        for name in tables
    }


def row_counts(conninfo):
    with psycopg.connect(conninfo) as conn:
        return counts_on(conn)


def client_env(settings_dict):
    """libpq's environment for pg_dump and pg_restore: the test database's server."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def test_a_dump_restores_into_a_new_database_with_the_same_row_counts(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL (CI runs this on it)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    # Data in most tables: the demo city, committed (a transactional test).
    call_command("seed_demo", "--small", "--force", stdout=io.StringIO())
    source = connection.settings_dict
    env = client_env(source)
    dump = tmp_path / "tsunagu.dump"
    admin = connection.get_connection_params()
    admin_info = psycopg.conninfo.make_conninfo(
        **{k: v for k, v in admin.items() if k in ("host", "port", "user", "password")},
        dbname="postgres",
    )
    # The dump and the counts it is compared with read one snapshot, so a write elsewhere in
    # the meantime (a server thread left from an earlier test) changes neither.
    source_info = psycopg.conninfo.make_conninfo(admin_info, dbname=source["NAME"])
    with psycopg.connect(source_info, autocommit=True) as held:
        held.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        (snapshot,) = held.execute("SELECT pg_export_snapshot()").fetchone()
        original = counts_on(held)
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                source["NAME"],
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        held.execute("COMMIT")
    target = f"{source['NAME']}_restore_{os.getpid()}"
    with psycopg.connect(admin_info, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        restored = row_counts(psycopg.conninfo.make_conninfo(admin_info, dbname=target))
    finally:
        with psycopg.connect(admin_info, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
            )
    assert restored == original
    assert original["residents_resident"] > 0 and original["classes_booking"] > 0
    assert original["django_migrations"] > 0
