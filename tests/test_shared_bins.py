"""Shared bins (jätekimppa): invitations, confirmation, the contact person, customer
service's approval, the members' calendars and their shares on the waste invoices."""
import datetime as dt
from fractions import Fraction
from decimal import Decimal

import pytest

from domain import billing_runs, price_list, schedule, shared_bins, waste
from domain.errors import FieldError
from domain.invoicing import BillingSettings
from models import (Emptying, Invoice, Outbox, PriceListRow, Property, SharedBin, SharedBinMember, User, WasteContract,
                    WasteOrder)
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import csrf_token, login, post_form

TODAY = dt.date(2026, 11, 24)
WASTE = waste.WasteSettings()
NEAR = shared_bins.SharedBinSettings()


@pytest.fixture
def street(app):
    """Three neighbours in Kotka's centre, and one across town."""
    set_clock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=HELSINKI))
    PriceListRow.insert_many(price_list.price_rows()).execute()
    users = []
    for n in range(3):
        user = factories.resident(with_property=False)
        factories.property_(user.customer, street=f"SATAMATIE {n + 1}", collection_area="Kotka keskusta",
                            municipality="Kotka", postal_code="48100", post_office="KOTKA")
        users.append(user)
    far = factories.customer()
    factories.property_(far, street="KAUKATIE 9", collection_area="Kotka", municipality="Kotka")
    props = [Property.get(Property.customer == u.customer) for u in users]
    return users, props, far


def invites(props):
    return [(p.customer.number, p.street.title()) for p in props]


def begin(users, props, **changes):
    kwargs = dict(waste_type="glass", bin_size=240, interval=8, start_date=dt.date(2026, 12, 7),
                  invites=invites(props[1:]), today=TODAY, waste_settings=WASTE, settings=NEAR)
    return shared_bins.start(users[0], props[0], **{**kwargs, **changes})


def test_invitations_are_checked(street, ctx):
    users, props, far = street
    with pytest.raises(FieldError) as error:
        begin(users, props, invites=[(props[1].customer.number, "Väärätie 1")])
    assert error.value.code == "invite_unknown"
    far_prop = Property.get(Property.customer == far)
    with pytest.raises(FieldError) as error:
        begin(users, props, invites=[(far.number, far_prop.street)])
    assert error.value.code == "invite_too_far"  # another collection area
    with pytest.raises(FieldError) as error:
        begin(users, props, invites=[(props[0].customer.number, props[0].street)])
    assert error.value.code == "invite_needed"  # only the host itself
    with pytest.raises(FieldError) as error:
        begin(users, props, interval=2)
    assert error.value.code == "interval_choice"  # glass: 4–12 weeks


