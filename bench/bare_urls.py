"""The check-in benchmark's floor: a bare Django view doing a scan's database work, nothing more.

Served only by bench/checkin.py, through bench/bare_settings.py; the site never mounts it.

It sends the very statements the site's scan API sends (`attendance.checkin._scan_sql` and
`_write_sql`, borrowed so the two can never drift apart): the joined read of the ticket (with the
scanner pass's generation, as the API reads it), the compare-and-set claim of its booking that
logs the attempt in the same statement (on SQLite the claim and then the log, in one
transaction), or the log alone when there is nothing to claim.
Its cursor is the site's kind: on PostgreSQL one that binds on the server, so each statement is
prepared once per connection as DB_PREPARED_STATEMENTS says; on SQLite Django's own.

What it leaves out is what `ratio_vs_bare` measures: the scanner pass's signature and the
comparison of its generation, the request's validation, the rules that judge a scan, the
answer's wording, the site's other URLs and the Python around the statements.
"""

import json
import uuid

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from attendance.checkin import _scan_sql, _write_sql
from attendance.models import CheckIn
from classes.models import BookingStatus

OK = CheckIn.Result.OK
# Columns of the read's row (attendance.checkin._Ticket).
ID, BOOKING, STATUS, RESIDENT, FAMILY, GIVEN, FIRST = 0, 2, 3, 5, 8, 9, 10


def _cursor() -> CursorWrapper | psycopg.Cursor:
    """Django's cursor, but on PostgreSQL one that binds on the server (and so prepares)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    """Read the ticket, claim its booking and log the attempt: the floor a scan stands on."""
    scan = json.loads(request.body)
    token, now = scan["code"].strip(), timezone.now()
    nonce = uuid.UUID(scan["nonce"])
    if not connection.features.has_native_uuid_field:
        nonce = nonce.hex
    at = connection.ops.adapt_datetimefield_value(now)
    log, claim_and_log, claim = _write_sql()
    with _cursor() as cursor:
        # The read the scan API sends: checked against the scanner pass's user (its generation
        # and whether it is active come back with the row; the bare view does not judge them).
        cursor.execute(_scan_sql(checked=True), [token, OK, settings.BENCH_SCAN_USER_ID])
        row = cursor.fetchone()
        row = row if row is not None and row[ID] is not None else None
        values = [  # the attempt row, in attendance.checkin._LOG_FIELDS order
            nonce,
            OK,
            CheckIn.Channel.CAMERA,
            token[:64],
            row[ID] if row else None,
            row[BOOKING] if row else None,
            scan["session"],
            row[RESIDENT] if row else None,
            None,
            scan["device"][:64],
            settings.BENCH_SCAN_USER_ID,
            at,
            "",
        ]
        checkin_id = None
        if row is not None and row[STATUS] == BookingStatus.BOOKED:
            claim_params = [BookingStatus.ATTENDED, at, row[BOOKING], BookingStatus.BOOKED]
            if connection.vendor == "postgresql":
                cursor.execute(claim_and_log, claim_params + values)
                claimed = cursor.fetchone()
                checkin_id = claimed[0] if claimed else None
            else:
                with transaction.atomic(savepoint=False):
                    cursor.execute(claim, claim_params)
                    if cursor.rowcount == 1:
                        cursor.execute(log, values)
                        checkin_id = cursor.fetchone()[0]
        if checkin_id is None:  # nothing to claim, or another scan claimed it first
            values[1] = CheckIn.Result.UNKNOWN if row is None else CheckIn.Result.ALREADY
            values[8] = row[FIRST] if row else None
            cursor.execute(log, values)
            checkin_id = cursor.fetchone()[0]
    name = f"{row[FAMILY]} {row[GIVEN]}" if row else ""
    return JsonResponse({"result": values[1], "name": name, "checkin_id": checkin_id})


urlpatterns = [path("bare/", bare)]
