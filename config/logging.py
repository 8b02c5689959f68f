import logging
import re

# Ticket URLs carry the key to a resident's booking; logs keep only its first characters.
_TICKET_PATH = re.compile(r"(/t/[2-9A-HJ-NP-Z]{4})[2-9A-HJ-NP-Za-hj-np-z]+", re.IGNORECASE)


class RedactTicketTokens(logging.Filter):
    """Shorten ticket tokens in every log line (request logs name the path)."""

    def filter(self, record):
        message = record.getMessage()
        redacted = _TICKET_PATH.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
