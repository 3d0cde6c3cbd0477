"""The foundation as a resident meets it, in Chromium at phone size."""
import re

import pytest

import demo
from models import User
from tests.journeys.conftest import assert_accessible, open_menu

pytestmark = pytest.mark.journey
PASSWORD = "kompostori ja kissa"


def log_in(page, username, password=demo.DEMO_PASSWORD, button="Kirjaudu sisään",
           lands=re.compile(r"/properties/(\d+)?$")):
    page.fill("#login", username)
    page.fill("#password", password)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(lands)


def fill_registration(page, number, invoice, **changes):
    values = {"invoice_number": invoice, "customer_number": number, "first_name": "Liisa",
              "last_name": "Laine", "phone": "040 7654321", "email": "liisa.laine@example.fi",
              "username": "liisa", "password": PASSWORD, "confirm": PASSWORD, **changes}
    for name, value in values.items():
        page.fill(f"#{name}", value)
    page.check("#terms")


def test_register_see_properties_switch_to_swedish_log_out_and_in(page, live_server):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert_accessible(page)
    page.get_by_role("link", name="Rekisteröidy nyt").click()
    assert_accessible(page)
    with live_server.app.app_context():
        number, invoice = demo.unregistered_pairs()[0]
    fill_registration(page, number, invoice)
    page.get_by_role("button", name="Rekisteröidy").click()
    page.wait_for_url("**/properties/")
    assert page.get_by_role("heading", name="Omat kohteet").is_visible()
    assert page.locator(".property-card").count() >= 1
    assert_accessible(page)

    page.locator(".property-card").first.click()
    assert page.get_by_role("heading", name="Laskutusosoite").is_visible()
    assert_accessible(page)

    open_menu(page)
    page.get_by_role("button", name="På svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", name="Faktureringsadress").is_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Hem").click()
    assert page.get_by_role("heading", name="Mina fastigheter").is_visible()
    assert_accessible(page)

    open_menu(page)
    page.get_by_role("button", name="Logga ut").click()
    assert page.get_by_text("Du har loggat ut.").is_visible()
    assert_accessible(page)
    # The account remembers Swedish; the next login shows it in Swedish.
    log_in(page, "liisa", PASSWORD, button="Logga in")
    assert page.locator("html").get_attribute("lang") == "sv"
    with live_server.app.app_context():
        assert User.by_login("liisa").language == "sv"


@pytest.mark.parametrize("changes, field, message", [
    ({"invoice_number": "1000000"}, "invoice_number", "eivät täsmää"),
    ({"password": "lyhyt", "confirm": "lyhyt"}, "password", "12"),
    ({"confirm": "toinen salasana kokonaan"}, "confirm", "Salasanat eivät täsmää"),
])
def test_registration_errors_are_clear_and_keep_what_was_typed(page, live_server, changes, field, message):
    with live_server.app.app_context():
        number, invoice = demo.unregistered_pairs()[0]
    page.goto("/register")
    fill_registration(page, number, invoice, **changes)
    page.get_by_role("button", name="Rekisteröidy").click()
    error = page.locator(f"#{field}-error")
    assert message in error.inner_text()
    assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true"
    summary = page.locator("#error-summary")
    assert summary.is_visible() and message in summary.inner_text()
    assert page.input_value("#first_name") == "Liisa"
    assert page.input_value("#email") == "liisa.laine@example.fi"
    assert page.input_value("#customer_number") == number
    assert page.is_checked("#terms")
    assert_accessible(page)


@pytest.mark.parametrize("context", ["sv"], indirect=True)
def test_pages_in_swedish_are_accessible(page, live_server):
    for path in ("/", "/register", "/password/forgot", "/terms", "/privacy", "/accessibility",
                 "/login"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "sv"
        assert_accessible(page)
    log_in(page, "maija", button="Logga in")
    assert_accessible(page)
    page.goto("/account/")
    assert_accessible(page)
    page.goto("/account/notifications")
    assert_accessible(page)


def test_start_page_is_installable_and_works_offline(profile_context, live_server):
    context = profile_context
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/")
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    context.set_offline(True)
    page.goto("/terms", wait_until="domcontentloaded")
    assert page.get_by_role("heading", name="Ei verkkoyhteyttä").is_visible()
    assert_accessible(page)
    context.set_offline(False)


def test_after_logout_the_back_button_shows_nothing_private(page, live_server):
    page.goto("/login")
    log_in(page, "maija")
    street = page.locator(".property-card .address").first.inner_text().split("\n")[0]
    open_menu(page)
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url(re.compile(r"/$"))
    page.go_back()
    page.wait_for_load_state()
    assert street not in page.content()
    assert "/login" in page.url


def test_staff_login_lands_on_the_back_office(page, live_server):
    page.goto("/login")
    log_in(page, "asiakaspalvelu", lands="**/staff/")
    assert page.get_by_role("heading", name="Asiakaspalvelu").is_visible()
    assert_accessible(page)


def test_narrow_phone_has_no_sideways_scrolling_and_big_tap_targets(page, live_server):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/login")
    log_in(page, "maija")
    for path in ("/", "/register", "/properties/", "/account/", "/accessibility"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        small = page.evaluate("""() => [...document.querySelectorAll(
                'header a, header button, nav a, nav button, footer a, .button, .breadcrumb a')]
            .filter(e => e.getClientRects().length)
            .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""")
        assert small == [], (path, small)
