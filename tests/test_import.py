"""Importing the previous system's CSV files (`flask import`, domain/legacy_import.py)."""
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from demo.legacy_csv import write_export
from domain import billing_runs, customers, invoicing, legacy_import, payments, price_list
from domain.bankfiles import BankPayment
from models import (ALL_MODELS, BillingCalendar, CompostNotice, ConsumptionPoint, Credit, Customer, Emptying,
                    ImportRecord, Invoice, Meter, PriceListRow, Property, Reading, User, WasteContract)
from tests import factories
from tests.conftest import post_form

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "import-sample"
TODAY = dt.date(2026, 11, 24)
SETTINGS = invoicing.BillingSettings(credit_refund_threshold=Decimal(200), minimum_invoice=Decimal(10))


def counts() -> dict:
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def run(folder, **kwargs):
    return legacy_import.import_folder(folder, today=TODAY, **kwargs)


def by_file(report) -> dict:
    return {f.name: (f.read, f.created, f.updated, f.unchanged, len(f.rejected)) for f in report.files}


def test_the_sample_set_imports_into_an_empty_instance(ctx):
    report = run(SAMPLE)
    assert report.rejected == 0, report.lines()
    assert (Customer.select().count(), Property.select().count(), WasteContract.select().count(),
            ConsumptionPoint.select().count(), Meter.select().count(), Reading.select().count(),
            Invoice.select().count(), CompostNotice.select().count()) == (3, 3, 3, 2, 2, 3, 9, 1)
    # asiakkaat.csv is Windows-1252 with Finnish headers and ';'.
    liisa = Customer.get(Customer.number == "62-0100100-00")
    assert (liisa.name, liisa.billing_street, liisa.language) == ("Liisa Mäkelä", "KOIVUKUJA 3", "fi")
    assert Customer.get(Customer.name == "Stig Lindqvist").language == "sv"
    cafe = Customer.get(Customer.name == "Kahvila Kuppi Oy")
    assert cafe.kind == "business" and cafe.number == f"62-{cafe.id:07d}-00"  # none in the file: Kotipiha's
    home = Property.get(Property.street == "KOIVUKUJA 3")
    assert [(c.waste_type, c.bin_size, c.interval_weeks, c.route_weekday) for c in
            home.waste_contracts.order_by(WasteContract.id)] == [("mixed", 240, 4, 1), ("bio", 140, 2, 1)]
    assert Property.get(Property.street == "STRANDVÄGEN 5").occupancy == "holiday"
    # The open balance: 99,20 billed, 49,20 still open -> 50,00 paid.
    q2 = Invoice.get(Invoice.number == "880003")
    assert (q2.status, q2.paid_amount, q2.imported) == ("open", Decimal("50.00"), True)
    assert q2.reference == "8800037"  # 880003 with its check digit: 3·7 + 0 + 0 + 0 + 8·3 + 8·1 = 53 -> 7
    assert Invoice.get(Invoice.number == "880004").paid_amount == 0
    assert Invoice.get(Invoice.number == "880001").balanced_reading.value == 1480
    notice = CompostNotice.get()
    assert (notice.property_id, notice.valid_until, notice.composter_type) == (
        home.id, dt.date(2028, 5, 11), "insulated_food")


