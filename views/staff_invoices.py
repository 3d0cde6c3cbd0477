"""An invoice in the back office: its rows, and "credit this row" with a reason for any row
billed by mistake (domain/row_credits.py): a credit note that the customer's next invoice
carries, or a refund."""
from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from domain import row_credits
from domain.errors import FieldError
from domain.invoicing import BillingSettings
from domain.settings import in_force
from models import Invoice, InvoiceRow
from models.clock import today
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render, staff_required
from views.messages import apply_error, form_status

bp = Blueprint("staff_invoices", __name__, url_prefix="/staff/invoices")


class CreditForm(Form):
    reason = TextAreaField(_l("Why is the row credited?"), validators=[
        InputRequired(_l("Write why the row is credited.")), Length(max=row_credits.REASON_MAX)])


def _page(invoice, forms=None, status=200):
    rows = list(invoice.rows.order_by(InvoiceRow.position))
    forms = forms or {}
    for row in rows:
        if row_credits.creditable(row, invoice) and row.id not in forms:
            forms[row.id] = CreditForm(prefix=f"row{row.id}", formdata=None)
    credited = row_credits.credit_notes(rows)
    return render("staff/invoice.html", status=status, invoice=invoice, rows=rows, forms=forms,
                  credited=credited, notes=sorted(credited.values(), key=lambda n: n.id))


@bp.route("/<int:invoice_id>")
@staff_required
def detail(invoice_id):
    return _page(get_or_404(Invoice, invoice_id))


@bp.post("/<int:invoice_id>/rows/<int:row_id>/credit")
@staff_required
def credit(invoice_id, row_id):
    invoice = get_or_404(Invoice, invoice_id)
    row = get_or_404(InvoiceRow, row_id)
    if row.invoice_id != invoice.id:
        return _page(invoice, status=404)
    form = CreditForm(prefix=f"row{row.id}")
    if form.validate_on_submit():
        try:
            note = row_credits.credit_row(row, current_user._get_current_object(), reason=form.reason.data,
                                          settings=BillingSettings.from_config(in_force()), today=today(),
                                          ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("The row is credited on credit note %(number)s: the customer's next invoice carries it, or it is "
                    "refunded.", number=note.number), "success")
            return redirect_after_post(url_for("staff_invoices.detail", invoice_id=invoice.id))
    return _page(invoice, {row.id: form}, form_status(form))
