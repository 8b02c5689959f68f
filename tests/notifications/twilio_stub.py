"""A small Twilio API stand-in for tests and the benchmark: a threaded HTTP server that records
what the real twilio client sends and answers like Twilio, or with the errors we ask for.

    stub = TwilioStub().start()       # stub.url -> "http://127.0.0.1:<port>"
    stub.fail_next(429, 20429, count=2)
    stub.fail_next(504, None)         # a gateway's answer (HTML), not Twilio's
    stub.hang_next()                  # accept the next send, then never answer
    stub.reset_next()                 # accept the next send, then reset the connection
    stub.drop_next()                  # reset the connection before accepting the next send
    stub.sent("sms")                  # accepted sends, in order
    stub.stop()

What it answers follows Twilio's REST API (2010-04-01) as the twilio library reads it:
- `POST …/Messages.json` and `…/Calls.json` answer 201 with the resource, status "queued".
- `GET` of the same paths lists them, newest first, paged (`PageSize`, `Page`, `next_page_uri`),
  filtered like Twilio: Messages by `To`, `From` and `DateSent` (`DateSent<` on or before,
  `DateSent>` on or after; compared by date, in UTC); Calls by `To`, `From`, `Status`,
  `ParentCallSid`, `StartTime` and `EndTime` (same forms). Each record carries the fields Twilio
  returns and nothing else: neither resource echoes the status callback URL or the TwiML.
  Records stay "queued" as in Twilio's send queue, so `date_sent` (a message) and `start_time`
  (a call) stay null and a date filter on them does not match them.
- Twilio's lists are eventually consistent: `list_lag` seconds after it was accepted a record
  shows in list answers (0 by default).
- With `credentials` set, other Basic auth gets 401 with Twilio's code 20003.
"""

import base64
import contextlib
import datetime
import json
import random
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

API_VERSION = "2010-04-01"
ERROR_TEXT = {
    401: "Authenticate",
    403: "Forbidden",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    400: "The 'To' number is not a valid phone number.",
}
# What a send may meet instead of an answer: accepted and then no answer at all ("hang", until
# the client gives up), accepted and then the connection reset ("reset"), or the connection
# reset before the request got in ("drop": nothing recorded as accepted).
MISBEHAVIOURS = ("hang", "reset", "drop")
# A hung request is let go after this long at most (or when the stub stops).
HANG_MAX_S = 120
DEFAULT_PAGE_SIZE = 50


def _rfc2822(moment):
    """Twilio's timestamps: RFC 2822 in UTC, whole seconds."""
    if moment is None:
        return None
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(moment))


def _filter_date(value):
    """The date a `DateSent` / `StartTime` filter names (Twilio takes YYYY-MM-DD; the twilio
    library sends a full ISO datetime, whose UTC date is what counts)."""
    value = value.strip()
    if len(value) == 10:
        return datetime.date.fromisoformat(value)
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.date()


def _date_matches(moment, query, name):
    """Twilio's date filters: `Name` the same day, `Name<` on or before, `Name>` on or after.
    A record without that date (not yet sent or dialled) matches none of them."""
    wanted = {op: query[name + op] for op in ("", "<", ">") if query.get(name + op)}
    if not wanted:
        return True
    if moment is None:
        return False
    day = datetime.datetime.fromtimestamp(moment, datetime.UTC).date()
    for op, value in wanted.items():
        limit = _filter_date(value)
        if (op == "" and day != limit) or (op == "<" and day > limit):
            return False
        if op == ">" and day < limit:
            return False
    return True


