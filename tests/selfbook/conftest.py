import re

import pytest

from notifications.services import messages_send_due
from tests.notifications import conftest as notifications

# The notifications tests' Twilio settings (console transport, quiet hours off: autouse) and
# their stub of Twilio's API, which the real twilio client sends to.
_notify_settings = notifications._notify_settings
stub = notifications.stub


@pytest.fixture(autouse=True)
def _selfbook_settings(settings):
    settings.SELFBOOK_CODES_PER_DAY = 300
    settings.SELFBOOK_CODES_PER_NUMBER = 3
    settings.SELFBOOK_CODES_PER_ADDRESS = 10


class Phone:
    """The resident's phone: the text messages the stub accepted for one number."""

    def __init__(self, stub, number):
        self.stub, self.number = stub, number

    def texts(self):
        messages_send_due()  # what the task cluster does every minute
        return [r["form"]["Body"] for r in self.stub.sent("sms") if r["form"]["To"] == self.number]

    def last_code(self):
        codes = [m for m in self.texts() if "確認コード" in m]
        assert codes, "no code was sent"
        return re.search(r"\b(\d{6})\b", codes[-1]).group(1)


@pytest.fixture
def phone_of(stub):
    return lambda number: Phone(stub, number)
