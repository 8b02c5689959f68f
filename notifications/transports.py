"""One small class per way a message leaves: Twilio SMS, Twilio voice, and the console.

`send(message)` returns the provider's id for the message, or raises TransportError saying
what became of it (`Failure`): not sent and worth trying later (rate limit, an error Twilio
answered, a connection refused), not sent and never will be (an invalid number), not known
(the request may have reached Twilio: ask it before any retry), or refused credentials (stop
sending until the settings are fixed). `find_sent(message, since)` asks the provider which of
its records could be that message.
"""

import datetime
import enum
import hashlib
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from notifications.models import Channel, Message
from notifications.voice import twiml_for

logger = logging.getLogger(__name__)

# Twilio error codes that will not change on a retry: invalid or unreachable numbers,
# landlines for SMS, numbers that replied STOP to our sender.
PERMANENT_TWILIO_CODES = {21211, 21214, 21217, 21219, 21407, 21408, 21421, 21610, 21612, 21614}
# Twilio's answers to credentials it does not take (20003: authenticate; 20005: account not
# active). With HTTP 401 and 403 they pause sending instead of failing every message.
AUTH_TWILIO_CODES = {20003, 20005}
AUTH_HTTP_STATUSES = {401, 403}
# How many of the provider's latest records to a number a lookup reads.
LOOKUP_LIMIT = 100

T = TypeVar("T")


class Failure(enum.StrEnum):
    TEMPORARY = "temporary"  # not sent; a later try may work
    PERMANENT = "permanent"  # not sent, and a retry cannot help
    UNKNOWN = "unknown"  # the request may have reached the provider: ask before any retry
    AUTH = "auth"  # the provider refused our credentials: nothing goes out until fixed


class TransportError(Exception):
    def __init__(self, message: str, *, kind: Failure = Failure.TEMPORARY) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

    @property
    def permanent(self) -> bool:
        return self.kind == Failure.PERMANENT


def public_url(path: str) -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/") + path


class _RedirectingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """The real Twilio HTTP client, sending every request to another scheme and host."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=4)
def _client(sid: str, token: str, api_base: str, timeout: float) -> Client:
    if api_base:
        http_client = _RedirectingHttpClient(api_base, timeout=timeout)
    else:
        http_client = TwilioHttpClient(timeout=timeout)
    return Client(sid, token, http_client=http_client)


def twilio_client() -> Client:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise TransportError(
            "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)", kind=Failure.AUTH
        )
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE,
        settings.TWILIO_TIMEOUT,
    )


def credentials_fingerprint() -> str:
    """Names the credentials sending runs with, without revealing them: a pause for refused
    credentials ends by itself when they change."""
    if settings.NOTIFY_TRANSPORT != "twilio":
        return ""
    raw = f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _nothing_sent(error: requests.RequestException) -> bool:
    """True when the request cannot have reached the provider: the connection was never made
    (refused, unknown host, connect timeout, TLS handshake) or the request was never built.
    Any error after it was on its way (a read timeout, a reset or closed connection, a cut
    answer) leaves the outcome unknown."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(error, requests.ConnectionError):
        cause = error.args[0] if error.args else None
        cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError names the cause
        return isinstance(cause, NewConnectionError | ConnectTimeoutError)
    return not isinstance(
        error,
        requests.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    )


def _answer_failure(status: int, code: int | None, *, sends: bool) -> Failure:
    """What an error answer means. A 5xx that carries Twilio's own error code is Twilio saying
    the request failed; one without it came from a gateway in front of Twilio (502, 504) that
    may have passed the request on, so a send's outcome is unknown."""
    if code in PERMANENT_TWILIO_CODES:
        return Failure.PERMANENT
    if status in AUTH_HTTP_STATUSES or code in AUTH_TWILIO_CODES:
        return Failure.AUTH
    if status == 429:
        return Failure.TEMPORARY
    if 400 <= status < 500:
        return Failure.PERMANENT
    twilio_answered = code is not None and code != status  # the client uses the status as code
    if status >= 500 and not twilio_answered and sends:
        return Failure.UNKNOWN
    return Failure.TEMPORARY