def test_from_invitation_to_approval_calendars_and_shares(street, ctx):
    users, props, _far = street
    shared = begin(users, props)
    host, first, second = shared_bins.members(shared)
    invited = Outbox.get(Outbox.recipient == users[1].email)
    assert invited.subject == "Naapuri kutsuu sinut jätekimppaan" and f"/shared-bins/{shared.id}" in invited.body_text
    assert host.is_contact and host.status == "confirmed" and {first.status, second.status} == {"invited"}
    with pytest.raises(FieldError) as error:
        shared_bins.submit(users[0], shared)
    assert error.value.code == "shared_needs_member"
    shared_bins.answer(users[1], shared_bins.membership(shared, users[1]), accept=True)
    shared_bins.answer(users[2], shared_bins.membership(shared, users[2]), accept=True)
    with pytest.raises(FieldError) as error:
        shared_bins.submit(users[1], shared)
    assert error.value.code == "contact_only"
    shared_bins.submit(users[0], shared)
    # A member's own glass bin ends the day before the shared one starts.
    own = WasteContract.create(property=props[2], waste_type="glass", bin_size=140, interval_weeks=8,
                               route_weekday=1, start_date=dt.date(2025, 1, 6))
    shared_bins.decide(SharedBin.get_by_id(shared.id), factories.staff(), approve=True, route_weekday=3)
    shared = SharedBin.get_by_id(shared.id)
    assert shared.status == "approved" and shared.contract.property_id == props[0].id
    end = WasteOrder.get((WasteOrder.contract == own) & (WasteOrder.kind == "termination"))
    assert (end.status, end.effective_date) == ("approved", dt.date(2026, 12, 7))
    for prop in props:  # every member's calendar has the shared bin's emptyings
        plans = schedule.plans_for(waste.property_contracts(prop))
        days = [e.day for e in schedule.emptyings_of(plans, dt.date(2026, 12, 1), dt.date(2027, 3, 31))
                if e.contract_id == shared.contract_id]
        assert days == [dt.date(2026, 12, 10), dt.date(2027, 2, 4)]  # Thursdays, every 8 weeks
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == own.id))
    assert schedule.planned_emptyings(plan, dt.date(2026, 12, 7), dt.date(2027, 6, 1)) == []

    # Shares: 50 / 25 / 25 set by the contact person; equal again when someone leaves.
    rows = shared_bins.members(shared)
    with pytest.raises(FieldError) as error:
        shared_bins.set_shares(users[0], shared, {rows[0].id: "50", rows[1].id: "25", rows[2].id: "20"})
    assert error.value.code == "shares_sum" and error.value.values["total"] == Decimal("95.00")
    shared_bins.set_shares(users[0], shared, {rows[0].id: "50", rows[1].id: "25", rows[2].id: "25,0"})
    emptying = Emptying.create(contract=shared.contract, emptied_on=dt.date(2026, 12, 10), bin_count=1)
    billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20),
                           BillingSettings(minimum_invoice=Decimal(0)))
    # 240 L glass: 4,90 € an emptying, no treatment fee. 0,5 × 4,90 = 2,45; 0,25 × 4,90 =
    # 1,225 twice: rounded down 1,22 + 1,22, and the cent left goes round: on emptying n the
    # order starts from member n mod 3 (0 → A B C, 1 → B C A, 2 → C A B); the first of B, C wins.
    amounts = {i.customer_id: i.total for i in Invoice.select()}
    b, c = (Decimal("1.22"), Decimal("1.23")) if emptying.id % 3 == 2 else (Decimal("1.23"), Decimal("1.22"))
    assert amounts == {props[0].customer_id: Decimal("2.45"), props[1].customer_id: b, props[2].customer_id: c}
    assert sum(amounts.values()) == Decimal("4.90")  # what the bin cost, to the cent
    row = Invoice.get(Invoice.customer == props[1].customer_id).rows.get()
    assert row.quantity == Decimal("0.250") and row.meta["shared"] is True

    member = shared_bins.membership(shared, users[2])
    with pytest.raises(FieldError) as error:
        shared_bins.leave(users[0], shared_bins.membership(shared, users[0]), last_day=TODAY, today=TODAY)
    assert error.value.code == "contact_leaves"
    shared_bins.leave(users[2], member, last_day=dt.date(2027, 1, 31), today=TODAY)
    shared = SharedBin.get_by_id(shared.id)
    assert shared.split == "equal"
    rows = shared_bins.members(shared)
    history = shared_bins.share_history(shared)  # the 50/25/25 stay in force up to the last day
    assert shared_bins.shares_on(dt.date(2027, 1, 31), shared, rows, history)[props[2].customer_id] == Fraction(1, 4)
    later = shared_bins.shares_on(dt.date(2027, 2, 4), shared, rows, history)
    assert set(later) == {props[0].customer_id, props[1].customer_id} and later[props[1].customer_id] == Fraction(1, 2)

    shared_bins.hand_over(users[0], shared, shared_bins.membership(shared, users[1]))
    assert shared_bins.membership(shared, users[1]).is_contact
    assert not shared_bins.membership(shared, users[0]).is_contact


def test_the_pages(client, street):
    users, props, _far = street
    login(client, users[0].username)
    page = f"/properties/{props[0].id}/shared-bins/new"
    bad = post_form(client, page, {"waste_type": "mixed", "bin_size": "240", "interval": "2",
                                   "start_date": "7.12.2026", "invites": "62-9999999-00 Ei Ole 1"})
    assert bad.status_code == 422 and "Ei Ole 1" in bad.get_data(as_text=True)
    lines = "\n".join(f"{n} {s}" for n, s in invites(props[1:]))
    made = post_form(client, page, {"waste_type": "mixed", "bin_size": "240", "interval": "2",
                                    "start_date": "7.12.2026", "invites": lines}, page=page)
    assert made.status_code == 303
    shared = SharedBin.get()
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/shared-bins/{shared.id}")})
    login(client, users[1].username)
    home = client.get(f"/properties/{props[1].id}").get_data(as_text=True)
    assert "Sinut on kutsuttu: vastaa kutsuun" in home
    answered = post_form(client, f"/shared-bins/{shared.id}/answer", {"answer": "yes"}, page=f"/shared-bins/{shared.id}")
    assert answered.status_code == 303
    refused = post_form(client, f"/shared-bins/{shared.id}/submit", {}, page=f"/shared-bins/{shared.id}")
    assert refused.status_code == 422 and "Vain yhteyshenkilö" in refused.get_data(as_text=True)
    outsider = factories.resident()
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/shared-bins/{shared.id}")})
    login(client, outsider.username)
    assert client.get(f"/shared-bins/{shared.id}").status_code == 404
    assert User.select().count() == 4 and SharedBinMember.select().count() == 3


