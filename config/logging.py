"""Log lines carry no personal data: ticket tokens are cut short, phone numbers and the values
of search and name parameters are replaced.

Request logs name the path and query string; a search sent by GET before it was made a POST,
an old bookmark, or a form someone builds by hand could still put a name or a number there.
"""

import logging
import re

# Ticket URLs carry the key to a resident's booking; logs keep only its first characters.
_TICKET_PATH = re.compile(r"(/t/[2-9A-HJ-NP-Z]{4})[2-9A-HJ-NP-Za-hj-np-z]+", re.IGNORECASE)

# A Japanese phone number as people write it: 090-1234-5678, 09012345678, 0982-52-2111,
# (0982)52-2111, +81 90 1234 5678, ０９０－１２３４－５６７８ (full-width, as an input method
# types it), or URL-encoded (+81 as %2B81, spaces as + or %20). Ten or eleven digits from the
# 0 (nine or ten after +81), with a separator allowed between any two.
_DIGIT = r"[0-9０-９]"
_SEP = r"(?:[-‐‑‒–—―－ー−\s()（）+]|%20|%2D)?"
_PHONE = re.compile(
    rf"(?<![0-9０-９.,])"
    rf"(?:(?:\+|＋|%2B)(?:8|８)(?:1|１){_SEP}(?:\(?(?:0|０)\)?)?|[(（]?(?:0|０))"
    rf"{_DIGIT}(?:{_SEP}{_DIGIT}){{8,9}}"
    rf"(?![0-9０-９])",
    re.IGNORECASE,
)
PHONE_MASK = "[phone]"

# Query-string values that are what someone typed about a person: q=, name=, kana=, phone=
# and any parameter whose name contains name, kana or phone (family_name_kana=, walkin-phone=).
_PERSONAL_PARAM = re.compile(
    r"([?&;](?:q|[\w-]*(?:name|kana|phone)[\w-]*)=)[^&;\s\"'#]*", re.IGNORECASE
)
PARAM_MASK = "[redacted]"


def redact(text: str) -> str:
    """The text with ticket tokens shortened, personal query values and phone numbers masked."""
    text = _TICKET_PATH.sub(r"\1…", text)
    text = _PERSONAL_PARAM.sub(rf"\1{PARAM_MASK}", text)
    return _PHONE.sub(PHONE_MASK, text)


class RedactPersonalData(logging.Filter):
    """Redact every log line a handler writes (request logs name the path and query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# The filter's earlier name, which settings written before it grew still use.
RedactTicketTokens = RedactPersonalData
