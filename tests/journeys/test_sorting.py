"""The sorting guide in Chromium: search as you type, and the same search without a network
in the installed app (the service worker keeps the guide's page and data)."""
import re

import pytest
from playwright.sync_api import expect

from tests.journeys.conftest import assert_accessible

pytestmark = pytest.mark.journey


def test_a_sorting_guide_search_online_then_offline(profile_context, live_server):
    context = profile_context
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/sorting-guide")
    assert_accessible(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker, which fetches the guide's data
    page.wait_for_function("""() => caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k)
        .then(c => c.keys())))).then(lists => lists.flat().some(r => r.url.includes('/sorting-guide/data.json')))""")
    page.fill("#q", "maitotölkki")
    results = page.locator("#sorting-results")
    expect(results).to_contain_text("Maitotölkki")
    expect(results).to_contain_text("Huuhtele ja litistä.")
    expect(page).to_have_url(re.compile(r"q=maitot"))  # the address follows the search
    assert_accessible(page)

    context.set_offline(True)
    try:
        page.goto("/sorting-guide", wait_until="domcontentloaded")  # the kept page
        expect(page.get_by_role("heading", name="Minne tämä kuuluu?")).to_be_visible()
        page.fill("#q", "muvipussi")  # a typo, searched on the phone
        results = page.locator("#sorting-results")
        expect(results).to_contain_text("Olet ilman verkkoyhteyttä")
        expect(results.locator(".guide-item").first).to_contain_text("Muovipussi")
        expect(results.locator(".guide-item").first).to_contain_text("Muovipakkaukset")
        assert_accessible(page)
    finally:
        context.set_offline(False)
