import logging

import pytest

from config.logging import RedactPersonalData, RedactTicketTokens

TOKEN = "ABCDEFGHJKLMNPQRSTUVWXYZ23"


def redacted(message, *args):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    RedactPersonalData().filter(record)
    return record.getMessage()


def test_ticket_tokens_are_cut_from_log_lines():
    line = redacted("Not Found: %s", f"/t/{TOKEN}/")
    assert TOKEN not in line and "/t/ABCD…/" in line
    server_line = redacted(f'"GET /t/{TOKEN.lower()}/ticket.pdf HTTP/1.1" 200 5120')
    assert TOKEN.lower() not in server_line


def test_other_lines_are_untouched():
    assert redacted("Not Found: %s", "/residents/12/") == "Not Found: /residents/12/"
    for line in [
        '"GET /desk/?resident=12&session=7&date_from=2026-04-01 HTTP/1.1" 200 5120',
        "2026-12-05 13:42:58,123 booking 1234 took 0.0123456789 s",
        "Booking T-20261205-0042 from 127.0.0.1",
        "Queued 3 messages (ids 10234, 10235, 10236)",
    ]:
        assert redacted(line) == line


@pytest.mark.parametrize(
    "number",
    [
        "090-1234-5678",
        "09012345678",
        "090 1234 5678",
        "0982-52-2111",
        "0982522111",
        "(0982)52-2111",
        "03-1234-5678",
        "+819012345678",
        "+81 90-1234-5678",
        "+81 (0)90 1234 5678",
        "０９０－１２３４－５６７８",
        "０９０１２３４５６７８",
        "%2B819012345678",
        "090+1234+5678",
        "090%201234%205678",
    ],
)
def test_phone_numbers_are_masked_in_any_common_form(number):
    line = redacted("Sent SMS to %s (booking 42)", number)
    assert line == "Sent SMS to [phone] (booking 42)"


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/residents/search/?q=%E3%83%A4%E3%83%9E%E3%83%80", "/residents/search/?q=[redacted]"),
        ("/desk/?q=ヤマダ+タロウ&session=7", "/desk/?q=[redacted]&session=7"),
        ("/residents/new/?next=/desk/&q=やまだ", "/residents/new/?next=/desk/&q=[redacted]"),
        ("/x/?name=山田太郎", "/x/?name=[redacted]"),
        ("/x/?kana=やまだ&page=2", "/x/?kana=[redacted]&page=2"),
        ("/x/?family_name_kana=ヤマダ", "/x/?family_name_kana=[redacted]"),
        ("/x/?walkin-phone=0120", "/x/?walkin-phone=[redacted]"),
    ],
)
def test_searched_names_and_numbers_are_masked_in_query_strings(path, kept):
    line = redacted('"GET %s HTTP/1.1" 200 3120', path)
    assert line == f'"GET {kept} HTTP/1.1" 200 3120'


def test_the_earlier_name_still_works():
    assert RedactTicketTokens is RedactPersonalData


def test_our_logs_and_runservers_request_lines_go_through_the_filter():
    # pytest adds capture handlers of its own to the root logger; ours are plain streams.
    for name in ("root", "django.server"):
        logger = logging.getLogger() if name == "root" else logging.getLogger(name)
        ours = [h for h in logger.handlers if type(h) is logging.StreamHandler]
        assert ours, name
        for handler in ours:
            assert any(isinstance(f, RedactPersonalData) for f in handler.filters), name
    assert logging.getLogger("django.server").propagate is False