def test_the_first_billing_run_starts_where_the_previous_system_stopped(ctx):
    run(SAMPLE)
    PriceListRow.insert_many(price_list.price_rows()).execute()
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2027)).execute()
    liisa_point = ConsumptionPoint.get(ConsumptionPoint.number == "300400")
    stig_point = ConsumptionPoint.get(ConsumptionPoint.number == "300401")
    # Liisa reports 1600 on 15.9.2026; the old system balanced to 1480 on 10.12.2025.
    Reading.create(meter=liisa_point.meters.get(), read_on=dt.date(2026, 9, 15), value=1600)
    done = billing_runs.run_water(dt.date(2026, 10, 4), SETTINGS)
    assert done.invoices == 2
    liisa = Invoice.get(Invoice.billing_key == f"water:{liisa_point.id}:2026-07-01")
    rows = list(liisa.rows)
    assert sum(r.quantity for r in rows if r.code == "water_actual") == 120  # 1480 -> 1600
    # The m³ the old invoices billed as estimates after 10.12.2025 (laskut.csv), deducted once.
    deducted = -sum(r.quantity for r in rows if r.code == "water_estimate_deduction")
    assert deducted == Decimal("7.233") + Decimal("29.589") + Decimal("29.918")
    assert [(r.period_start, r.quantity) for r in rows if r.code == "water_basic_fee"] == [(dt.date(2026, 7, 1), 3)]
    # Stig has no reading since the old system's: estimates from the day after its last period.
    stig = Invoice.get(Invoice.billing_key == f"water:{stig_point.id}:2026-07-01")
    estimates = [r for r in stig.rows if r.code == "water_estimate"]
    assert min(r.period_start for r in estimates) == dt.date(2026, 7, 1)
    assert not [r for r in stig.rows if r.code == "water_actual"]
    # Numbering continues after the previous system's largest number (880009).
    assert {liisa.number, stig.number} == {"880010", "880011"}
    # The waste basic fee of 2027: one invoice per customer, the café's six dwellings.
    fees = billing_runs.run_basic_fees(2027, dt.date(2027, 2, 15), SETTINGS)
    assert fees.invoices == 3
    cafe = Invoice.get((Invoice.kind == "basic_fee") & ~Invoice.imported &
                       (Invoice.customer == Customer.get(Customer.name == "Kahvila Kuppi Oy")))
    assert [r.quantity for r in cafe.rows] == [6]


def test_a_payment_to_an_imported_reference_is_matched(ctx):
    run(SAMPLE)
    payments.import_payments([BankPayment(dt.date(2026, 11, 20), Decimal("49.20"), "8800037", "MÄKELÄ LIISA",
                                          "archive-1")], "csv")
    assert Invoice.get(Invoice.number == "880003").status == "paid"


