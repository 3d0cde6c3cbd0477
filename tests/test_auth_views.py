"""Registration, login, logout, password pages and language choice through HTTP."""
import datetime as dt
import re

import pytest

from models import User
from tests import factories
from tests.conftest import csrf_token, login, post_form

GOOD = {"first_name": "Maija", "last_name": "Meikäläinen", "phone": "040 1234567",
        "email": "maija@example.fi", "username": "maija", "password": "kompostori ja kissa",
        "confirm": "kompostori ja kissa", "terms": "y"}


@pytest.fixture
def registrable(app):
    owner = factories.customer()
    factories.property_(owner, street="EKOKAARI 50")
    factories.invoice(owner, number="1962859")
    return owner


def register(client, owner, **changes):
    data = {"customer_number": owner.number, "invoice_number": "1962859", **GOOD, **changes}
    return post_form(client, "/register", data)


def test_register_logs_in_and_shows_own_properties(client, registrable):
    response = register(client, registrable)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "EKOKAARI 50" in page and registrable.name in page


@pytest.mark.parametrize("changes, field, message", [
    ({"invoice_number": "1111111"}, "invoice_number", "do not match"),
    ({"password": "lyhyt", "confirm": "lyhyt"}, "password", "12"),
    ({"confirm": "something else entirely"}, "confirm", "do not match"),
    ({"terms": ""}, "terms", "terms of use"),
    ({"email": "not-an-address"}, "email", "Check the email address"),
])
def test_a_bad_field_gets_a_message_and_the_other_fields_are_kept(client, registrable, changes, field, message):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = register(client, registrable, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert error and message in error.group(1), page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page)
    for kept in ("first_name", "last_name", "phone", "username"):
        assert f'value="{GOOD[kept]}"' in page
    assert registrable.number in page
    assert 'value="kompostori ja kissa"' not in page  # passwords are never sent back
    assert User.select().count() == 0


def test_registration_messages_are_translated(client, registrable):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv-FI,sv;q=0.9"
    page = register(client, registrable, invoice_number="1111111").get_data(as_text=True)
    assert 'lang="sv"' in page
    assert "Kundnumret" in page


