"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the networking flags Chromium floods the closed network with refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests
# make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA: the level the city's accessibility policy asks for.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    """Run axe-core on the page as it is now; returns (rule id, impact, first target) tuples.

    axe is served from the page's own origin (an inline script would be refused by the
    Content-Security-Policy, which the tests keep on)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.route(
        f"{origin}/__tests__/axe.min.js",
        lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="text/javascript"),
    )
    page.add_script_tag(url=f"{origin}/__tests__/axe.min.js")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        (v["id"], v["impact"], v["nodes"][0]["target"] if v["nodes"] else None)
        for v in result["violations"]
    ]


def wait_until(page, expression, timeout_ms=10_000):
    """Waits until a JavaScript expression is true on the page.

    Playwright's wait_for_function evaluates its predicate with eval() inside the page, which
    the Content-Security-Policy refuses; page.evaluate goes through the DevTools protocol."""
    waited = 0
    while not page.evaluate(expression):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(50)
        waited += 50


@pytest.fixture
def axe():
    return axe_violations


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Timer ids are handed out in sequence: clearing every id up to a new one's stops them all.
STOP_TIMERS = """() => {
  const last = setTimeout(() => {}, 0);
  for (let id = 0; id <= last; id++) { clearTimeout(id); clearInterval(id); }
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    in_flight = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    # A request still on its way (an htmx search after the last step, a scanner pass renewed
    # every second) would write while the test's database is being emptied: stop every page's
    # timers so that no new request starts, then wait until the answers on their way are in.
    for open_page in context.pages:
        with contextlib.suppress(PlaywrightError):
            open_page.evaluate(STOP_TIMERS)
    with contextlib.suppress(PlaywrightError):
        for _ in range(100):  # at most 5 s
            if not in_flight:
                break
            page.wait_for_timeout(50)  # lets Playwright take in the events meanwhile
    context.close()


@pytest.fixture
def login(page, live_server):
    def login_as(user, password="pass-for-tests-123"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return login_as


# Every page the browser tests open reports Content-Security-Policy violations to its console
# (Chromium logs each refusal; the listener below logs what Chromium might not), and a test
# during which any happened fails: the policy in config/settings.py must hold for every page
# the tests open, scripts, charts, htmx and the scanner included.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.effectiveDirective + " blocked " + event.blockedURI
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def _is_csp_violation(text):
    return text.startswith("CSP violation") or "Content Security Policy" in text


@pytest.fixture(autouse=True)
def csp_violations(monkeypatch):
    from playwright.sync_api import Browser

    seen = []
    new_context = Browser.new_context

    def watched_new_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        context.add_init_script(CSP_LISTENER)
        context.on(
            "console",
            lambda message: (
                seen.append(f"{message.page and message.page.url}: {message.text}")
                if _is_csp_violation(message.text)
                else None
            ),
        )
        return context

    monkeypatch.setattr(Browser, "new_context", watched_new_context)
    yield seen
    if seen:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(seen)))


# A phone of the size the residents' pages are checked at (WCAG reflow: 375 px wide).
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, viewport=..., scale=...): a page in a context of its own, Japanese and
    in Tokyo time, with touch when the viewport is PHONE; closed after the test."""
    contexts = []

    def open_at(path, *, viewport, scale=1):
        context = browser.new_context(
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=viewport,
            device_scale_factor=scale,
            is_mobile=viewport is PHONE,
            has_touch=viewport is PHONE,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}{path}")
        return page

    yield open_at
    for context in contexts:
        context.close()


def scrolls_sideways(page):
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