def test_a_neighbour_is_invited_by_number_and_address_both(street, ctx):
    """Audit #22, 11: a number alone named a neighbour and showed their address."""
    users, props, far = street
    for alone in ((props[1].customer.number, ""), ("", "Satamatie  2"), (far.number, "")):
        with pytest.raises(FieldError) as error:
            begin(users, props, invites=[alone])
        assert error.value.code == "invite_unknown"
    shared = begin(users, props, invites=[(props[1].customer.number, "Satamatie  2")])
    assert {m.property_id for m in shared_bins.members(shared)} == {props[0].id, props[1].id}


def test_no_answer_shows_what_the_inviter_did_not_type_and_guessing_is_throttled(client, street):
    users, props, far = street
    far_prop = Property.get(Property.customer == far)
    login(client, users[0].username)
    page = f"/properties/{props[0].id}/shared-bins/new"
    form = {"waste_type": "mixed", "bin_size": "240", "interval": "2", "start_date": "7.12.2026"}
    alone = post_form(client, page, {**form, "invites": props[1].customer.number}).get_data(as_text=True)
    assert "SATAMATIE 2" not in alone.upper() and props[1].customer.number in alone
    too_far = post_form(client, page, {**form, "invites": f"{far.number} kaukatie 9"})
    text = too_far.get_data(as_text=True)
    assert too_far.status_code == 422 and "kaukatie 9 is not a neighbour" in text.replace("ei ole naapuri", "is not a neighbour")
    assert far_prop.street not in text  # the address as typed, not as stored
    for n in range(10):  # wrong pairs for one customer number count like registration's
        post_form(client, page, {**form, "invites": f"{props[1].customer.number} Satamatie {10 + n}"})
    throttled = post_form(client, page, {**form, "invites": f"{props[1].customer.number} Satamatie 2"})
    assert throttled.status_code == 422 and SharedBin.select().count() == 0
    assert "Liian monta epäonnistunutta yritystä" in throttled.get_data(as_text=True)


def test_each_members_share_is_billed_once_when_that_member_is_billed(street, ctx):
    """A share under the minimum invoice waits for the member's next run, however the other
    members were billed; and nobody pays a share twice."""
    users, props, _far = street
    shared = begin(users, props)
    for user in users[1:]:
        shared_bins.answer(user, shared_bins.membership(shared, user), accept=True)
    shared_bins.submit(users[0], shared)
    shared_bins.decide(SharedBin.get_by_id(shared.id), factories.staff(), approve=True, route_weekday=3)
    shared = SharedBin.get_by_id(shared.id)
    bin_emptying = Emptying.create(contract=shared.contract, emptied_on=dt.date(2026, 12, 10), bin_count=1)
    own = props[0].waste_contracts.where(WasteContract.waste_type == "mixed").get()
    for day in (dt.date(2026, 12, 2), dt.date(2026, 12, 16)):  # the host's own bin: 2 × 6,79 €
        Emptying.create(contract=own, emptied_on=day, bin_count=1)
    quarter = (dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20))
    billing_runs.run_waste(*quarter, BillingSettings(minimum_invoice=Decimal(10)))
    first = {i.customer_id: i.total for i in Invoice.select()}
    # Thirds of 4,90 are 1,633…: 1,63 each and the cent left to the first in turn (emptying
    # n starts from member n mod 3: 0 → A, 1 → B, 2 → C), so the parts add up to 4,90.
    cents = [Decimal("1.63")] * 3
    cents[bin_emptying.id % 3] = Decimal("1.64")
    # host: 13,58 (2 × 6,79) + its part; the others' parts wait (under the minimum)
    assert first == {props[0].customer_id: Decimal("13.58") + cents[0]}
    billing_runs.run_waste(dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2027, 4, 20),
                           BillingSettings(minimum_invoice=Decimal(1)))
    totals = sorted((i.customer_id, i.total) for i in Invoice.select())
    assert totals == sorted([(props[0].customer_id, Decimal("13.58") + cents[0]), (props[1].customer_id, cents[1]),
                             (props[2].customer_id, cents[2])])  # the host is not billed again
    billing_runs.run_waste(dt.date(2027, 4, 1), dt.date(2027, 6, 30), dt.date(2027, 7, 20),
                           BillingSettings(minimum_invoice=Decimal(0)))
    assert Invoice.select().count() == 3


# -- audit #22, 3 and 4: shares add up to the bin's price, by the day of each emptying ----------

