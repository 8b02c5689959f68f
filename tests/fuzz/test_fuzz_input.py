"""Generated input sent to every form (POST, and GET searches) and every POST and JSON
endpoint, as each role that may reach it: no answer is a 500, and a refused request (4xx, or a
page showing form errors) leaves every table's row count as it was.

The targets come from the access matrix (tests/test_access_matrix.py): each page a role may
open is fetched, its POST forms are read (action, field names, choices), and each form and
each POST-only page becomes a target. Values: the page's own, empty, huge, control
characters, full-width digits, emoji, impossible dates and numbers, wrong JSON types; fields
are dropped and extra ones added. HYPOTHESIS_PROFILE=fuzz (`make fuzz`) runs many more.
"""

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.test_access_matrix import PAGES, PUBLIC, ROLES, SCAN_PASS, USERS, url_for
from tests.test_access_matrix import objects as _matrix_objects  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

# --- reading the forms of a page ------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str = "text"
    values: list[str] = field(default_factory=list)  # the page's value(s) or the choices


@dataclass
class Target:
    url: str
    fields: list[Field]
    name: str
    method: str = "post"


class FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, list[Field]]] = []
        self._form: list[Field] | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = []
            self.forms.append((a.get("method", "get").lower(), a.get("action", ""), self._form))
        elif a.get("hx-get") and a.get("name"):  # a search box that asks as you type
            self.forms.append(("get", a["hx-get"], [Field(a["name"], "text", [""])]))
        if self._form is None or not a.get("name"):
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "image", "reset"):
            self._form.append(Field(a["name"], a.get("type", "text"), [a.get("value", "")]))
        elif tag in ("input", "button") and a.get("type") == "submit":
            self._form.append(Field(a["name"], "submit", [a.get("value", "")]))
        elif tag == "textarea":
            self._form.append(Field(a["name"], "textarea", [""]))
        elif tag == "select":
            self._select = Field(a["name"], "select", [])
            self._form.append(self._select)
        if tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def _ours(url: str) -> bool:
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return not urlsplit(url).path.startswith(("/accounts/", "/i18n/", "/admin/"))


def targets_for(client: Client, page_urls: list[tuple[str, str]]) -> list[Target]:
    found: dict[tuple[str, tuple[str, ...]], Target] = {}
    for name, url in page_urls:
        response = client.get(url)
        if response.status_code == 405:  # POST only: what its buttons elsewhere send
            found.setdefault((url, ()), Target(url, [], name))
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        reader = FormReader()
        reader.feed(response.content.decode())
        for method, action, fields in reader.forms:
            target_url = urlsplit(action).path or urlsplit(url).path
            if method not in ("get", "post") or not _ours(target_url):
                continue
            key = (method, target_url, tuple(sorted(f.name for f in fields)))
            found.setdefault(key, Target(target_url, fields, name, method))
    return list(found.values())


# --- what is sent ---------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "０１２３４５６７８９",
    "１２",
    "−１",
    "😀👨‍👩‍👧‍👦",
    "𠮷野家",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "31/12/2026",
    "25:61",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a\x00b",
    "\x1b[31m",
    "\t\r\n",
    "\u202e逆",
]
odd_text = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=5),
    st.text(alphabet="０１２３４５６７８９ー－", min_size=1, max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["x" * 5000, "あ" * 20_000, "9" * 400]),
)


@st.composite
def form_data(draw, target: Target) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for f in target.fields:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            continue  # a missing field
        # The page's own value keeps the form going; an odd one tests it.
        value = draw(st.sampled_from(f.values)) if choice <= 4 and f.values else draw(odd_text)
        data.setdefault(f.name, []).append(value)
    for _ in range(draw(st.integers(0, 2))):  # extra fields
        data.setdefault(draw(st.sampled_from(["id", "pk", "user", "extra", "q"])), []).append(
            draw(odd_text)
        )
    return data


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), odd_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def scan_body(draw, session_pk: int) -> object:
    if draw(st.integers(0, 4)) == 0:
        return draw(json_value)
    keys = {
        "session": st.one_of(st.just(session_pk), json_value),
        "code": json_value,
        "nonce": json_value,
        "device": json_value,
    }
    return {k: draw(v) for k, v in keys.items() if draw(st.integers(0, 5))}


# --- what is checked ------------------------------------------------------------------------


# The access log records what a page showed, also beside a refused form (a list shown unfiltered
# with its filter's error names residents all the same): a record of looking, not a saved change.
RECORDS_OF_LOOKING = {"audit.AccessLog", "audit.AccessLogResident"}


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label not in RECORDS_OF_LOOKING
    }


def showed_form_errors(response) -> bool:
    contexts = response.context or []
    if not isinstance(contexts, list):
        contexts = [contexts]
    for context in contexts:
        values = context.flatten().values() if hasattr(context, "flatten") else context.values()
        for value in values:
            if isinstance(value, BaseForm | BaseFormSet) and value.is_bound and value.errors:
                return True
    return False


def check(response, before: dict[str, int], what: str) -> None:
    assert response.status_code < 500, what
    if response.status_code >= 400 or showed_form_errors(response):
        after = row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert changed == {}, f"{what} was refused ({response.status_code}) yet saved {changed}"


@pytest.fixture
def found(request):
    """The access matrix's objects: {argument key: primary key or token}."""
    return request.getfixturevalue("_matrix_objects")


# --- the tests ------------------------------------------------------------------------------

LOGGED_IN = [role for role in USERS if role != "nobody"]


def pages_of(role: str | None, objects) -> list[tuple[str, str]]:
    pages = []
    for name, (perm, _key) in PAGES.items():
        if perm == SCAN_PASS:
            continue
        if role is None and perm != PUBLIC:
            continue
        if role is not None and not (perm in (None, PUBLIC) or perm in ROLES[role]):
            continue
        pages.append((name, url_for(name, objects)))
    return pages


@pytest.mark.parametrize("role", [*LOGGED_IN, "anonymous"])
def test_no_form_answers_500_or_half_saves(request, found, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(USERS[role]))
    targets = targets_for(client, pages_of(None if role == "anonymous" else role, found))
    assert targets

    @given(data=st.data())
    def fuzz(data):
        target = data.draw(st.sampled_from(targets), label="target")
        body = data.draw(form_data(target), label="body")
        headers = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans()) else {}
        before = row_counts()
        send = client.post if target.method == "post" else client.get
        response = send(target.url, body, **headers)
        check(response, before, f"{role} {target.method} {target.url} {body!r:.300}")

    fuzz()


def test_the_scan_api_answers_json_and_never_500(venue_client, found):
    page = venue_client.get(reverse("attendance:venue_session", args=[found["session"]]))
    scan_pass = page.context["scan_pass"]
    client = Client(raise_request_exception=False)

    @given(body=scan_body(found["session"]), raw=st.booleans(), with_pass=st.booleans())
    def fuzz(body, raw, with_pass):
        payload = json.dumps(body) if not raw else str(body)[:2000]
        headers = {"HTTP_X_SCAN_PASS": scan_pass} if with_pass else {}
        before = row_counts()
        response = client.post(
            reverse("attendance:api_checkin"), payload, content_type="application/json", **headers
        )
        check(response, before, f"scan {payload:.300}")
        assert response["Content-Type"].startswith("application/json")

    fuzz()
