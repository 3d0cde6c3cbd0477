"""Disruption notices: published by staff for areas, billing groups or streets, shown on the
home screen of the residents they concern while in force, and told by their preferences."""
import datetime as dt

import pytest

from domain import disruptions, notifications
from models import ConsumptionPoint, DisruptionNotice, Outbox, PushSubscription, Property
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import csrf_token, login, post_form

pytestmark = pytest.mark.usefixtures("app")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)


@pytest.fixture
def residents():
    set_clock(NOW)
    in_area = factories.resident()  # the factory's property is in "Kouvola keskusta"
    Property.update(collection_area="Kotka", street="KOIVUKUJA 9 B").where(
        Property.customer == in_area.customer).execute()
    on_street = factories.resident()
    Property.update(collection_area="Iitti", street="MÄNTYTIE 4").where(
        Property.customer == on_street.customer).execute()
    in_group = factories.resident()
    prop = Property.get(Property.customer == in_group.customer)
    Property.update(collection_area="Pyhtää", street="RANTATIE 1").where(Property.id == prop.id).execute()
    ConsumptionPoint.create(number="100777", property=prop, billing_group="2", persons=2)
    nobody = factories.resident()  # another area, group and street: MÄNTYTIENKULMA is not MÄNTYTIE
    Property.update(collection_area="Mäntyharju", street="MÄNTYTIENKULMA 3").where(
        Property.customer == nobody.customer).execute()
    return in_area, on_street, in_group, nobody


def test_a_notice_reaches_exactly_the_residents_it_names_and_leaves_when_it_ends(client, residents):
    in_area, on_street, in_group, nobody = residents
    notifications.set_preference(on_street, "disruptions", False)  # email off for this one
    staff = factories.staff()
    login(client, staff.username)
    bad = post_form(client, "/staff/notices", {"kind": "water_cut", "title": "Vesikatko", "body": "Huoltotyö",
                                               "starts_on": "2026-11-23", "ends_on": "2026-11-24"})
    assert bad.status_code == 422 and "Nimeä vähintään yksi" in bad.get_data(as_text=True)
    response = post_form(client, "/staff/notices", {
        "kind": "water_cut", "title": "Vesikatko Kotkassa", "body": "Vesi on poikki klo 9–15.",
        "collection_areas": "Kotka", "billing_groups": "2", "streets": "Mäntytie 12",
        "starts_on": "2026-11-23", "ends_on": "2026-11-24"})
    assert response.status_code == 303
    notice = DisruptionNotice.get()
    assert notice.streets == "MÄNTYTIE"
    told = {u.email for u in disruptions.affected_users(notice)}
    # The notice names Kotka (an area), group 2 and MÄNTYTIE (a street, numbers dropped).
    assert told == {in_area.email, on_street.email, in_group.email}
    mailed = {m.recipient for m in Outbox.select().where(Outbox.kind == "disruptions")}
    assert mailed == {in_area.email, in_group.email}  # on_street turned email off
    body = Outbox.get(Outbox.recipient == in_area.email).body_text
    assert "Vesikatko: Vesikatko Kotkassa" in body and "Vesi on poikki klo 9–15." in body
    for user, shown in ((in_area, True), (on_street, True), (in_group, True), (nobody, False)):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
        login(client, user.username)
        page = client.get("/properties/", follow_redirects=True).get_data(as_text=True)
        assert ("Vesikatko Kotkassa" in page) is shown, user.email
    set_clock(NOW + dt.timedelta(days=2))  # 25.11.: the notice ended on the 24th
    assert "Vesikatko Kotkassa" not in client.get("/properties/", follow_redirects=True).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client, in_area.username)
    assert "Vesikatko Kotkassa" not in client.get("/properties/", follow_redirects=True).get_data(as_text=True)


def test_staff_end_a_notice_and_the_rules_of_its_dates(client, residents, app):
    staff = factories.staff()
    with app.app_context():
        notice, _told = disruptions.publish(staff, disruptions.Draft(
            "route_delay", "Reitti myöhässä", "Tyhjennykset myöhästyvät päivällä.", ["Kotka"], [], [],
            dt.date(2026, 11, 23), dt.date(2026, 11, 30)), today=dt.date(2026, 11, 23))
    assert [n.id for n in disruptions.in_force_for(residents[0], dt.date(2026, 11, 23))] == [notice.id]
    login(client, staff.username)
    post_form(client, f"/staff/notices/{notice.id}/end", {}, page="/staff/notices")
    assert DisruptionNotice.get_by_id(notice.id).ends_on == dt.date(2026, 11, 23)
    assert disruptions.in_force_for(residents[0], dt.date(2026, 11, 24)) == []
    for start, end, code in ((dt.date(2026, 11, 25), dt.date(2026, 11, 24), "end_before_start"),
                             (dt.date(2026, 11, 1), dt.date(2026, 11, 2), "notice_in_past"),
                             (dt.date(2026, 11, 23), dt.date(2028, 1, 1), "notice_too_long")):
        with pytest.raises(disruptions.FieldError) as error, app.app_context():
            disruptions.publish(staff, disruptions.Draft("other", "x", "y", ["Kotka"], [], [], start, end),
                                today=dt.date(2026, 11, 23))
        assert error.value.code == code
    assert PushSubscription.select().count() == 0  # nobody had a device: nothing was pushed
