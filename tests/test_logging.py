import logging

from config.logging import RedactTicketTokens

TOKEN = "ABCDEFGHJKLMNPQRSTUVWXYZ23"


def redacted(message, *args):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    RedactTicketTokens().filter(record)
    return record.getMessage()


def test_ticket_tokens_are_cut_from_log_lines():
    line = redacted("Not Found: %s", f"/t/{TOKEN}/")
    assert TOKEN not in line and "/t/ABCD…/" in line
    server_line = redacted(f'"GET /t/{TOKEN.lower()}/ticket.pdf HTTP/1.1" 200 5120')
    assert TOKEN.lower() not in server_line


def test_other_lines_are_untouched():
    assert redacted("Not Found: %s", "/residents/12/") == "Not Found: /residents/12/"
