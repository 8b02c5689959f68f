"""This app's rows of the access matrix (tests/test_access_matrix.py).

PAGES: url name -> (permission, argument key), as in the matrix. `objects` makes what the
URLs need and returns {argument key: value}; `base` holds the matrix's own objects (venue,
session, booking, resident … as primary keys) and `users` the role users.
"""

import datetime

from django.utils import timezone

from accounts.access import Perm
from notifications.models import Call, Channel, Message, Purpose

# Twilio's webhooks: no login, a Twilio signature instead; POST only (GET 405 for everyone),
# which is what the matrix checks for its "scan pass" rows.
WEBHOOK = "scan pass"

PAGES = {
    "notifications:message_list": (Perm.MESSAGES_VIEW, None),
    "notifications:message_detail": (Perm.MESSAGES_VIEW, "message"),
    "notifications:message_cancel": (Perm.MESSAGES_VIEW, "message"),
    "notifications:sending_resume": (Perm.MESSAGES_VIEW, None),
    "notifications:resident_messages": (Perm.MESSAGES_VIEW, "resident"),
    "notifications:call_list": (Perm.CALLS_MAKE, None),
    "notifications:call_outcome": (Perm.CALLS_MAKE, "call"),
    "notifications:hook_status": (WEBHOOK, "message_token"),
    "notifications:hook_sms": (WEBHOOK, None),
    "notifications:hook_voice": (WEBHOOK, "message_token"),
}


def objects(*, make, base, users):
    message = Message.objects.create(
        channel=Channel.SMS,
        to="+819000000001",
        purpose=Purpose.REMINDER,
        template_key="reminder_sms",
        text="明日の教室のお知らせ",
        key="matrix:1",
        resident_id=base["resident"],
        booking_id=base["booking"],
    )
    call = Call.objects.create(
        day=timezone.localdate() - datetime.timedelta(days=1),
        purpose=Purpose.REMINDER,
        who="山田 太郎",
        phone="0982-00-0000",
        script="明日の教室のご案内です。",
        key="matrix:call:1",
        resident_id=base["resident"],
        booking_id=base["booking"],
    )
    return {"message": message.pk, "message_token": message.token, "call": call.pk}
