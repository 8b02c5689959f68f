import pytest

from tests.notifications.twilio_stub import TwilioStub

SID = "AC" + "0" * 32
TOKEN = "test-auth-token"
FROM = "+815012345678"
BASE = "https://tsunagu.example.jp"


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.NOTIFY_TRANSPORT = "console"
    settings.PUBLIC_BASE_URL = BASE
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_API_BASE = ""
    # Tests run at any hour: quiet hours are off unless a test sets them.
    settings.NOTIFY_QUIET_START = "00:00"
    settings.NOTIFY_QUIET_END = "00:00"
    settings.NOTIFY_RETRY_DELAYS = [60, 300]


@pytest.fixture
def stub(settings):
    server = TwilioStub().start()
    settings.NOTIFY_TRANSPORT = "twilio"
    settings.TWILIO_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def clock(_frozen_clock):
    """The test's clock (time-machine): `clock.shift(seconds)` moves it on for the services and
    the stub alike."""
    return _frozen_clock