def approved_bin(users, props, *, bin_size=240, price=None, percents=None, start=dt.date(2026, 1, 5)):
    """An approved shared bin of the three neighbours (A the host and contact person, B, C),
    made as customer service's approval leaves it; `price` is an emptying's price (bin
    emptying only) of a bin size of its own."""
    if price is not None:
        PriceListRow.create(component="bin_emptying", waste_type="mixed", bin_size=bin_size, unit="emptying",
                            unit_price=price, vat_rate=Decimal("25.5"), valid_from=dt.date(2020, 1, 1))
    contract = WasteContract.create(property=props[0], waste_type="mixed", bin_size=bin_size, bin_count=1,
                                    interval_weeks=2, route_weekday=2, start_date=start)
    shared = SharedBin.create(host=props[0], waste_type="mixed", bin_size=bin_size, interval_weeks=2,
                              start_date=start, status="approved", contract=contract)
    for n, prop in enumerate(props):
        SharedBinMember.create(shared_bin=shared, property=prop, customer=prop.customer_id, status="confirmed",
                               is_contact=n == 0)
    if percents:
        rows = shared_bins.members(shared)
        shared_bins.set_shares(users[0], shared, {m.id: str(p) for m, p in zip(rows, percents)}, today=start)
    return SharedBin.get_by_id(shared.id)


def bill_quarter(minimum="0"):
    billing_runs.run_waste(dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 20),
                           BillingSettings(minimum_invoice=Decimal(minimum)))
    return {i.customer_id: i.total for i in Invoice.select()}


def test_equal_thirds_of_a_bin_add_up_to_its_price_to_the_cent(street, ctx):
    """Twelve emptyings of a 240 L mixed waste bin at 2,84 + 3,95 = 6,79 € cost 81,48 €; thirds
    were billed 3 × 27,13 € (9 cents lost). By hand: 2,84 / 3 = 0,946…: 0,94 each and two
    cents to the first two in turn; 3,95 / 3 = 1,316…: 1,31 each and two cents likewise. So
    on each emptying two members pay 2,27 and the last in turn 2,25; the turn starts from
    member n mod 3 on emptying n, so over twelve consecutive emptyings each member is last
    four times: 8 × 2,27 + 4 × 2,25 = 27,16 each, and 3 × 27,16 = 81,48."""
    users, props, _far = street
    shared = approved_bin(users, props)
    for week in range(12):
        Emptying.create(contract=shared.contract, emptied_on=dt.date(2026, 1, 7) + dt.timedelta(weeks=week),
                        bin_count=1)
    amounts = bill_quarter()
    assert amounts == {p.customer_id: Decimal("27.16") for p in props}


def test_fifty_thirty_twenty_percent_of_a_bin_add_up_to_its_price(street, ctx):
    """88,27 € in 50/30/20 %: 44,135, 26,481, 17,654 → 44,13 + 26,48 + 17,65 = 88,26 and the
    cent left to the largest remainder (0,5 of a cent, A): 44,14 + 26,48 + 17,65 = 88,27.
    It was billed 44,14 + 26,49 + 17,65 = 88,28 (a cent created)."""
    users, props, _far = street
    shared = approved_bin(users, props, bin_size=600, price=Decimal("88.27"), percents=(50, 30, 20))
    Emptying.create(contract=shared.contract, emptied_on=dt.date(2026, 2, 4), bin_count=1)
    amounts = bill_quarter()
    assert amounts == {props[0].customer_id: Decimal("44.14"), props[1].customer_id: Decimal("26.48"),
                       props[2].customer_id: Decimal("17.65")}


def test_each_emptying_is_billed_with_the_members_and_shares_of_its_day(street, ctx):
    """50/25/25, C leaves after 11.2.2026: the two emptyings up to it (24,00 € each) are
    A 12,00 + B 6,00 + C 6,00 each, the two after it A 12,00 + B 12,00 each; all billed on
    20.4. By hand: A 48,00, B 36,00, C 12,00 (it was 39,98 / 39,98 / 15,98, the leaving
    member's exit turning every emptying into equal thirds)."""
    users, props, _far = street
    shared = approved_bin(users, props, bin_size=600, price=Decimal("24.00"), percents=(50, 25, 25))
    member_c = shared_bins.membership(shared, users[2])
    shared_bins.leave(users[2], member_c, last_day=dt.date(2026, 2, 11), today=dt.date(2026, 1, 20))
    assert SharedBin.get_by_id(shared.id).split == "equal"  # from now on, shown as equal halves
    for day in (dt.date(2026, 1, 28), dt.date(2026, 2, 11), dt.date(2026, 2, 25), dt.date(2026, 3, 11)):
        Emptying.create(contract=shared.contract, emptied_on=day, bin_count=1)
    amounts = bill_quarter()
    assert amounts == {props[0].customer_id: Decimal("48.00"), props[1].customer_id: Decimal("36.00"),
                       props[2].customer_id: Decimal("12.00")}