def test_an_imported_customer_registers_with_the_latest_imported_invoice_number(app, client):
    with app.app_context():
        run(SAMPLE)
    data = {"customer_number": "62-0100100-00", "first_name": "Liisa", "last_name": "Mäkelä",
            "phone": "040 1234567", "email": "liisa.makela@example.fi", "username": "liisa",
            "password": "kompostori ja kissa", "confirm": "kompostori ja kissa", "terms": "y"}
    old = post_form(client, "/register", {**data, "invoice_number": "880001"})
    assert old.status_code == 422  # an older invoice of the previous system
    # 880004 is her latest waste invoice (20.7.2026), 880003 her latest water invoice.
    response = post_form(client, "/register", {**data, "invoice_number": "880004"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "KOIVUKUJA 3" in page
    with app.app_context():
        assert User.get(User.username == "liisa").customer.number == "62-0100100-00"


def test_a_dry_run_writes_nothing_and_reports_what_the_real_run_does(ctx):
    before = counts()
    dry = run(SAMPLE, dry_run=True)
    assert counts() == before
    real = run(SAMPLE)
    assert by_file(dry) == by_file(real)
    assert "would create" in dry.lines()[-1] and "nothing was written" in dry.lines()[0]
    assert by_file(real)["laskut.csv"] == (9, 9, 0, 0, 0)


def test_a_second_run_changes_nothing_and_a_corrected_file_updates_but_keeps_kotipihas_changes(ctx, tmp_path):
    run(SAMPLE)
    before = counts()
    again = run(SAMPLE)
    assert counts() == before
    assert sum(f.created + f.updated for f in again.files) == 0
    assert sum(f.unchanged for f in again.files) == 26
    # Since the import Liisa moved her invoices to another address, and paid her open invoice.
    liisa = Customer.get(Customer.number == "62-0100100-00")
    customers.update_billing_address(factories.staff(), liisa, name="LIISA MÄKELÄ", street="Postilokero 12",
                                     postal_code="45101", post_office="Kouvola")
    payments.import_payments([BankPayment(dt.date(2026, 11, 20), Decimal("49.20"), "8800037", None, "a-1")], "csv")
    before = counts()
    # The corrected export: a new phone and (older) billing street for her, another open balance.
    folder = tmp_path / "corrected"
    shutil.copytree(SAMPLE, folder)
    path = folder / "asiakkaat.csv"
    text = path.read_bytes().decode("cp1252")
    text = text.replace("040 1234567;LIISA MÄKELÄ;Koivukuja 3", "040 7777777;LIISA MÄKELÄ;Koivukuja 3 B")
    path.write_bytes(text.encode("cp1252"))
    (folder / "avoimet_saatavat.csv").write_text("lasku;avoin_summa\r\nR702;20,00\r\nR703;64,35\r\n")
    report = run(folder)
    liisa = Customer.get_by_id(liisa.id)
    assert liisa.phone == "040 7777777"  # only the file changed it: updated
    assert liisa.billing_street == "POSTILOKERO 12"  # she changed it in Kotipiha: kept
    q2 = Invoice.get(Invoice.number == "880003")
    assert (q2.paid_amount, q2.status) == (Decimal("99.20"), "paid")  # the payment is kept
    kept = "\n".join(report.lines())
    assert "asiakkaat.csv:2: kept: billing_street 'POSTILOKERO 12'" in kept
    assert "laskut.csv:4: kept: paid_amount" in kept
    assert by_file(report)["asiakkaat.csv"] == (3, 0, 1, 2, 0)
    assert counts() == before
    # The same corrected files once more: nothing to do, nothing reported as kept again.
    third = run(folder)
    assert sum(f.updated for f in third.files) == 0 and not any(f.kept for f in third.files)


def write(folder: Path, name: str, text: str, encoding="utf-8-sig") -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))


def test_bad_rows_are_rejected_with_file_line_and_reason_and_the_rest_imported(ctx, tmp_path):
    """English headers, ',' and a byte-order mark; every row that fails says why."""
    folder = tmp_path / "export"
    write(folder, "customers.csv", "id,number,name,billing_street,billing_postal_code,billing_post_office,email\n"
                                   "C1,62-0000001-00,Aino Aalto,Kuja 1,45100,Kouvola,aino@example.fi\n"
                                   "C2,62-0000001-00,Eero Eka,Kuja 2,45100,Kouvola,\n"
                                   "C3,,Bad Email,Kuja 3,45100,Kouvola,not-an-address\n"
                                   "C1,,Again,Kuja 4,45100,Kouvola,\n"
                                   "C5,12345,Wrong Number,Kuja 5,45100,Kouvola,\n"
                                   "\n")
    write(folder, "properties.csv", "id,customer_id,street,postal_code,post_office,municipality,"
                                    "collection_area,building_type\n"
                                    "P1,C1,Kuja 1,45100,Kouvola,Kouvola,Kouvola,detached\n"
                                    "P2,C9,Kuja 9,45100,Kouvola,Kouvola,Kouvola,detached\n"
                                    "P3,C1,Kuja 1,45100,Kouvola,Kouvola,Kouvola,castle\n")
    write(folder, "meters.csv", "id,point_id,number,size,serial,installed_on\n")
    write(folder, "invoices.csv", "id,customer_id,number,reference,kind,invoice_date,due_date,total,status\n"
                                  "I1,C1,100,1231,waste,1.2.2026,22.2.2026,\"12,50\",paid\n"
                                  "I2,C1,101,,waste,31.2.2026,22.3.2026,10.00,paid\n"
                                  "I3,C1,102,,water,1.2.2026,22.2.2026,10.001,open\n"
                                  "I4,C1,103,,waste,1.2.2026,22.2.2026,15.00,open\n")
    write(folder, "open_balances.csv", "invoice_id,open_amount\nI4,20.00\nI9,1.00\n")
    report = run(folder)
    text = "\n".join(report.lines())
    for expected in ("customers.csv:3: rejected: number 62-0000001-00 is on line 2 already",
                     "customers.csv:4: rejected: email: not an email address: 'not-an-address'",
                     "customers.csv:5: rejected: id 'C1' is on line 2 already",
                     "customers.csv:6: rejected: number: not a customer number like 62-0001234-00: '12345'",
                     "properties.csv:3: rejected: customer 'C9' is not imported",
                     "properties.csv:4: rejected: building_type: 'castle' is not one of",
                     "meters.csv:1: rejected: unknown column(s): serial",
                     "invoices.csv:2: rejected: reference: not a Finnish reference number (check digit): '1231'",
                     "invoices.csv:3: rejected: invoice_date: not a date (d.m.yyyy or yyyy-mm-dd): '31.2.2026'",
                     "invoices.csv:4: rejected: total: more than two decimals in an amount: '10.001'",
                     "invoices.csv:5: rejected: open balance 20.00 is not between 0 and the total 15.00",
                     "open_balances.csv:3: rejected: invoice 'I9' is not imported"):
        assert expected in text, text
    assert [c.name for c in Customer.select()] == ["Aino Aalto"]
    assert [p.street for p in Property.select()] == ["KUJA 1"]
    assert Invoice.select().count() == 0
    assert report.rejected == 12


