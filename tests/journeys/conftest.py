"""Journey tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

Playwright never downloads a browser here: the executable is Debian's chromium. Every page
a journey reaches is checked with axe-core (from npm, pinned in package-lock.json).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

import demo
from models import db
from tests.conftest import copy_of_template, make_app
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def playwright():
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; `make test` installs it from Debian's packages")
        pytest.skip("Chromium is not installed")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (npm ci)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def profile_context(playwright, live_server, tmp_path):
    """A browser with a real profile (not incognito), as a resident's phone has."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS,
        viewport=PHONE, locale="fi-FI", base_url=live_server.url, service_workers="allow")
    yield context
    context.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["BASE_URL"] = self.url
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


def _demo(folder) -> None:
    app = make_app(folder)
    with app.app_context(), db.connection_context():
        demo.load(properties=25, seed=11)


@pytest.fixture
def live_server(tmp_path):
    # The demo data loaded once per process (the same day's data) and copied for each journey:
    # loading it for every journey took seconds each.
    copy_of_template("demo", tmp_path / "kotipiha.sqlite3", _demo)
    app = make_app(tmp_path)
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def context(browser, live_server, request):
    lang = getattr(request, "param", "fi")
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang], base_url=live_server.url,
                                  service_workers="allow")
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    assert [e for e in errors if "Failed to load resource" not in e] == []


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def assert_accessible(page) -> None:
    """axe-core's WCAG 2.1 A and AA rules and its best practices (unique landmarks, one
    main heading, …) on the page as it is now: zero violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
    })""")
    problems = [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in result["violations"]]
    assert problems == [], f"{page.url}\n" + "\n".join(problems)


def open_menu(page):
    """The top bar's menu (language, account, log out) is a <details>: open it."""
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
