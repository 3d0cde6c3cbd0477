"""Composting notices and customer support through the resident's pages."""
import csv
import datetime as dt
import io

import pytest

from models.clock import HELSINKI, set_clock
from models import CompostNotice, Outbox, Property, SupportMessage, SupportThread
from tests import factories
from tests.conftest import csrf_token, login, post_form

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)
NOTICE = {"first_name": "Maija", "last_name": "Meikäläinen", "street": "Koivutie 1",
          "postal_code": "45100", "post_office": "Kouvola", "phone": "040 1234567",
          "email": "maija@example.fi", "building_type": "detached", "occupancy": "permanent",
          "persons": "3", "composter_type": "insulated_food", "composter_other": "",
          "volume_l": "220", "composted": "Ruokajäte ja talouspaperi", "extra_info": "",
          "confirm_disuse": "y", "confirm_correct": "y"}


@pytest.fixture
def home(app, client):
    set_clock(NOW)
    user = factories.resident()
    login(client, user.username)
    return user, Property.get(Property.customer == user.customer)


def notify(client, prop, **changes):
    return post_form(client, "/compost/new", {"property": prop.id, "request_key": "k1", **NOTICE, **changes},
                     page="/compost/new")


def test_a_notice_is_made_listed_and_valid_for_five_years(client, home):
    _, prop = home
    form = client.get("/compost/new").get_data(as_text=True)
    assert "Puutarhajäte yksinään ei vaadi ilmoitusta" in form
    response = notify(client, prop)
    assert response.status_code == 303
    notice = CompostNotice.get()
    assert notice.valid_until == dt.date(2031, 11, 22)
    page = client.get("/compost/").get_data(as_text=True)
    assert prop.street in page and "22.11.2031" in page


@pytest.mark.parametrize("field", ["confirm_disuse", "confirm_correct", "email", "volume_l", "phone"])
def test_required_fields_and_both_confirmations(client, home, field):
    _, prop = home
    response = notify(client, prop, **{field: ""})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert "Ruokajäte ja talouspaperi" in response.get_data(as_text=True)  # the rest is kept
    assert CompostNotice.select().count() == 0


def test_renewal_is_offered_from_60_days_before_expiry_and_is_prefilled(client, home):
    _, prop = home
    notify(client, prop, volume_l="330", composted="Ruokajäte")
    notice = CompostNotice.get()
    assert f"renew={notice.id}" not in client.get("/compost/").get_data(as_text=True)
    assert client.get(f"/compost/new?renew={notice.id}").status_code == 404
    set_clock(dt.datetime(2031, 9, 24, 9, 0, tzinfo=HELSINKI))  # 59 days before 22.11.2031
    assert f"renew={notice.id}" in client.get("/compost/").get_data(as_text=True)
    form = client.get(f"/compost/new?renew={notice.id}").get_data(as_text=True)
    assert 'value="330"' in form and "Ruokajäte" in form
    post_form(client, "/compost/new", {"property": prop.id, "request_key": "k2", "renew": notice.id,
                                       **NOTICE, "volume_l": "330"}, page=f"/compost/new?renew={notice.id}")
    renewal = CompostNotice.get(CompostNotice.renews == notice)
    assert renewal.valid_until == dt.date(2036, 9, 23)


def test_the_register_exports_every_field_as_csv(client, home):
    _, prop = home
    notify(client, prop)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/compost/")})
    staff = factories.staff()
    login(client, staff.username)
    listing = client.get("/staff/compost?validity=valid").get_data(as_text=True)
    assert prop.street in listing
    export = client.get("/staff/compost.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True)), delimiter=";"))
    assert len(rows) == 1
    for key, value in NOTICE.items():
        expected = "yes" if value == "y" else value
        assert rows[0][key] == expected, key
    assert rows[0]["property_street"] == prop.street and rows[0]["valid_until"] == "2031-11-22"


def test_another_residents_notice_cannot_be_renewed(client, home):
    other = factories.resident()
    other_prop = Property.get(Property.customer == other.customer)
    notice = CompostNotice.create(property=other_prop, request_key="x", notified_on=dt.date(2021, 12, 1),
                                  valid_until=dt.date(2026, 11, 30), **{k: v for k, v in NOTICE.items()
                                  if k not in ("confirm_disuse", "confirm_correct", "persons", "volume_l")},
                                  persons=2, volume_l=200, confirm_disuse=True, confirm_correct=True)
    assert client.get(f"/compost/new?renew={notice.id}").status_code == 404


@pytest.mark.parametrize("method, missing", [("phone", "phone"), ("email", "email")])
def test_the_chosen_contact_method_makes_its_field_required(client, home, method, missing):
    response = post_form(client, "/support/", {"category": "emptying", "subject": "Astia jäi tyhjentämättä",
                                               "body": "Tiistaina ei käynyt auto.", "contact_method": method,
                                               "email": "", "phone": "", "request_key": "s1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{missing}-error"' in page and "Tiistaina ei käynyt auto." in page


def test_a_message_thread_with_answer_note_and_reply(client, home):
    user, prop = home
    response = post_form(client, "/support/", {"property": prop.id, "category": "emptying",
                                               "subject": "Astia jäi tyhjentämättä", "body": "Tiistaina ei käynyt auto.",
                                               "contact_method": "email", "email": user.email, "phone": "",
                                               "request_key": "s1"})
    thread = SupportThread.get()
    assert response.headers["Location"] == f"/support/{thread.id}"
    assert Outbox.select().where(Outbox.kind == "support").count() == 1  # the confirmation
    from domain import support
    staff = factories.staff()
    with client.application.app_context():
        support.reply(thread, staff, "Auto käy huomenna.", from_staff=True)
        support.reply(thread, staff, "Soitin kuljettajalle", from_staff=True, internal=True)
    page = client.get(f"/support/{thread.id}").get_data(as_text=True)
    assert "Auto käy huomenna." in page and "Soitin kuljettajalle" not in page
    answers = Outbox.select().where(Outbox.kind == "decisions")
    assert [m.recipient for m in answers] == [user.email] and "Auto käy huomenna." in answers[0].body_text
    post_form(client, f"/support/{thread.id}", {"body": "Kiitos!"})
    assert SupportThread.get_by_id(thread.id).status == "open"
    assert SupportMessage.select().count() == 4


def test_csv_exports_neutralise_formulas_and_open_in_finnish_excel(client, home):
    _, prop = home
    notify(client, prop, first_name="=HYPERLINK(\"http://x\")", last_name="+1", phone="-2",
           composted="@SUM(A1)", extra_info="\tsisennys")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/compost/")})
    login(client, factories.staff().username)
    export = client.get("/staff/compost.csv").data
    assert export.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(export.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["first_name"] == "'=HYPERLINK(\"http://x\")"
    assert (rows[0]["last_name"], rows[0]["phone"], rows[0]["composted"]) == ("'+1", "'-2", "'@SUM(A1)")
    assert rows[0]["extra_info"] == "'\tsisennys"
    assert rows[0]["street"] == "Koivutie 1"  # ordinary text as it is