def test_the_command_prints_the_report_and_fails_on_rejected_rows(app, runner, tmp_path):
    result = runner.invoke(args=["import", str(SAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "laskut.csv" in result.output and "26 would create" in result.output
    with app.app_context():
        assert Customer.select().count() == 0
    write(tmp_path / "bad", "customers.csv", "id;name\nC1;Nobody\n")
    result = runner.invoke(args=["import", str(tmp_path / "bad")])
    assert result.exit_code == 1
    assert "customers.csv:1: rejected: missing column(s): billing_street" in result.output
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1 and "no import files" in result.output


def test_a_generated_export_imports_once_however_often_it_is_run(ctx, tmp_path):
    written = write_export(tmp_path / "export", 120)
    first = run(tmp_path / "export")
    assert first.rejected == 0, first.lines()[-5:]
    rows = sum(n for name, n in written.items() if name != "open_balances.csv")
    assert sum(f.created for f in first.files) == rows
    assert ImportRecord.select().count() == rows
    before = counts()
    second = run(tmp_path / "export")
    assert counts() == before and sum(f.unchanged for f in second.files) == rows


@pytest.mark.parametrize("table", legacy_import.TABLES, ids=lambda t: t.files[0])
def test_the_readme_documents_every_file_with_the_sample_header_and_an_example_row(table):
    """The README's import templates are the sample set's: each file's header (every
    column, in Finnish) and its first row."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Importing from the previous system")[1].split("\n## ")[0]
    assert f"`{table.files[0]}`" in section and f"`{table.files[1]}`" in section
    header, first = legacy_import.decode((SAMPLE / table.files[1]).read_bytes()).split("\r\n")[:2]
    assert header == ";".join(c.finnish for c in table.columns)
    assert f"{header}\n{first}\n" in section, f"the README should show {table.files[1]}'s first two lines"


def test_a_200_kb_cell_or_a_broken_line_is_a_file_line_error_like_every_bad_row(app, runner, tmp_path):
    """The csv module's own limit would end the run with a traceback (audit #22, 17)."""
    write(tmp_path / "big", "customers.csv",
          "id;name;billing_street;billing_postal_code;billing_post_office\n"
          f"C1;{'A' * 200_000};Kuja 1;45100;Kouvola\n"
          f"C2;Aino Aalto;{'K' * 300};45100;Kouvola\n"
          "C3;Eero Eka;Kuja 3;45100;Kouvola\n")
    result = runner.invoke(args=["import", str(tmp_path / "big")])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "customers.csv:2: rejected: name: longer than 1000 characters (200000)" in result.output
    assert "customers.csv:3: rejected: billing_street: longer than 255 characters (300)" in result.output
    with app.app_context():
        assert [c.name for c in Customer.select()] == ["Eero Eka"]


def test_an_imported_open_credit_note_becomes_a_credit_the_next_invoice_uses(ctx, tmp_path):
    """Audit #22, 6: a credit note of −25,40 € still open in the previous system, and one of
    −250,00 € with 230,00 € unused (open balance). The first is carried to the customer's
    next invoice (a waste invoice of 2 × 6,79 = 13,58 €: 13,58 − 25,40 = −11,82, a credit
    again, carried on); the second is at the 200 € threshold: refunded, not carried."""
    folder = tmp_path / "export"
    write(folder, "customers.csv", "id;number;name;billing_street;billing_postal_code;billing_post_office\n"
                                   "A1;62-0000201-00;Aino Aalto;Koivukuja 9;45100;Kouvola\n"
                                   "A2;62-0000202-00;Eero Eka;Uusitie 1;45100;Kouvola\n")
    write(folder, "invoices.csv", "id;customer_id;number;kind;invoice_date;due_date;total;status\n"
                                  "H1;A1;990101;waste;1.10.2026;22.10.2026;-25,40;open\n"
                                  "H2;A2;990102;waste;1.10.2026;22.10.2026;-250,00;open\n")
    write(folder, "open_balances.csv", "invoice_id;open_amount\nH2;230,00\n")
    report = run(folder)
    assert report.rejected == 0, report.lines()
    aino = Customer.get(Customer.number == "62-0000201-00")
    eero = Customer.get(Customer.number == "62-0000202-00")
    small = Credit.get(Credit.customer == aino)
    large = Credit.get(Credit.customer == eero)
    assert (small.amount, small.refund_due, large.amount, large.refund_due) == (
        Decimal("25.40"), False, Decimal("230.00"), True)
    assert {i.status for i in Invoice.select()} == {"credit"}
    run(folder)  # a second run makes no second credit
    assert Credit.select().count() == 2
    PriceListRow.insert_many(price_list.price_rows()).execute()
    prop = factories.property_(aino)
    for day in (dt.date(2026, 11, 4), dt.date(2026, 11, 18)):
        Emptying.create(contract=prop.waste_contracts.get(), emptied_on=day, bin_count=1)
    billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), SETTINGS)
    bill = Invoice.get((Invoice.customer == aino) & ~Invoice.imported)
    assert [(r.code, r.amount) for r in bill.rows if r.code == "credit"] == [("credit", Decimal("-25.40"))]
    assert bill.total == Decimal("-11.82")
    assert Credit.get_by_id(small.id).used_invoice_id == bill.id
    assert Credit.get(Credit.source_invoice == bill).amount == Decimal("11.82")


def test_an_imported_business_id_is_checked(ctx, tmp_path):
    """python-stdnum's Y-tunnus check: 1234567-1 is right (7·1+9·2+10·3+5·4+8·5+4·6+2·7 =
    153, 153 mod 11 = 10, 11 − 10 = 1), 1234567-8 is not."""
    write(tmp_path / "export", "customers.csv",
          "id;kind;name;business_id;billing_street;billing_postal_code;billing_post_office\n"
          "Y1;business;Kahvila Kuppi Oy;1234567-1;Kauppakatu 10;48100;Kotka\n"
          "Y2;business;Väärä Oy;1234567-8;Kauppakatu 12;48100;Kotka\n")
    report = run(tmp_path / "export")
    assert "customers.csv:3: rejected: business_id: not a Finnish business ID (Y-tunnus) like 1234567-1: '1234567-8'" \
        in "\n".join(report.lines())
    assert [(c.name, c.business_id) for c in Customer.select()] == [("Kahvila Kuppi Oy", "1234567-1")]
