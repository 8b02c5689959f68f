"""A small Twilio API stand-in for tests and the benchmark: a threaded HTTP server that records
what the real twilio client sends and answers like Twilio, or with the errors we ask for.

    stub = TwilioStub().start()       # stub.url -> "http://127.0.0.1:<port>"
    stub.fail_next(429, 20429, count=2)
    stub.sent("sms")                  # recorded requests, in order
    stub.stop()
"""

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERROR_TEXT = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    400: "The 'To' number is not a valid phone number.",
}


class TwilioStub:
    def __init__(self, delay=0.0):
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = []  # every API request: dict(kind, method, form, auth, ...)
        self.failures = []  # [(status, code)] answered to the next sends, first first
        self.invalid_numbers = set()  # "To" numbers answered with 400 / 21211
        self.down = False  # while True every request gets 503
        self.server = None

    # --- control -----------------------------------------------------------------------------

    def start(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                stub._handle(self, "POST")

            def do_GET(self):
                stub._handle(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def fail_next(self, status, code, count=1):
        with self.lock:
            self.failures += [(status, code)] * count

    def sent(self, kind=None):
        """Accepted sends (kind "sms" or "voice"), in order."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r["accepted"] and r["method"] == "POST" and (kind is None or r["kind"] == kind)
            ]

    # --- answering ---------------------------------------------------------------------------

    def _reply(self, handler, status, payload):
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, status, code):
        message = ERROR_TEXT.get(status, "Error")
        self._reply(
            handler,
            status,
            {"code": code, "message": message, "status": status, "more_info": ""},
        )

    def _handle(self, handler, method):
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
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
            "query": query,
            "auth": auth,
            "accepted": False,
            "at": time.time(),
        }
        with self.lock:
            self.requests.append(record)
            if self.down:
                failure = (503, 20503)
            elif method == "POST" and self.failures:
                failure = self.failures.pop(0)
            elif method == "POST" and form.get("To") in self.invalid_numbers:
                failure = (400, 21211)
            else:
                failure = None
            if failure is None and method == "POST":
                record["accepted"] = True
                record["sid"] = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
        if failure:
            self._error(handler, *failure)
        elif method == "POST":
            self._reply(handler, 201, self._resource(record))
        else:
            self._reply(handler, 200, self._list(kind, query))

    def _resource(self, record):
        form = record["form"]
        return {
            "sid": record["sid"],
            "account_sid": record["auth"].split(":")[0],
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "uri": record["path"],
        }

    def _list(self, kind, query):
        with self.lock:
            found = [
                self._resource(r)
                for r in self.requests
                if r["accepted"] and r["kind"] == kind and r["form"].get("To") == query.get("To")
            ]
        key = "messages" if kind == "sms" else "calls"
        return {key: found, "next_page_uri": None, "page": 0, "page_size": 50, "uri": "/"}