def test_login_page_same_answer_for_unknown_user_and_wrong_password(client, app):
    factories.resident(username="pekka")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    wrong = post_form(client, "/login", {"login": "pekka", "password": "wrong password"})
    unknown = post_form(client, "/login", {"login": "nobody", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 422
    def strip(response):  # the CSRF tokens carry a timestamp; the rest must be identical
        return re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.get_data(as_text=True))
    assert strip(wrong) == strip(unknown)


def test_login_renews_the_session_and_logout_ends_it(client, app):
    user = factories.resident()
    client.get("/login")
    before = client.get_cookie("kotipiha").value
    login(client, user.username)
    after = client.get_cookie("kotipiha").value
    assert before != after
    assert client.get("/properties/").status_code == 200
    token = csrf_token(client, "/properties/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "cache" in response.headers["Clear-Site-Data"]
    assert client.get("/properties/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, app):
    user = factories.resident()
    response = login(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on localhost


def test_login_redirects_only_to_local_pages(client, app):
    user = factories.resident()
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "csrf_token": token, "login": user.username, "password": factories.PASSWORD})
    # A resident with one property lands on it; with more, on the list.
    assert response.headers["Location"] == f"/properties/{user.customer.properties.get().id}"
    factories.property_(user.customer)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    response = client.post("/login?next=//evil.example/", data={
        "csrf_token": csrf_token(client), "login": user.username, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/properties/"


def test_changing_the_password_logs_out_other_sessions(app):
    user = factories.resident()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user.username)
    login(laptop, user.username)
    response = post_form(laptop, "/account/password", {
        "pw-current_password": factories.PASSWORD, "pw-password": "uusi salasana joka toimii",
        "pw-confirm": "uusi salasana joka toimii"}, page="/account/")
    assert response.status_code == 303
    assert laptop.get("/properties/").status_code == 200
    assert phone.get("/properties/").status_code == 302


def test_forgot_password_flow_through_the_pages(client, app):
    from models import Outbox
    factories.resident(username="pekka")
    page = post_form(client, "/password/forgot", {"login": "pekka"})
    assert page.status_code == 200
    link = re.search(r"http://127.0.0.1:8000(/password/reset/\S+)", Outbox.select().first().body_text).group(1)
    response = post_form(client, link, {"password": "uusi salasana joka toimii",
                                        "confirm": "uusi salasana joka toimii"})
    assert response.status_code == 303
    assert client.get(link).status_code == 404  # used once
    login(client, "pekka", "uusi salasana joka toimii")


def test_profile_edit_keeps_input_on_error_and_saves_language(client, app):
    user = factories.resident()
    login(client, user.username)
    bad = post_form(client, "/account/profile", {"p-first_name": "Uusi", "p-last_name": "Nimi",
                                                 "p-phone": "050 1", "p-email": "rikki",
                                                 "p-language": "sv"}, page="/account/")
    assert bad.status_code == 422
    assert 'value="Uusi"' in bad.get_data(as_text=True)
    ok = post_form(client, "/account/profile", {"p-first_name": "Uusi", "p-last_name": "Nimi",
                                                "p-phone": "050 1", "p-email": "uusi@example.fi",
                                                "p-current_password": factories.PASSWORD,  # a new address
                                                "p-language": "sv"}, page="/account/")
    assert ok.status_code == 303
    saved = User.get_by_id(user.id)
    assert (saved.first_name, saved.email, saved.language) == ("Uusi", "uusi@example.fi", "sv")
    assert 'lang="sv"' in client.get("/account/").get_data(as_text=True)


def test_language_comes_from_setting_then_session_then_header(client, app):
    assert 'lang="fi"' in client.get("/").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.8"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    # Without a choice on this visit, a user's stored language wins over the header.
    user = factories.resident(language="fi")
    login(client, user.username)
    assert 'lang="fi"' in client.get("/account/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    # "På svenska" chosen on the login page is the user's choice: it is kept at login and
    # becomes the stored language (mail goes out in it too).
    post_form(client, "/language", {"lang": "sv", "next": "/terms"}, page="/")
    assert 'lang="sv"' in client.get("/").get_data(as_text=True)
    login(client, user.username)
    assert 'lang="sv"' in client.get("/account/").get_data(as_text=True)
    assert User.get_by_id(user.id).language == "sv"


# -- sessions end when they should (ASVS 3.3.1, 3.3.2) ----------------------------------------

def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def test_a_session_cookie_saved_before_logout_does_not_work_after_it(app, resident):
    from tests.conftest import csrf_token
    client = app.test_client()
    login(client, resident.username)
    saved = _cookie(client, "kotipiha")
    assert client.get("/account/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    replay = app.test_client()
    replay.set_cookie("kotipiha", saved)
    assert replay.get("/account/").status_code == 302  # to the login page


def test_the_remember_token_is_single_use_rotating_and_new_at_every_login(app, resident):
    from tests.conftest import post_form
    first = app.test_client()
    post_form(first, "/login", {"login": resident.username, "password": factories.PASSWORD, "remember": "y"})
    token = _cookie(first, "remember_token")
    second = app.test_client()
    post_form(second, "/login", {"login": resident.username, "password": factories.PASSWORD, "remember": "y"})
    assert token and _cookie(second, "remember_token") != token  # not the same value at every login
    # A browser that kept only the remember cookie gets in once, and a new cookie with it.
    returning = app.test_client()
    returning.set_cookie("remember_token", token)
    assert returning.get("/account/").status_code == 200
    renewed = _cookie(returning, "remember_token")
    assert renewed and renewed != token
    replay = app.test_client()
    replay.set_cookie("remember_token", token)
    assert replay.get("/account/").status_code == 302  # the used token is gone


def test_the_remember_cookie_lives_thirty_days(app, resident):
    from tests.conftest import post_form
    client = app.test_client()
    response = post_form(client, "/login", {"login": resident.username, "password": factories.PASSWORD,
                                            "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = re.search(r"Expires=([^;]+)", header).group(1)
    import email.utils
    days = (email.utils.parsedate_to_datetime(expires) - dt.datetime.now(dt.timezone.utc)).days
    assert 29 <= days <= 30


def test_log_out_everywhere_ends_every_session(app, resident):
    from tests.conftest import post_form
    phone, laptop = app.test_client(), app.test_client()
    login(phone, resident.username)
    login(laptop, resident.username)
    post_form(laptop, "/account/logout-everywhere", {}, page="/account/")
    assert phone.get("/account/").status_code == 302 and laptop.get("/account/").status_code == 302


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, resident):
    from tests.conftest import post_form
    phone, laptop = app.test_client(), app.test_client()
    login(phone, resident.username)
    login(laptop, resident.username)
    response = post_form(laptop, "/account/password", {"pw-current_password": factories.PASSWORD,
                                                        "pw-password": "uusi salasana joka toimii",
                                                        "pw-confirm": "uusi salasana joka toimii"}, page="/account/")
    assert response.status_code == 303
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302


def test_the_email_undo_link_works_from_the_old_address_without_logging_in(client, app):
    from models import Outbox
    user = factories.resident()
    old = user.email
    login(client, user.username)
    post_form(client, "/account/profile", {"p-first_name": "A", "p-last_name": "B", "p-phone": "050",
                                           "p-email": "kaappaaja@example.fi", "p-current_password": factories.PASSWORD,
                                           "p-language": "fi"}, page="/account/")
    with app.app_context():
        body = Outbox.select().where(Outbox.recipient == old).get().body_text
    path = "/account/email/undo/" + body.split("/account/email/undo/")[1].split()[0]
    stranger = app.test_client()
    assert stranger.get(path).status_code == 200  # a GET changes nothing
    assert User.get_by_id(user.id).email == "kaappaaja@example.fi"
    assert post_form(stranger, path, {}).status_code == 303
    assert User.get_by_id(user.id).email == old
    assert client.get("/account/").status_code == 302  # whoever changed it is logged out
    assert stranger.get(path).status_code == 404


def _link(app, recipient, path):
    from models import Outbox
    with app.app_context():
        body = Outbox.select().where(Outbox.recipient == recipient).order_by(Outbox.id.desc()).first().body_text
    return body.split(path)[1].split()[0]


@pytest.mark.parametrize("event", ["password_change", "password_reset", "email_change", "email_undo",
                                   "logout_everywhere", "deactivated"])
def test_every_credential_event_ends_every_session_remember_cookie_and_unused_link(app, event):
    """Audit #22, 10: an intruder changed the email and asked for a password reset; whatever
    the owner then does, nothing the intruder held works any more."""
    from domain import accounts
    from tests.conftest import post_form
    with app.app_context():
        user = factories.resident(username="omistaja")
    owner_address = user.email
    owner = app.test_client()
    login(owner, "omistaja")
    post_form(owner, "/account/profile", {"p-first_name": "A", "p-last_name": "B", "p-phone": "050",
                                          "p-email": "kaappaaja@example.fi", "p-current_password": factories.PASSWORD,
                                          "p-language": "fi"}, page="/account/")
    undo = _link(app, owner_address, "/account/email/undo/")
    intruder = app.test_client()
    post_form(intruder, "/login", {"login": "omistaja", "password": factories.PASSWORD, "remember": "y"})
    remember = _cookie(intruder, "remember_token")
    post_form(app.test_client(), "/password/forgot", {"login": "kaappaaja@example.fi"})
    reset = _link(app, "kaappaaja@example.fi", "/password/reset/")
    with app.app_context():
        assert accounts.reset_for_token(reset) and accounts.email_change_for_token(undo)
    if event == "password_change":
        post_form(owner, "/account/password", {"pw-current_password": factories.PASSWORD,
                                               "pw-password": "uusi salasana joka toimii",
                                               "pw-confirm": "uusi salasana joka toimii"}, page="/account/")
    elif event == "password_reset":  # a second link, asked by the owner, used by the owner
        with app.app_context():
            accounts.PasswordReset.update(created_at=accounts.utcnow() - dt.timedelta(hours=2)).execute()
        post_form(app.test_client(), "/password/forgot", {"login": "omistaja"})
        own = _link(app, "kaappaaja@example.fi", "/password/reset/")
        with app.app_context():
            accounts.PasswordReset.update(used_at=None).where(
                accounts.PasswordReset.token_hash == accounts.token_hash(reset)).execute()  # both unused
            accounts.complete_password_reset(own, "uusi salasana joka toimii")
    elif event == "email_change":
        post_form(owner, "/account/profile", {"p-first_name": "A", "p-last_name": "B", "p-phone": "050",
                                              "p-email": "kolmas@example.fi",
                                              "p-current_password": factories.PASSWORD, "p-language": "fi"},
                  page="/account/")
    elif event == "email_undo":
        post_form(app.test_client(), f"/account/email/undo/{undo}", {}, page=f"/account/email/undo/{undo}")
    elif event == "logout_everywhere":
        post_form(owner, "/account/logout-everywhere", {}, page="/account/")
    else:
        result = app.test_cli_runner().invoke(args=["deactivate-user", "omistaja"])
        assert result.exit_code == 0, result.output
    assert intruder.get("/account/").status_code == 302  # the session ended
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/account/").status_code == 302  # the remember-me cookie too
    with app.app_context():
        assert accounts.reset_for_token(reset) is None  # and the reset link
        assert accounts.email_change_for_token(undo) is None  # and the email-change link
    if event in ("password_change", "email_change"):
        assert owner.get("/account/").status_code == 200  # the owner's own browser goes on
