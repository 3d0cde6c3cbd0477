"""The security baseline: headers, CSRF, ownership 404s, staff-only pages, HTTPS cookies."""
import pytest

from models import Property
from tests import factories
from tests.conftest import csrf_token, login, make_app


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_pages_have_no_inline_script_or_style(client, app):
    user = factories.resident()
    login(client, user.username)
    for path in ("/properties/", "/account/", "/terms", "/privacy", "/accessibility"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path


def test_a_post_without_csrf_token_is_refused(client, app):
    user = factories.resident()
    response = client.post("/login", data={"login": user.username, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/properties/").status_code == 302  # not logged in


def test_htmx_sends_the_token_in_a_header(client, app):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "sv"}, headers={"X-CSRFToken": token})
    assert response.status_code == 303


def test_private_pages_are_not_stored_in_caches(client, app):
    user = factories.resident()
    login(client, user.username)
    assert client.get("/properties/").headers["Cache-Control"] == "no-store"


def test_another_residents_property_is_not_found(client, app):
    alice, bob = factories.resident(), factories.resident()
    bobs = Property.select().where(Property.customer == bob.customer).get()
    alices = Property.select().where(Property.customer == alice.customer).get()
    login(client, alice.username)
    assert client.get(f"/properties/{alices.id}").status_code == 200
    response = client.get(f"/properties/{bobs.id}")
    assert response.status_code == 404
    assert bobs.street not in response.get_data(as_text=True)
    assert client.get("/properties/999999").status_code == 404


def test_staff_pages_are_not_found_for_residents_and_anonymous(client, app):
    assert client.get("/staff/").status_code == 404
    resident = factories.resident()
    login(client, resident.username)
    assert client.get("/staff/").status_code == 404


def test_staff_land_on_the_staff_page(client, app):
    staff = factories.staff()
    response = login(client, staff.username)
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_https_base_url_makes_cookies_secure_and_sends_hsts(tmp_path):
    app = make_app(tmp_path, BASE_URL="https://kotipiha.example.fi")
    client = app.test_client()
    user = factories.resident()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "login": user.username,
                                           "password": factories.PASSWORD},
                           base_url="https://kotipiha.example.fi")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and cookie.startswith("__Host-kotipiha=")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_requests_over_the_size_limit_are_refused(client):
    response = client.post("/login", data={"login": "x" * (10 * 1024 * 1024)})  # MAX_CONTENT_LENGTH is 9 MB
    assert response.status_code == 413
    # a text field is read into memory only up to Flask's 500 kB: a larger form is not used
    response = client.post("/login", data={"login": "x" * (600 * 1024)})
    assert response.status_code in (400, 413)


@pytest.mark.parametrize("path", ["/account/", "/properties/"])
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
