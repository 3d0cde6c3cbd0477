"""The invoice as a PDF: the seller with its business ID and VAT number, the explanation of
a water invoice (point, meter, the two readings, the m³ between them, the estimates
deducted), rows, the VAT per rate, totals, the bank transfer details, the bank barcode as
Code 128 and as digits, and a payment QR code (EPC069-12 "BCD", made by segno: UTF-8,
error correction M, nothing after the last element). A credit invoice has no barcode and
no QR code: it says there is nothing to pay."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from flask_babel import force_locale, gettext as _
import segno
import segno.helpers
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from formatting import format_date, format_money, format_number, format_unit_price
from formatting import format_reference


def epc_qr(*, bic: str, name: str, iban: str, amount: Decimal, rf_reference: str):
    """The European Payments Council's QR code for a credit transfer (0,01–999 999 999,99 €)."""
    return segno.helpers.make_epc_qr(name[:70], iban.replace(" ", ""), amount,
                                     reference=rf_reference.replace(" ", ""), bic=bic, encoding="utf-8")


def epc_qr_payload(*, bic: str, name: str, iban: str, amount: Decimal, rf_reference: str) -> str:
    """The text inside that QR code (segno's own builder, the one the code is made from)."""
    return segno.helpers._make_epc_qr_data(name[:70], iban.replace(" ", ""), amount, None,
                                           rf_reference.replace(" ", ""), bic, None, "utf-8").decode()