class TwilioStub:
    def __init__(self, delay=0.0, list_lag=0.0, seed=0):
        self.delay = delay
        self.list_lag = list_lag
        self.lock = threading.Lock()
        self.requests = []  # every API request: dict(kind, method, form, auth, ...)
        self.failures = []  # [(status, code)] answered to the next sends, first first
        self.misbehaviours = []  # "hang" / "reset" / "drop" for the next sends, first first
        self.shares = {}  # {"hang": 0.01, ...}: a share of all sends meets each (benchmark)
        self.random = random.Random(seed)
        self.invalid_numbers = set()  # "To" numbers answered with 400 / 21211
        self.credentials = None  # (sid, token) accepted; None accepts any
        self.down = False  # while True every request gets 503
        self.released = threading.Event()  # lets hung requests go (on stop)
        self.hang_s = HANG_MAX_S  # a hung request is let go after this long
        self.connections = set()  # open client connections, closed on stop
        self.server = None

    # --- control -----------------------------------------------------------------------------

    def start(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK, about 40 ms an answer instead of `delay`.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with stub.lock:
                    stub.connections.add(self.connection)

            def finish(self):
                with stub.lock:
                    stub.connections.discard(self.connection)
                super().finish()

            def do_POST(self):
                stub._handle(self, "POST")

            def do_GET(self):
                stub._handle(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self):
        """Stop listening and close kept-alive connections: from now on a client's connection is
        refused, as when nothing listens."""
        self.released.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        with self.lock:
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):  # the client closed it already
                connection.shutdown(socket.SHUT_RDWR)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def fail_next(self, status, code, count=1):
        with self.lock:
            self.failures += [(status, code)] * count

    def hang_next(self, count=1):
        with self.lock:
            self.misbehaviours += ["hang"] * count

    def reset_next(self, count=1):
        with self.lock:
            self.misbehaviours += ["reset"] * count

    def drop_next(self, count=1):
        with self.lock:
            self.misbehaviours += ["drop"] * count

    def sent(self, kind=None):
        """Accepted sends (kind "sms" or "voice"), in order."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r["accepted"] and r["method"] == "POST" and (kind is None or r["kind"] == kind)
            ]

    def lookups(self, kind=None):
        """List requests (GET), in order."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r["method"] == "GET" and (kind is None or r["kind"] == kind)
            ]

    def misbehaved(self, mode):
        """Sends that met `mode` ("hang", "reset" or "drop")."""
        with self.lock:
            return [r for r in self.requests if r.get("misbehaviour") == mode]

    # --- answering ---------------------------------------------------------------------------

    def _reply(self, handler, status, payload):
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, status, code):
        if code is None:  # a gateway in front of Twilio answered, not Twilio: no JSON
            body = f"<html><body><h1>{status} Gateway Time-out</h1></body></html>".encode()
            handler.send_response(status)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        message = ERROR_TEXT.get(status, "Error")
        self._reply(
            handler,
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _reset(self, handler):
        """Close the connection with a TCP reset and no answer."""
        handler.close_connection = True
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()

    def _misbehaviour(self):
        if self.misbehaviours:
            return self.misbehaviours.pop(0)
        for mode, share in self.shares.items():
            if self.random.random() < share:
                return mode
        return None

    def _handle(self, handler, method):
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        if len(body) < length:
            # The client died between its headers and its body (a worker killed mid-send): the
            # real API never sees such a request whole, so nothing is recorded or sent.
            handler.close_connection = True
            return
        fields = parse_qs(body.decode())
        form = {k: v[0] for k, v in fields.items()}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        kind = "sms" if parts.path.endswith("/Messages.json") else "voice"
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            auth = base64.b64decode(auth[6:]).decode()
        if self.delay:
            time.sleep(self.delay)
        record = {
            "kind": kind,
            "method": method,
            "path": parts.path,
            "form": form,
            "form_lists": fields,
            "query": query,
            "auth": auth,
            "accepted": False,
            "at": time.time(),
        }
        misbehaviour = None
        with self.lock:
            self.requests.append(record)
            if self.credentials and auth != "{}:{}".format(*self.credentials):
                failure = (401, 20003)
            elif self.down:
                failure = (503, 20503)
            elif method == "POST" and (misbehaviour := self._misbehaviour()):
                failure = None
            elif method == "POST" and self.failures:
                failure = self.failures.pop(0)
            elif method == "POST" and form.get("To") in self.invalid_numbers:
                failure = (400, 21211)
            else:
                failure = None
            record["misbehaviour"] = misbehaviour
            if failure is None and method == "POST" and misbehaviour != "drop":
                record["accepted"] = True
                record["sid"] = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
        if misbehaviour == "hang":
            self.released.wait(self.hang_s)
            handler.close_connection = True
        elif misbehaviour in ("reset", "drop"):
            self._reset(handler)
        elif failure:
            self._error(handler, *failure)
        elif method == "POST":
            self._reply(handler, 201, self._resource(record))
        else:
            self._reply(handler, 200, self._list(kind, parts.path, query))

    def _resource(self, record):
        form, sid = record["form"], record["sid"]
        account = record["path"].split("/")[3]
        base = f"/{API_VERSION}/Accounts/{account}"
        created = _rfc2822(record["at"])
        if record["kind"] == "sms":
            return {
                "account_sid": account,
                "api_version": API_VERSION,
                "body": form.get("Body"),
                "date_created": created,
                "date_sent": None,
                "date_updated": created,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {
                    "media": f"{base}/Messages/{sid}/Media.json",
                    "feedback": f"{base}/Messages/{sid}/Feedback.json",
                },
                "to": form.get("To"),
                "uri": f"{base}/Messages/{sid}.json",
            }
        return {
            "account_sid": account,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": created,
            "date_updated": created,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": form.get("From"),
            "from_formatted": form.get("From"),
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "stir_verstat": None,
            "subresource_uris": {
                name: f"{base}/Calls/{sid}/{path}.json"
                for name, path in (
                    ("notifications", "Notifications"),
                    ("recordings", "Recordings"),
                    ("payments", "Payments"),
                    ("events", "Events"),
                    ("siprec", "Siprec"),
                    ("streams", "Streams"),
                    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
                    ("user_defined_messages", "UserDefinedMessages"),
                )
            },
            "to": form.get("To"),
            "to_formatted": form.get("To"),
            "trunk_sid": None,
            "uri": f"{base}/Calls/{sid}.json",
        }

    def _matches(self, kind, record, query):
        form = record["form"]
        if query.get("To") and form.get("To") != query["To"]:
            return False
        if query.get("From") and form.get("From") != query["From"]:
            return False
        if kind == "sms":
            return _date_matches(None, query, "DateSent")  # date_sent stays null (queued)
        if query.get("Status") and query["Status"] != "queued":
            return False
        if query.get("ParentCallSid"):
            return False  # our calls are no child legs
        return _date_matches(None, query, "StartTime") and _date_matches(None, query, "EndTime")

    def _list(self, kind, path, query):
        visible_before = time.time() - self.list_lag
        with self.lock:
            found = [
                r
                for r in self.requests
                if r["accepted"]
                and r["kind"] == kind
                and r["at"] <= visible_before
                and self._matches(kind, r, query)
            ]
        found.sort(key=lambda r: r["at"], reverse=True)
        size = int(query.get("PageSize") or DEFAULT_PAGE_SIZE)
        page = int(query.get("Page") or 0)
        chunk = found[page * size : (page + 1) * size]
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def page_uri(number):
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': number})}"

        more = len(found) > (page + 1) * size
        return {
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": page_uri(0),
            "messages" if kind == "sms" else "calls": [self._resource(r) for r in chunk],
            "next_page_uri": page_uri(page + 1) + "&PageToken=PA" + uuid.uuid4().hex
            if more
            else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": page_uri(page - 1) if page else None,
            "start": page * size,
            "uri": page_uri(page),
        }
