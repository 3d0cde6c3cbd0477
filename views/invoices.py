"""The resident's invoices: list and a detail page that explains every row."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length
from flask_login import current_user

from domain import invoice_explain, refunds
from outbound import invoice_pdf
from domain.errors import FieldError
from domain.barcode import virtual_barcode
from domain.iban import format_iban
from formatting import format_reference
from models import Credit, Invoice, InvoiceRow
from models.clock import today
from views.helpers import Form, client_ip, get_owned_or_404, redirect_after_post, render, resident_required
from views.labels import label
from views.messages import apply_error

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

# The sections of an invoice, in the order of Kerava's explained balancing invoice.
SECTIONS = (
    ("fees", ("water_basic_fee", "wastewater_basic_fee")),
    ("balancing", ("water_actual", "wastewater_actual", "water_estimate_deduction",
                   "wastewater_estimate_deduction")),
    ("estimates", ("water_estimate", "wastewater_estimate")),
    ("waste", ("waste_treatment", "bin_emptying", "sludge_base", "sludge_m3")),
    ("basic_fee", ("waste_basic_fee",)),
    ("credits", ("credit",)),
    ("interest", ("late_interest",)),
)


class RefundForm(Form):
    iban = StringField(_l("Your bank account (IBAN)"), validators=[
        InputRequired(_l("Enter the account number.")), Length(max=42)])


def _refunds():
    return list(Credit.refunds_due(Credit.visible_to(current_user)))


@bp.route("/")
@resident_required
def index():
    return _index(_refunds())


def _index(refunds, failed=None, status=200):
    """The list; each refund has its own form (its own field ids), one of which may have failed."""
    forms = {c.id: failed if failed is not None and failed.meta_credit == c.id else
             RefundForm(formdata=None, prefix=f"c{c.id}") for c in refunds}
    invoices = (Invoice.visible_to(current_user)
                .order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).limit(60))
    return render("invoices/index.html", status=status, invoices=list(invoices), refunds=refunds,
                  forms=forms, today=today())


@bp.post("/refunds/<int:credit_id>")
@resident_required
def refund_account(credit_id):
    credit = get_owned_or_404(Credit, credit_id)
    form = RefundForm(prefix=f"c{credit.id}")
    form.meta_credit = credit.id
    if form.validate_on_submit():
        try:
            refunds.set_refund_account(credit, current_user, form.iban.data, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Thank you. The refund is paid to this account."), "success")
            return redirect_after_post(url_for("invoices.index"))
    return _index(_refunds(), failed=form, status=422)


def _utility() -> dict:
    cfg = current_app.config
    business_id = cfg["UTILITY_BUSINESS_ID"]
    return {"name": cfg["UTILITY_NAME"], "iban": cfg["UTILITY_IBAN"], "bic": cfg["UTILITY_BIC"],
            "business_id": business_id, "vat_number": "FI" + business_id.replace("-", "")}


@bp.route("/<int:invoice_id>")
@resident_required
def detail(invoice_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    rows = list(invoice.rows.order_by(InvoiceRow.position))
    sections = [(name, [r for r in rows if r.code in codes]) for name, codes in SECTIONS]
    utility = _utility()
    explained = invoice_explain.explain(invoice, rows)
    return render("invoices/detail.html", pdf_url=url_for("invoices.pdf", invoice_id=invoice.id), invoice=invoice,
                  rows=rows, sections=[(n, rs) for n, rs in sections if rs], explained=explained,
                  meter=explained.meter, utility=utility,
                  grouped_reference=format_reference(invoice.reference),
                  grouped_rf=format_reference(invoice.rf_reference) if invoice.rf_reference else None,
                  barcode=(virtual_barcode(utility["iban"], invoice.total, invoice.reference, invoice.due_date)
                           if explained.to_pay else None),
                  iban_grouped=format_iban(utility["iban"]), bic=utility["bic"])


@bp.route("/<int:invoice_id>.pdf")
@resident_required
def pdf(invoice_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    rows = list(invoice.rows.order_by(InvoiceRow.position))
    utility = _utility()
    explained = invoice_explain.explain(invoice, rows)
    body = invoice_pdf.render(
        invoice, rows, lang=str(get_locale()), labels=label, utility=utility, explained=explained,
        barcode=(virtual_barcode(utility["iban"], invoice.total, invoice.reference, invoice.due_date)
                 if explained.to_pay else None))
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    return response