def render(invoice, rows, *, lang: str, labels, utility: dict, explained, barcode: str | None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    width, height = A4
    with force_locale(lang):
        pdf.setTitle(_("Invoice %(number)s", number=invoice.number))
        y = height - 20 * mm
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(20 * mm, y, utility["name"])
        pdf.setFont("Helvetica", 10)
        pdf.drawRightString(width - 20 * mm, y, _("Invoice %(number)s", number=invoice.number))
        pdf.setFont("Helvetica", 8)
        pdf.drawString(20 * mm, y - 4 * mm, _("Business ID %(id)s · VAT number %(vat)s",
                                              id=utility["business_id"], vat=utility["vat_number"]))
        pdf.setFont("Helvetica", 10)
        y -= 10 * mm
        customer = invoice.customer
        for line in (customer.billing_name, customer.billing_street,
                     f"{customer.billing_postal_code} {customer.billing_post_office}"):
            pdf.drawString(20 * mm, y, line)
            y -= 5 * mm
        facts = [(_("Customer number"), customer.number), (_("Date"), format_date(invoice.invoice_date)),
                 (_("Due"), format_date(invoice.due_date)), (_("Reference"), format_reference(invoice.reference))]
        fy = height - 28 * mm
        for label, value in facts:
            pdf.drawRightString(width - 60 * mm, fy, f"{label}:")
            pdf.drawString(width - 58 * mm, fy, value)
            fy -= 5 * mm
        y -= 8 * mm
        y = _water(pdf, invoice, explained, y, lang)
        pdf.setFont("Helvetica-Bold", 10)
        for x, text, right in ((20, _("Item"), False), (120, _("Quantity"), True), (150, _("Unit price"), True),
                               (165, _("VAT") + " %", True), (190, _("Amount"), True)):
            (pdf.drawRightString if right else pdf.drawString)(x * mm, y, text)
        pdf.setFont("Helvetica", 9)
        for row in rows:
            y -= 5 * mm
            if y < 110 * mm:
                pdf.showPage()
                pdf.setFont("Helvetica", 9)
                y = height - 20 * mm
            text = labels("row_code", row.code)
            if row.meta.get("waste_type"):
                text += f", {labels('waste_type', row.meta['waste_type'])} {row.meta.get('bin_size')} L"
            if row.period_start:
                text += f" {format_date(row.period_start)}–{format_date(row.period_end)}"
            pdf.drawString(20 * mm, y, text[:70])
            quantity = format_number(row.quantity, lang, decimals=3 if row.unit == "m3" else 0)
            pdf.drawRightString(120 * mm, y, f"{quantity} {labels('unit', row.unit)}")
            pdf.drawRightString(150 * mm, y, format_unit_price(row.unit_price, lang))
            pdf.drawRightString(165 * mm, y, format_number(row.vat_rate, lang, decimals=1))
            pdf.drawRightString(190 * mm, y, format_money(row.amount, lang))
        y -= 8 * mm
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(20 * mm, y, _("Total"))
        pdf.drawRightString(190 * mm, y, format_money(invoice.total, lang))
        pdf.setFont("Helvetica", 9)
        for rate, taxable, vat, gross in explained.vat:
            y -= 5 * mm
            pdf.drawString(20 * mm, y, _("VAT %(rate)s %%: without VAT %(taxable)s, VAT %(vat)s, with VAT %(gross)s",
                                         rate=format_number(rate, lang, decimals=1),
                                         taxable=format_money(taxable, lang), vat=format_money(vat, lang),
                                         gross=format_money(gross, lang)))
        _payment_slip(pdf, invoice, utility, barcode, lang)
    pdf.save()
    return buffer.getvalue()


def _water(pdf, invoice, explained, y: float, lang: str) -> float:
    """The water invoice explained as on its page (seed 004, rows 1–8)."""
    if not invoice.point_id:
        return y
    pdf.setFont("Helvetica", 9)
    lines = [_("Consumption point %(number)s", number=invoice.point.number)
             + (" · " + _("meter %(number)s", number=explained.meter.number) if explained.meter else "")]
    if explained.latest and explained.previous:
        lines += [_("Previous reading: %(value)s m³ on %(date)s", value=explained.previous[1],
                    date=format_date(dt.date.fromisoformat(explained.previous[0]))),
                  _("Latest reading: %(value)s m³ on %(date)s", value=explained.latest[1],
                    date=format_date(dt.date.fromisoformat(explained.latest[0]))),
                  _("Used between the readings: %(m3)s m³", m3=format_number(explained.used_m3, lang, decimals=3)),
                  _("Estimates deducted: %(m3)s m³, %(amount)s",
                    m3=format_number(explained.deducted_m3, lang, decimals=3),
                    amount=format_money(explained.deducted_eur, lang))]
        lines += [_("Your meter was replaced on %(date)s without a final reading: its reading that day is "
                    "estimated from your annual estimate (%(value)s m³).",
                    date=format_date(dt.date.fromisoformat(day)), value=value)[:110]
                  for day, value in explained.estimated_final]
    for line in lines:
        pdf.drawString(20 * mm, y, line)
        y -= 5 * mm
    return y - 3 * mm


def _payment_slip(pdf, invoice, utility, barcode: str | None, lang: str) -> None:
    """The bottom of the page: where to pay, the barcode and the QR code."""
    width, _height = A4
    pdf.line(15 * mm, 95 * mm, width - 15 * mm, 95 * mm)
    pdf.setFont("Helvetica", 9)
    lines = [(_("Recipient"), utility["name"]), (_("Payee's account"), f"{utility['iban']}  {utility['bic']}"),
             (_("Reference"), format_reference(invoice.reference)),
             ("RF", format_reference(invoice.rf_reference) if invoice.rf_reference else ""),
             (_("Due"), format_date(invoice.due_date))]
    if barcode is not None:
        lines.append((_("Amount"), format_money(invoice.total, lang)))
    y = 88 * mm
    for label, value in lines:
        pdf.drawString(20 * mm, y, f"{label}: {value}")
        y -= 6 * mm
    if barcode is None:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(20 * mm, y - 2 * mm, _("Nothing to pay."))
        return
    code = epc_qr(bic=utility["bic"], name=utility["name"], iban=utility["iban"], amount=invoice.total,
                  rf_reference=invoice.rf_reference or invoice.reference)
    _draw_qr(pdf, code, width - 60 * mm, 45 * mm, 40 * mm)
    pdf.drawString(20 * mm, 38 * mm, _("Bank barcode"))
    bars = code128.Code128(barcode, barHeight=13 * mm, barWidth=0.26 * mm, humanReadable=False)
    bars.drawOn(pdf, 15 * mm, 22 * mm)
    pdf.setFont("Courier", 9)
    pdf.drawString(20 * mm, 16 * mm, barcode)


def _draw_qr(pdf, code, x: float, y: float, size: float) -> None:
    """segno's module matrix as filled squares, with the quiet zone of four modules."""
    matrix = code.matrix
    module = size / (len(matrix) + 8)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + (col_index + 4) * module, y + size - (row_index + 5) * module, module, module,
                         stroke=0, fill=1)
