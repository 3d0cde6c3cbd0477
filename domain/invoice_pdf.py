"""The invoice as a PDF: rows, totals, the bank transfer details, the bank barcode as
Code 128 and as digits, and a payment QR code (the EPC "BCD" format Finnish banks read)."""
from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import force_locale, gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from domain.formatting import format_date, format_money, format_number, format_unit_price
from domain.reference import group


def epc_qr_payload(*, bic: str, name: str, iban: str, amount: Decimal, rf_reference: str) -> str:
    """The European Payments Council's QR content for a credit transfer."""
    return "\n".join(["BCD", "002", "1", "SCT", bic, name[:70], iban.replace(" ", ""),
                      f"EUR{amount:.2f}", "", rf_reference.replace(" ", ""), ""])


def render(invoice, rows, *, lang: str, labels, utility: dict, barcode: str) -> bytes:
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
        y -= 8 * mm
        customer = invoice.customer
        for line in (customer.billing_name, customer.billing_street,
                     f"{customer.billing_postal_code} {customer.billing_post_office}"):
            pdf.drawString(20 * mm, y, line)
            y -= 5 * mm
        facts = [(_("Customer number"), customer.number), (_("Date"), format_date(invoice.invoice_date)),
                 (_("Due"), format_date(invoice.due_date)), (_("Reference"), group(invoice.reference))]
        fy = height - 28 * mm
        for label, value in facts:
            pdf.drawRightString(width - 60 * mm, fy, f"{label}:")
            pdf.drawString(width - 58 * mm, fy, value)
            fy -= 5 * mm
        y -= 8 * mm
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
        _payment_slip(pdf, invoice, utility, barcode, lang)
    pdf.save()
    return buffer.getvalue()


def _payment_slip(pdf, invoice, utility, barcode: str, lang: str) -> None:
    """The bottom of the page: where to pay, the barcode and the QR code."""
    width, _height = A4
    pdf.line(15 * mm, 95 * mm, width - 15 * mm, 95 * mm)
    pdf.setFont("Helvetica", 9)
    lines = [(_("Recipient"), utility["name"]), (_("Account"), f"{utility['iban']}  {utility['bic']}"),
             (_("Reference"), group(invoice.reference)),
             ("RF", group(invoice.rf_reference) if invoice.rf_reference else ""),
             (_("Due"), format_date(invoice.due_date)),
             (_("Amount"), format_money(max(invoice.total, Decimal(0)), lang))]
    y = 88 * mm
    for label, value in lines:
        pdf.drawString(20 * mm, y, f"{label}: {value}")
        y -= 6 * mm
    payload = epc_qr_payload(bic=utility["bic"], name=utility["name"], iban=utility["iban"],
                             amount=max(invoice.total, Decimal(0)),
                             rf_reference=invoice.rf_reference or invoice.reference)
    widget = qr.QrCodeWidget(payload)
    x0, y0, x1, y1 = widget.getBounds()
    size = 40 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 60 * mm, 45 * mm)
    pdf.drawString(20 * mm, 38 * mm, _("Bank barcode"))
    bars = code128.Code128(barcode, barHeight=13 * mm, barWidth=0.26 * mm, humanReadable=False)
    bars.drawOn(pdf, 15 * mm, 22 * mm)
    pdf.setFont("Courier", 9)
    pdf.drawString(20 * mm, 16 * mm, barcode)
