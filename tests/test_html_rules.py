"""The HTML mistakes a validator (vnu) found, checked on every page of the URL map as each
role: no block element inside a <p>, a required <select> starts with an empty placeholder
that has a label, no <option> without a label, and no multi-line autocomplete token on a
single-line input. (The full validator needs Java; these rules run everywhere.)"""
from html.parser import HTMLParser

import pytest

from models import Credit
from tests.conftest import login
from tests.test_no_server_errors import _urls

BLOCKS_NOT_IN_P = {"form", "div", "p", "ul", "ol", "table", "section", "h1", "h2", "h3", "dl", "fieldset"}
MULTILINE_AUTOCOMPLETE = {"street-address"}


class Rules(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open_p = 0
        self.problems = []
        self.select = None  # (required, [options seen])
        self.option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in BLOCKS_NOT_IN_P and self.open_p:
            self.problems.append(f"<{tag}> inside <p>")
            self.open_p = 0  # the browser closes the <p> here
        if tag == "p":
            self.open_p += 1
        if tag == "select":
            self.select = ("required" in attrs, [])
        if tag == "option":
            self.option = {"value": attrs.get("value"), "label": attrs.get("label"), "text": ""}
        if tag == "input" and attrs.get("autocomplete") in MULTILINE_AUTOCOMPLETE:
            self.problems.append(f"autocomplete={attrs['autocomplete']} on an <input>")

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "p" and self.open_p:
            self.open_p -= 1
        if tag == "option" and self.option is not None:
            if not (self.option["text"].strip() or self.option["label"]):
                self.problems.append("an <option> without a label")
            if self.select is not None:
                self.select[1].append(self.option)
            self.option = None
        if tag == "select" and self.select is not None:
            required, options = self.select
            if required and options and options[0]["value"] != "":
                self.problems.append("a required <select> whose first option is not an empty placeholder")
            self.select = None


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_every_page_keeps_the_html_rules(app, world, role):
    user, staff, ids = world
    with app.app_context():  # a refund with an account number shows its "mark as paid" form
        Credit.update(refund_iban="FI4950009420028730").where(Credit.id == ids["credit_id"]).execute()
    client = app.test_client()
    if role != "anonymous":
        login(client, user.username if role == "resident" else staff.username)
    found = {}
    pages = [url for rule, url in _urls(app, ids, huge=False)
             if "GET" in rule.methods and rule.endpoint not in ("static", "pages.service_worker")]
    pages.append(f"/properties/{ids['property_id']}/billing-address?edit=1")
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checker = Rules()
        checker.feed(response.get_data(as_text=True))
        if checker.problems:
            found[url] = sorted(set(checker.problems))
    assert not found, found
