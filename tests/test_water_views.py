"""Water pages: the limited session, reporting a reading, consumption, and 404s."""
import datetime as dt
import re

import pytest

from domain import price_list
from models.clock import HELSINKI, set_clock
from models import BillingCalendar, ConsumptionPoint, LoginAttempt, Meter, Reading, SupportThread
from tests import factories
from tests.conftest import csrf_token, login, post_form

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)


@pytest.fixture
def points(app):
    set_clock(NOW)
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2027)).execute()
    made = []
    for n in (1, 2):
        user = factories.resident()
        prop = user.customer.properties.get()
        point = ConsumptionPoint.create(number=f"10090{n}", property=prop, billing_group="1", persons=3)
        meter = Meter.create(point=point, number=f"2100090{n}", size="DN20",
                             installed_on=dt.date(2020, 1, 1), start_reading=100)
        Reading.create(meter=meter, read_on=dt.date(2025, 11, 20), value=500)
        Reading.create(meter=meter, read_on=dt.date(2026, 5, 20), value=550)
        made.append((user, point, meter))
    return made


def open_limited(client, number, meter):
    return post_form(client, "/water/access", {"point_number": number, "meter_number": meter})


def test_limited_session_reports_a_reading_and_sees_the_billing_date(client, points):
    _, point, meter = points[0]
    response = open_limited(client, point.number, meter.number)
    assert response.status_code == 303 and response.headers["Location"] == f"/water/points/{point.id}"
    page = post_form(client, f"/water/points/{point.id}/reading",
                     {"meter": meter.id, "value": "600", "day": "2026-11-23"}, page=f"/water/points/{point.id}")
    assert page.status_code == 303
    shown = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "seuraavassa laskussasi (laskutetaan 4.1.2027)" in shown  # group 1: Oct-Dec, billed 4.1.
    assert Reading.get(Reading.value == 600).reported_by is None


def test_limited_session_cannot_reach_any_other_point(client, points):
    (_, mine, meter), (_, other, other_meter) = points
    open_limited(client, mine.number, meter.number)
    for path in (f"/water/points/{other.id}", f"/water/points/{other.id}/reading",
                 f"/water/points/{other.id}/feedback"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, f"/water/points/{mine.id}")
    # A meter of another point cannot be smuggled into my own point's form either.
    response = client.post(f"/water/points/{mine.id}/reading", data={
        "csrf_token": token, "meter": other_meter.id, "value": "999", "day": "2026-11-23"})
    assert response.status_code == 404
    assert client.get("/properties/").status_code == 302  # no resident pages
    assert Reading.select().where(Reading.value == 999).count() == 0


def test_wrong_numbers_get_one_answer_and_are_throttled(client, points):
    _, point, meter = points[0]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    wrong_meter = open_limited(client, point.number, "123")
    unknown_point = open_limited(client, "999999", meter.number)
    assert wrong_meter.status_code == unknown_point.status_code == 422
    assert "do not match" in wrong_meter.get_data(as_text=True)
    for _ in range(10):
        open_limited(client, point.number, "000")
    throttled = open_limited(client, point.number, meter.number)
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    assert LoginAttempt.select().where(LoginAttempt.success == True).count() == 0  # noqa: E712


