"""One small class per way a message leaves: Twilio SMS, Twilio voice, and the console.

`send(message)` returns the provider's id for the message, or raises TransportError saying
whether trying again later could help (`permanent=False`: rate limit, server error, network).
"""

import logging
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.models import Channel
from notifications.voice import twiml_for

logger = logging.getLogger(__name__)

# Twilio error codes that will not change on a retry: invalid or unreachable numbers,
# landlines for SMS, numbers that replied STOP to our sender.
PERMANENT_TWILIO_CODES = {21211, 21214, 21217, 21219, 21407, 21408, 21421, 21610, 21612, 21614}
# Seconds to wait for Twilio's answer before treating the attempt as a temporary failure.
TWILIO_TIMEOUT_S = 15


class TransportError(Exception):
    def __init__(self, message, *, permanent):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def public_url(path):
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


class _RedirectingHttpClient(TwilioHttpClient):
    """The real Twilio HTTP client, sending every request to another scheme and host."""

    def __init__(self, base, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=4)
def _client(sid, token, api_base):
    if api_base:
        http_client = _RedirectingHttpClient(api_base, timeout=TWILIO_TIMEOUT_S)
    else:
        http_client = TwilioHttpClient(timeout=TWILIO_TIMEOUT_S)
    return Client(sid, token, http_client=http_client)


def twilio_client():
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise TransportError("Twilio is not configured (TWILIO_ACCOUNT_SID)", permanent=False)
    return _client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE
    )


def _twilio_call(create):
    try:
        return create()
    except TwilioRestException as error:
        permanent = error.code in PERMANENT_TWILIO_CODES or (
            400 <= (error.status or 0) < 500 and error.status != 429
        )
        raise TransportError(
            f"Twilio {error.status} {error.code}: {error.msg}", permanent=permanent
        ) from None
    except (TwilioException, requests.RequestException) as error:
        raise TransportError(f"{type(error).__name__}: {error}", permanent=False) from None


class Transport:
    def send(self, message):
        raise NotImplementedError

    def find_sent(self, message, since):
        """The provider id of `message` if the provider already has it (a worker died after
        handing it over), else None."""
        return None


class ConsoleTransport(Transport):
    """Development default: the message goes to the log, nothing leaves the machine."""

    def send(self, message):
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


def _status_callback(message):
    return public_url(reverse("notifications:hook_status", args=[message.token]))


class TwilioSMS(Transport):
    def send(self, message):
        client = twilio_client()
        sent = _twilio_call(
            lambda: client.messages.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                body=message.text,
                status_callback=_status_callback(message),
            )
        )
        return sent.sid

    def find_sent(self, message, since):
        client = twilio_client()
        found = _twilio_call(
            lambda: client.messages.list(
                to=message.to, from_=settings.TWILIO_FROM_NUMBER, date_sent_after=since, limit=50
            )
        )
        return next((m.sid for m in found if m.body == message.text), None)


class TwilioVoice(Transport):
    def send(self, message):
        client = twilio_client()
        call = _twilio_call(
            lambda: client.calls.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                twiml=str(twiml_for(message)),
                status_callback=_status_callback(message),
            )
        )
        return call.sid

    def find_sent(self, message, since):
        client = twilio_client()
        found = _twilio_call(
            lambda: client.calls.list(
                to=message.to, from_=settings.TWILIO_FROM_NUMBER, start_time_after=since, limit=50
            )
        )
        return found[0].sid if found else None


TRANSPORTS = {
    "console": {Channel.SMS: ConsoleTransport, Channel.VOICE: ConsoleTransport},
    "twilio": {Channel.SMS: TwilioSMS, Channel.VOICE: TwilioVoice},
}


def transport_for(channel):
    return TRANSPORTS[settings.NOTIFY_TRANSPORT][channel]()
