"""The waste basic fee per property and year, billed once whatever the mode (audit #22, 1
and 2). Price list: 32,00 € a dwelling a year for a permanent home, 16,00 € for a holiday
home. Every amount is computed by hand in the test's docstring."""
import datetime as dt
from decimal import Decimal

import pytest

from domain import billing_runs, invoicing, legacy_import, price_list
from models import BasicFeeBill, Customer, Emptying, Invoice, PriceListRow, Property
from tests import factories

pytestmark = pytest.mark.usefixtures("ctx")

OWN = invoicing.BillingSettings(basic_fee_billed_on=(2, 15), minimum_invoice=Decimal(10))
WITH_WASTE = invoicing.BillingSettings(basic_fee_billed_on=(2, 15), minimum_invoice=Decimal(10),
                                       basic_fee_with_waste=True)


@pytest.fixture(autouse=True)
def prices(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()


def fee_rows(customer):
    return sorted((r.meta["property"], r.period_start, r.amount, i.kind)
                  for i in Invoice.select().where(Invoice.customer == customer) for r in i.rows
                  if r.code == "waste_basic_fee")


def test_a_late_joiner_and_a_property_added_later_are_billed_pro_rata_on_invoices_of_their_own():
    """Default mode. Aino (from before) is billed 32,00 on 15.2.2027. Eero joins on 3.5.2027:
    May–December, 8 months: 32,00 × 8 / 12 = 21,333 → 21,33, by the waste run of 20.7. Aino
    adds an apartment building of 2 dwellings on 10.11.2027: November–December, 2 months:
    32,00 × 2 × 2 / 12 = 10,666 → 10,67, by the waste run of 20.1.2028, which does not bill
    2028 yet (its basic-fee day is 15.2.). On 15.2.2028 all three are billed a whole year:
    Aino 32,00 + 2 × 32,00 = 96,00, Eero 32,00."""
    aino = factories.customer()
    factories.property_(aino, street="KOIVUKUJA 9")
    billing_runs.run_due(dt.date(2027, 2, 15), OWN)
    eero = factories.customer()
    factories.property_(eero, street="UUSITIE 1", joined_on=dt.date(2027, 5, 3))
    billing_runs.run_due(dt.date(2027, 7, 20), OWN)
    assert fee_rows(eero) == [("UUSITIE 1", dt.date(2027, 5, 1), Decimal("21.33"), "basic_fee")]
    billing_runs.run_due(dt.date(2027, 10, 20), OWN)  # billed once
    assert len(fee_rows(eero)) == 1
    factories.property_(aino, street="ASEMATIE 2", building_type="apartment", dwellings=2,
                        joined_on=dt.date(2027, 11, 10))
    billing_runs.run_due(dt.date(2028, 1, 20), OWN)
    assert fee_rows(aino) == [("ASEMATIE 2", dt.date(2027, 11, 1), Decimal("10.67"), "basic_fee"),
                              ("KOIVUKUJA 9", dt.date(2027, 1, 1), Decimal("32.00"), "basic_fee")]
    billing_runs.run_due(dt.date(2028, 2, 15), OWN)
    fees_2028 = {c.id: sum(r[2] for r in fee_rows(c) if r[1].year == 2028) for c in (aino, eero)}
    assert fees_2028 == {aino.id: Decimal("96.00"), eero.id: Decimal("32.00")}
    page = Invoice.get((Invoice.customer == eero) & (Invoice.period_start == dt.date(2027, 5, 1)))
    assert page.total == Decimal("21.33") and page.kind == "basic_fee"


def test_on_the_waste_invoice_a_second_property_is_billed_too():
    """Fee on the waste invoice. Aino's home is billed 32,00 on the first waste invoice of
    2027 (20.1.); a holiday home added on 1.6.2027 pays June–December, 7 months: 16,00 × 7 /
    12 = 9,333 → 9,33 on the waste invoice of 20.7. with its emptying (2,84 + 3,95): 16,12.
    (The check was per customer, so it was never billed.)"""
    aino = factories.customer()
    home = factories.property_(aino, street="KOIVUKUJA 9")
    Emptying.create(contract=home.waste_contracts.get(), emptied_on=dt.date(2026, 12, 2), bin_count=1)
    billing_runs.run_due(dt.date(2027, 1, 20), WITH_WASTE)
    factories.property_(aino, street="RANTATIE 5", building_type="holiday_home", occupancy="holiday",
                        joined_on=dt.date(2027, 6, 1))
    Emptying.create(contract=home.waste_contracts.get(), emptied_on=dt.date(2027, 6, 9), bin_count=1)
    billing_runs.run_due(dt.date(2027, 7, 20), WITH_WASTE)
    assert fee_rows(aino) == [("KOIVUKUJA 9", dt.date(2027, 1, 1), Decimal("32.00"), "waste"),
                              ("RANTATIE 5", dt.date(2027, 6, 1), Decimal("9.33"), "waste")]
    july = Invoice.get((Invoice.customer == aino) & (Invoice.invoice_date == dt.date(2027, 7, 20)))
    assert july.total == Decimal("16.12") and july.kind == "waste"
    billing_runs.run_due(dt.date(2027, 10, 20), WITH_WASTE)
    assert len(fee_rows(aino)) == 2


def test_the_whole_year_when_pro_rata_is_off():
    settings = invoicing.BillingSettings(basic_fee_billed_on=(2, 15), basic_fee_pro_rata=False)
    billing_runs.run_due(dt.date(2027, 2, 15), settings)
    eero = factories.customer()
    factories.property_(eero, street="UUSITIE 1", joined_on=dt.date(2027, 9, 1))
    billing_runs.run_due(dt.date(2027, 10, 20), settings)
    assert fee_rows(eero) == [("UUSITIE 1", dt.date(2027, 1, 1), Decimal("32.00"), "basic_fee")]


SAMPLE_HEADER = ("id;customer_id;number;kind;invoice_date;due_date;period_start;period_end;total;status;"
                 "basic_fee_year\n")


@pytest.mark.parametrize("settings", [OWN, WITH_WASTE], ids=["own invoice", "on the waste invoice"])
def test_a_fee_the_previous_system_billed_is_billed_in_neither_mode(tmp_path, settings):
    """Audit #22, 2: the import records that the previous system billed the 2027 fee of
    Aino (a basic-fee invoice of its own, no rows) and of Eero (on a waste invoice, named by
    basic_fee_year); Kotipiha bills 2027 to Onni alone (32,00), in either mode, and 2028 to
    all three."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "customers.csv").write_text(
        "id;number;name;billing_street;billing_postal_code;billing_post_office\n"
        "A1;62-0000101-00;Aino Aalto;Koivukuja 9;45100;Kouvola\n"
        "A2;62-0000102-00;Eero Eka;Uusitie 1;45100;Kouvola\n"
        "A3;62-0000103-00;Onni Oja;Rantatie 5;45100;Kouvola\n", encoding="utf-8")
    (folder / "properties.csv").write_text(
        "id;customer_id;street;postal_code;post_office;municipality;collection_area;building_type\n"
        "K1;A1;Koivukuja 9;45100;Kouvola;Kouvola;Kouvola;detached\n"
        "K2;A2;Uusitie 1;45100;Kouvola;Kouvola;Kouvola;detached\n"
        "K3;A3;Rantatie 5;45100;Kouvola;Kouvola;Kouvola;detached\n", encoding="utf-8")
    (folder / "invoices.csv").write_text(
        SAMPLE_HEADER + "R1;A1;990001;basic_fee;8.1.2027;29.1.2027;1.1.2027;31.12.2027;32,00;paid;\n"
        "R2;A2;990002;waste;8.1.2027;29.1.2027;1.10.2026;31.12.2026;45,00;paid;2027\n", encoding="utf-8")
    report = legacy_import.import_folder(folder, today=dt.date(2027, 1, 12))
    assert report.rejected == 0, report.lines()
    onni = Customer.get(Customer.number == "62-0000103-00")
    billing_runs.run_due(dt.date(2027, 1, 20), settings)
    billing_runs.run_due(dt.date(2027, 2, 15), settings)
    billed = [(i.customer.number, r.amount) for i in Invoice.select().where(~Invoice.imported) for r in i.rows
              if r.code == "waste_basic_fee"]
    assert billed == [(onni.number, Decimal("32.00"))]
    assert BasicFeeBill.select().where(BasicFeeBill.year == 2027).count() == 3  # two imported, one ours
    billing_runs.run_due(dt.date(2028, 1, 20), settings)
    billing_runs.run_due(dt.date(2028, 2, 15), settings)
    assert BasicFeeBill.select().where(BasicFeeBill.year == 2028).count() == 3
    assert Property.select().count() == 3
