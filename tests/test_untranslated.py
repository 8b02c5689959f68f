"""Every page, opened by every role in Japanese, shows no English left untranslated.

Names, codes and brand names aside (the list below), a run of English words on a page in
Japanese is a message id or a code that escaped translation: 「waits until …」, 「lead」."""

import re
from html.parser import HTMLParser

import pytest

from tests.test_access_matrix import PAGES, PUBLIC, ROLES, SCAN_PASS, USERS, objects, url_for

pytestmark = pytest.mark.django_db

__all__ = ["objects"]  # the matrix's fixture, used here too

# Words that are Japanese usage, product or brand names, units or keys (Ctrl, Enter), not
# untranslated text.
_ALLOWED_WORDS = """
    android iphone ipad ios line qr pdf csv sms excel xlsx url id os wi fi wifi google apple
    map maps my number tsunagu twilio inc unicode webcal ical icalendar zoom email mail e bom
    utf shift jis json ok no kpi dx n x r s h pm am tel fax htmx django scratch ctrl enter tab
    esc
    """
ALLOWED = frozenset(_ALLOWED_WORDS.split())
_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}
# Letters next to digits are codes or sizes (A4, 2F), not words.
_WORDS = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z']*(?:[ \-][A-Za-z][A-Za-z']*)*(?![0-9])")
# Addresses (web and e-mail), file names, ticket codes (KP74-WXC) and the survey editor's
# [text] / [only] markers are not prose.
_NOT_PROSE = re.compile(
    r"\w+://\S+|\S+@\S+|\S+\.(?:csv|pdf|xlsx|ics|txt)\b|\[[a-z]+\]|\b[0-9A-Z]{4}-[0-9A-Z]{3}\b"
)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in _ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english_on(html, data_words):
    parser = _VisibleText()
    parser.feed(html)
    found = set()
    for part in parser.parts:
        for run in _WORDS.findall(_NOT_PROSE.sub(" ", part)):
            words = [w for w in re.split(r"[ \-]", run.lower()) if w]
            if all(w in ALLOWED or w in data_words for w in words):
                continue
            found.add(run)
    return found


# Words the fixtures themselves put on pages (usernames, e-mail addresses).
DATA_WORDS = {"desk", "venue", "volunteer", "dx", "admin", "example", "com", "test", "user"}


@pytest.mark.parametrize("role", [r for r in USERS if r != "nobody"])
def test_every_page_reads_in_japanese(request, client, objects, role):
    client.force_login(request.getfixturevalue(USERS[role]))
    found = {}
    for name, (perm, _key) in PAGES.items():
        if perm == SCAN_PASS or not (perm in (None, PUBLIC) or perm in ROLES[role]):
            continue
        response = client.get(url_for(name, objects), HTTP_ACCEPT_LANGUAGE="ja")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        english = english_on(response.content.decode(), DATA_WORDS)
        if english:
            found[name] = sorted(english)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in sorted(found.items()))


def test_the_check_finds_english_and_passes_japanese():
    assert english_on("<p>provider: undelivered (error 30003)</p>", set()) == {
        "provider",
        "undelivered",
        "error",
    }
    assert english_on('<td title="skill">lead</td>', set()) == {"skill", "lead"}
    assert english_on("<p>A4の用紙に、QRコードとPDF（sample.pdf）。[text] 付き</p>", set()) == set()
    assert english_on("<script>var waits = 'until';</script><p>送信待ち</p>", set()) == set()
