"""Never a 500 on bad input: every route of the URL map, as each role, with ids beyond 64
bits, fragment URLs opened as pages, and every form posted empty, overlong and with huge
numbers. Whatever the input, the answer is a page, a form with its errors, or a 4xx."""
import re

import pytest

from models import CompostNotice
from tests.conftest import login

HUGE = "99999999999999999999999"
FORM_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.S)
SKIP = {"static", "auth.logout", "account.logout_everywhere"}  # ending the session ends the walk


def _urls(app, ids, *, huge: bool):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        values = {arg: (HUGE if huge and isinstance(ids.get(arg), int) else ids.get(arg, 1))
                  for arg in rule.arguments}
        yield rule, rule.build(values, append_unknown=False)[1]


def _check(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.get_data(as_text=True)[:800]}"


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_every_route_answers_bad_ids_and_plain_gets_without_a_server_error(app, world, role):
    user, staff, ids = world
    client = app.test_client()
    if role != "anonymous":
        login(client, user.username if role == "resident" else staff.username)
    for huge in (False, True):
        for rule, url in _urls(app, ids, huge=huge):
            if "GET" in rule.methods:
                _check(client.get(url), f"GET {url} as {role}")
    for query in ("month=99999999999999999999-1", "month=0-0", "month=-5", "from=31.2.2026&to=x",
                  "q=" + "x" * 5000, "page=" + HUGE, "by=" + HUGE):
        for url in (f"/properties/{ids['property_id']}/calendar", f"/properties/{ids['property_id']}/orders",
                    "/staff/customers", "/staff/audit", f"/water/points/{ids['point_id']}", "/staff/compost"):
            _check(client.get(f"{url}?{query}"), f"GET {url}?{query} as {role}")


@pytest.mark.parametrize("role", ["resident", "staff"])
def test_every_form_posted_empty_overlong_and_with_huge_numbers_is_answered_without_a_server_error(
        app, world, role):
    user, staff, ids = world
    client = app.test_client()
    login(client, user.username if role == "resident" else staff.username)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account/").get_data(as_text=True))[1]
    for rule, url in _urls(app, ids, huge=False):
        if "POST" not in rule.methods:
            continue
        page = client.get(url).get_data(as_text=True) if "GET" in rule.methods else ""
        names = set(FORM_FIELD.findall(page)) - {"csrf_token"}
        names |= {"value", "day", "amount", "bins", "body", "email", "iban", "note", "decision", "quantity"}
        for payload in ({}, {n: "x" * 20_000 for n in names}, {n: HUGE for n in names},
                        {n: "-" + HUGE for n in names}, {n: "1E+30" for n in names}):
            _check(client.post(url, data={"csrf_token": token, **payload}), f"POST {url} {list(payload)[:3]}")
            _check(client.post(url, data={"csrf_token": token, **payload}, headers={"HX-Request": "true"}),
                   f"htmx POST {url}")


def test_the_composting_form_without_extra_info_is_taken_not_a_crash(app, world):
    """Extra information is optional: a form that leaves the field out entirely is a valid
    notice (the browser would send it empty)."""
    from tests.conftest import post_form
    from tests.test_compost_support import NOTICE
    user, _staff, ids = world
    client = app.test_client()
    login(client, user.username)
    fields = {k: v for k, v in NOTICE.items() if k != "extra_info"}
    response = post_form(client, "/compost/new", {"property": ids["property_id"], "request_key": "c1", **fields})
    assert response.status_code == 303
    assert CompostNotice.get().extra_info == ""


CONTROL = "ab\x00\x01\x08\x0b\x1b\x7f\u202e"  # NUL, C0 controls, DEL, a bidi override
LONG = "ä" * 5_000  # the overlong POST bodies are the form walk's above


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_every_text_input_of_every_page_takes_control_characters_and_long_text_without_a_server_error(
        app, world, role):
    """Every field of every form (GET search forms and POST forms alike) and every query
    parameter the pages name, sent with control characters, a NUL and overlong text."""
    user, staff, ids = world
    client = app.test_client()
    if role != "anonymous":
        login(client, user.username if role == "resident" else staff.username)
    page = client.get("/account/" if role != "anonymous" else "/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    walked = 0
    for rule, url in _urls(app, ids, huge=False):
        page = client.get(url).get_data().decode("utf-8", "replace") if "GET" in rule.methods else ""
        names = (set(FORM_FIELD.findall(page)) - {"csrf_token"}) | {"q", "month", "day", "page", "lang", "next"}
        query = {n: CONTROL for n in names}
        if "GET" in rule.methods:
            _check(client.get(url, query_string=query), f"GET {url} as {role} with control characters")
            _check(client.get(url, query_string=query, headers={"HX-Request": "true"}), f"htmx GET {url}")
            _check(client.get(url, query_string={n: LONG for n in names}), f"GET {url} as {role} with long text")
            broken = "&".join(f"{n}=%ED%A0%80%FF%00" for n in names)  # not UTF-8 at all
            _check(client.get(url, query_string=broken), f"GET {url} with bytes that are not UTF-8")
        if "POST" in rule.methods and rule.endpoint not in SKIP:
            _check(client.post(url, data={"csrf_token": token, **query}), f"POST {url} as {role} with control characters")
        walked += 1
    assert walked > 100  # the walk reached the URL map, not a few pages