def _twilio_call(request: Callable[[], T], *, sends: bool) -> T:
    """Run one request of the twilio client; its errors become TransportErrors. `sends`: the
    request creates something (a read can always be asked again, its outcome never matters)."""
    try:
        return request()
    except TwilioRestException as error:
        kind = _answer_failure(error.status, error.code, sends=sends)
        raise TransportError(
            f"Twilio {error.status} {error.code}: {error.msg}", kind=kind
        ) from None
    except TwilioServiceException as error:
        kind = _answer_failure(error.status, error.code, sends=sends)
        raise TransportError(
            f"Twilio {error.status} {error.code}: {error.title}", kind=kind
        ) from None
    except TwilioException as error:
        # A list page answered with an error: the client keeps the response.
        status = getattr(error.args[1], "status_code", 0) if len(error.args) > 1 else 0
        kind = _answer_failure(status, None, sends=sends) if status else Failure.TEMPORARY
        raise TransportError(f"Twilio {status or ''} {error.args[0]}".strip(), kind=kind) from None
    except requests.RequestException as error:
        kind = Failure.TEMPORARY if not sends or _nothing_sent(error) else Failure.UNKNOWN
        raise TransportError(f"{type(error).__name__}: {error}", kind=kind) from None


class Transport:
    def send(self, message: Message) -> str:
        raise NotImplementedError

    def find_sent(self, message: Message, since: datetime.datetime) -> list[str]:
        """The ids of the provider's records created since `since` that could be `message`
        (oldest first). The caller leaves out the ids other messages already own."""
        return []


class ConsoleTransport(Transport):
    """Development default: the message goes to the log, nothing leaves the machine."""

    def send(self, message: Message) -> str:
        logger.info(
            "%s to %s…%s (%s, message %s): %s",
            message.channel,
            message.to[:5],
            message.to[-2:],
            message.purpose,
            message.pk,
            message.text,
        )
        return f"console-{message.pk}"


def _status_callback(message: Message) -> str:
    return public_url(reverse("notifications:hook_status", args=[message.token]))


def _since(records: list[Any], since: datetime.datetime) -> list[Any]:
    """Records created at or after `since`, oldest first. Twilio's timestamps have whole
    seconds; the caller's margin covers that and the clocks' difference."""
    found = [r for r in records if r.date_created and r.date_created >= since]
    return sorted(found, key=lambda r: r.date_created)


class TwilioSMS(Transport):
    def send(self, message: Message) -> str:
        client = twilio_client()
        sent = _twilio_call(
            lambda: client.messages.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                body=message.text,
                status_callback=_status_callback(message),
            ),
            sends=True,
        )
        return str(sent.sid)

    def find_sent(self, message: Message, since: datetime.datetime) -> list[str]:
        # Twilio returns no trace of the status callback, so a message is known by its number
        # and its text. Not filtered by DateSent: a message still in Twilio's queue has no
        # date_sent yet and would not match; the creation time is checked here instead.
        client = twilio_client()
        found = _twilio_call(
            lambda: client.messages.list(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                limit=LOOKUP_LIMIT,
                page_size=LOOKUP_LIMIT,
            ),
            sends=False,
        )
        return [m.sid for m in _since(found, since) if m.body == message.text]


class TwilioVoice(Transport):
    # Twilio tells the status callback (named by the message's token) the call's sid as soon as
    # it dials: the one link from a call to our message Twilio offers, since the Calls list
    # returns neither the callback URL nor the TwiML.
    CALLBACK_EVENTS = ["initiated", "completed"]

    def send(self, message: Message) -> str:
        client = twilio_client()
        call = _twilio_call(
            lambda: client.calls.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                twiml=str(twiml_for(message)),
                status_callback=_status_callback(message),
                status_callback_event=self.CALLBACK_EVENTS,
            ),
            sends=True,
        )
        return str(call.sid)

    def find_sent(self, message: Message, since: datetime.datetime) -> list[str]:
        # Calls to the number from our number, made since the message was logged. Not filtered
        # by StartTime: a call still in Twilio's queue has no start time yet. Only one message
        # per number is ever in flight (Message's constraint), and the caller leaves out calls
        # other messages own, so what remains is this message's call.
        client = twilio_client()
        found = _twilio_call(
            lambda: client.calls.list(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                limit=LOOKUP_LIMIT,
                page_size=LOOKUP_LIMIT,
            ),
            sends=False,
        )
        return [c.sid for c in _since(found, since) if not c.parent_call_sid]


TRANSPORTS: dict[str, dict[str, type[Transport]]] = {
    "console": {Channel.SMS: ConsoleTransport, Channel.VOICE: ConsoleTransport},
    "twilio": {Channel.SMS: TwilioSMS, Channel.VOICE: TwilioVoice},
}


def transport_for(channel: str) -> Transport:
    return TRANSPORTS[settings.NOTIFY_TRANSPORT][channel]()