def test_a_lower_reading_is_refused_and_keeps_the_typed_value(client, points):
    user, point, meter = points[0]
    login(client, user.username)
    response = post_form(client, f"/water/points/{point.id}/reading",
                         {"meter": meter.id, "value": "540", "day": "2026-11-23"},
                         page=f"/water/points/{point.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "pienempi kuin edellinen, 550 m³ (20.5.2026)" in page
    assert 'value="540"' in page


def test_an_implausible_reading_needs_the_tick_and_is_flagged(client, points):
    user, point, meter = points[0]
    login(client, user.username)
    url = f"/water/points/{point.id}/reading"
    first = post_form(client, url, {"meter": meter.id, "value": "900", "day": "2026-11-23"},
                      page=f"/water/points/{point.id}")
    assert first.status_code == 422 and 'id="confirm"' in first.get_data(as_text=True)
    assert Reading.select().where(Reading.value == 900).count() == 0
    second = post_form(client, url, {"meter": meter.id, "value": "900", "day": "2026-11-23",
                                     "confirm": "y"}, page=f"/water/points/{point.id}")
    assert second.status_code == 303
    assert Reading.get(Reading.value == 900).status == "flagged"


def test_a_remote_read_meter_shows_the_explanation_instead_of_the_form(client, points):
    user, point, meter = points[0]
    Meter.update(kind="remote").where(Meter.id == meter.id).execute()
    login(client, user.username)
    page = client.get(f"/water/points/{point.id}").get_data(as_text=True)
    assert "lukee tämän mittarin etänä" in page and 'name="value"' not in page
    # The list of points offers no "report a reading" for it, but says why.
    listing = client.get("/water/").get_data(as_text=True)
    assert f"/water/points/{point.id}/reading" not in listing and "luetaan etänä" in listing
    assert "Mittarin lukema" in page and "Ilmoita lukema</h2>" not in page
    Meter.update(kind="mechanical").where(Meter.id == meter.id).execute()
    assert f"/water/points/{point.id}/reading" in client.get("/water/").get_data(as_text=True)


def test_consumption_by_period_as_htmx_fragment(client, points):
    user, point, _ = points[0]
    login(client, user.username)
    page = client.get(f"/water/points/{point.id}?by=year").get_data(as_text=True)
    assert "<svg" in page and "<table" in page
    rows = dict(re.findall(r'<th scope="row">(\d{4})</th><td class="num">([\d,]+)</td>', page))
    total = sum(float(v.replace(",", ".")) for v in rows.values())
    assert round(total, 1) == 450.0  # 100 -> 550 m³ over the readings
    fragment = client.get(f"/water/points/{point.id}?by=quarter",
                          headers={"HX-Request": "true", "HX-Target": "consumption"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section class="card" id="consumption"')


def test_resident_sees_only_own_points_and_feedback_is_stored(client, points):
    (alice, mine, _), (_, other, other_meter) = points
    login(client, alice.username)
    index = client.get("/water/").get_data(as_text=True)
    assert mine.number in index and other.number not in index
    assert client.get(f"/water/points/{other.id}").status_code == 404
    response = post_form(client, f"/water/points/{mine.id}/feedback",
                         {"message": "Kulutus näyttää suurelta", "email": ""})
    assert response.status_code == 303
    thread = SupportThread.get()
    assert (thread.point_id, thread.category) == (mine.id, "water")


def test_billing_calendar_for_the_residents_group(client, points):
    user, *_ = points[0]
    login(client, user.username)
    page = client.get("/water/billing-calendar").get_data(as_text=True)
    assert "Laskutusryhmä 1" in page
    assert "1.1.2026–31.3.2026" in page and "4.4.2026" in page and "26.4.2026" in page
    # The group says what it covers, and each period its reading week (the ISO week of the
    # last reporting day: 31.3.2026 is a Tuesday of week 14, 30.3.–5.4.).
    assert '<span class="subtitle">Kouvola</span>' in page
    assert "viikko 14 (30.3.2026–5.4.2026)" in page
    app = client.application
    app.config["BILLING_GROUP_NAMES"] = "1:Kaleva, Sompio;2:Ahjo"
    assert '<span class="subtitle">Kaleva, Sompio</span>' in client.get("/water/billing-calendar").get_data(as_text=True)


def test_a_resident_reports_a_replaced_meter_with_the_reading_form(client, points, app):
    user, point, meter = points[0]
    login(client, user.username)
    page = f"/water/points/{point.id}/reading"
    response = post_form(client, page, {"meter": meter.id, "value": "3", "day": "2026-11-20",
                                        "new_meter": "21999001", "final_value": "560"})
    assert response.status_code == 303
    old, new = Meter.get_by_id(meter.id), Meter.get(Meter.number == "21999001")
    assert old.removed_on == dt.date(2026, 11, 20) and (new.installed_on, new.start_reading) == (old.removed_on, 3)
    final = Reading.get((Reading.meter == meter.id) & (Reading.read_on == dt.date(2026, 11, 20)))
    assert (final.value, final.status, final.review_reason) == (560, "flagged", "meter_change")
    # A final reading below the previous one is refused and keeps what was typed.
    _, other_point, other_meter = points[1]
    client = app.test_client()
    login(client, points[1][0].username)
    refused = post_form(client, f"/water/points/{other_point.id}/reading",
                        {"meter": other_meter.id, "value": "3", "day": "2026-11-20", "new_meter": "21999002",
                         "final_value": "10"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'value="21999002"' in body and "550 m³" in body
    assert Meter.get_or_none(Meter.number == "21999002") is None


def test_staff_replace_a_meter_in_one_form(client, points):
    _, point, meter = points[0]
    staff = factories.staff()
    login(client, staff.username)
    url = f"/staff/points/{point.id}/meter-change"
    assert client.get(url).status_code == 200
    response = post_form(client, url, {"day": "2026-10-01", "final_value": "590", "new_meter": "21999003",
                                       "value": "0", "size": "DN20"})
    assert response.status_code == 303
    final = Reading.get((Reading.meter == meter.id) & (Reading.read_on == dt.date(2026, 10, 1)))
    assert (final.value, final.status) == (590, "accepted")
    assert Meter.get(Meter.number == "21999003").start_reading == 0
    assert post_form(client, url, {"day": "2026-10-01", "new_meter": "21999003", "value": "0"}).status_code == 422


def test_the_chart_has_axes_the_year_before_and_the_same_numbers_in_its_table(client, points):
    user, point, meter = points[0]
    login(client, user.username)
    page = client.get(f"/water/points/{point.id}?by=month").get_data(as_text=True)
    assert "Kulutus kuukausittain, 2026 ja 2025" in page
    assert '<th scope="col" class="num">2026, m³</th><th scope="col" class="num">2025, m³</th>' in page
    assert 'class="bar bar-this"' in page and 'class="bar bar-last"' in page and 'class="axis-label"' in page
    assert "Ennuste</span> Ennuste vuodelle 2026" in page
    # The table's months add up to what the readings in each year show the chart drew.
    cells = re.findall(r'<tr><th scope="row">(\d+)</th><td class="num">([\d,]+)</td><td class="num">([\d,]+)</td></tr>', page)
    assert len(cells) == 12


def test_a_years_months_add_up_to_the_year_as_shown(app, client):
    """85 m³ over 2025 by days: each month rounded on its own showed 84,9 m³ in the months
    and 85,0 in the year (audit #22, 19). By hand: 85 × 31/365 = 7,219, × 28/365 = 6,521,
    × 30/365 = 6,986; the year's 850 tenths are 845 rounded down plus five, to the four
    30-day months (remainder 0,086) and February (0,021): 7,2 ×7 + 6,6 + 7,0 ×4 = 85,0."""
    set_clock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=HELSINKI))
    with app.app_context():
        user = factories.resident(username="summamaija")
        prop = user.customer.properties.get()
        point = ConsumptionPoint.create(number="100885", property=prop, billing_group="1", persons=2)
        meter = Meter.create(point=point, number="21000885", size="DN20", installed_on=dt.date(2025, 1, 1),
                             start_reading=0)
        Reading.create(meter=meter, read_on=dt.date(2026, 1, 1), value=85)
    login(client, "summamaija")

    def cells(by):
        page = client.get(f"/water/points/{point.id}?by={by}").get_data(as_text=True)
        body = page.split('class="price-table"', 1)[1].split("</table>", 1)[0]
        return [re.findall(r'<td class="num">([^<]*)</td>', row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
                if "<td" in row]

    months = [row[0] for row in cells("month")]
    assert months == ["7,2", "6,6", "7,2", "7,0", "7,2", "7,0", "7,2", "7,2", "7,0", "7,2", "7,0", "7,2"]
    quarters = [row[0] for row in cells("quarter")]
    assert quarters == ["21,0", "21,2", "21,4", "21,4"]  # each the sum of its months as shown
    assert [row[0] for row in cells("year")] == ["85,0"]
