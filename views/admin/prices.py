"""Prices and VAT (domain/administration.py): an empty installation starts from the example
price list; a price is set from a later date (corrected in place until the first billing
run, or removed before it starts); VAT changes from a date keeping net prices."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from domain import administration
from domain.errors import FieldError
from formatting import format_date
from models import PriceListRow
from models.clock import today
from views.admin.blueprint import bp, date_field
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render
from views.messages import apply_error, form_status


class PriceForm(Form):
    unit_price = StringField(_l("New price, VAT included (€)"),
                             validators=[InputRequired(_l("Enter the price.")), Length(max=20)])
    valid_from = date_field(_l("From"))


class CorrectForm(Form):
    unit_price = StringField(_l("Corrected price, VAT included (€)"),
                             validators=[InputRequired(_l("Enter the price.")), Length(max=20)])


class StartForm(Form):
    valid_from = date_field(_l("Prices valid from"))


class VatForm(Form):
    vat_rate = StringField(_l("New VAT rate (%)"), validators=[InputRequired(_l("Enter the VAT rate.")),
                                                               Length(max=10)])
    valid_from = date_field(_l("From"))


@bp.route("/", methods=["GET", "POST"])
def index():
    """The administrator's pages; on an empty installation, the example price list to start from."""
    empty = not PriceListRow.select().exists()
    form = StartForm(data={"valid_from": today().replace(month=1, day=1)} if request.method == "GET" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                made = administration.start_price_list(current_user, form.valid_from.data, ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("%(count)d example prices added: correct them before the first billing run.", count=made),
                      "success")
                return redirect_after_post(url_for("admin.prices"))
    return render("admin/index.html", status=form_status(form), empty=empty, form=form)


@bp.route("/prices")
def prices():
    return render("admin/prices.html", table=administration.price_table(today()), today=today(),
                  vat_rates=administration.vat_rates())


@bp.route("/prices/<int:row_id>", methods=["GET", "POST"])
def price(row_id):
    row = get_or_404(PriceListRow, row_id)
    form = PriceForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                amount = administration.parse_price(form.unit_price.data)
                administration.set_price(current_user, row, amount, form.valid_from.data, today=today(),
                                         ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("The new price was saved."), "success")
                return redirect_after_post(url_for("admin.prices", _anchor=f"price-{row.id}"))
    return render("admin/price.html", status=form_status(form), row=row, form=form,
                  history=administration.price_history(row), today=today(),
                  correct_form=CorrectForm(prefix="correct") if administration.before_first_billing() else None)


@bp.route("/prices/<int:row_id>/correct", methods=["POST"])
def correct_price(row_id):
    row = get_or_404(PriceListRow, row_id)
    form = CorrectForm(prefix="correct")
    if form.validate_on_submit():
        try:
            amount = administration.parse_price(form.unit_price.data)
            administration.correct_price(current_user, row, amount, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("The price was corrected."), "success")
            return redirect_after_post(url_for("admin.price", row_id=row.id))
    return render("admin/price.html", status=form_status(form), row=row, form=PriceForm(formdata=None),
                  history=administration.price_history(row), today=today(), correct_form=form)


@bp.route("/prices/<int:row_id>/remove", methods=["POST"])
def remove_price(row_id):
    row = get_or_404(PriceListRow, row_id)
    try:
        administration.remove_price(current_user, row, today=today(), ip=client_ip())
    except FieldError:
        abort(409)
    flash(_("The price that had not started was removed."), "success")
    return redirect_after_post(url_for("admin.prices"))


@bp.route("/vat", methods=["GET", "POST"])
def vat():
    form = VatForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                rate = administration.parse_price(form.vat_rate.data, "vat_rate")
                changed = administration.change_vat(current_user, rate, form.valid_from.data, today=today(),
                                                    ip=client_ip())
            except FieldError as error:
                if error.code in ("price_format", "price_decimals"):
                    error = FieldError("vat_rate", "vat_format")
                apply_error(form, error)
            else:
                flash(_("VAT changed: %(count)d prices from %(day)s.", count=changed,
                        day=format_date(form.valid_from.data)), "success")
                return redirect_after_post(url_for("admin.prices"))
    return render("admin/vat.html", status=form_status(form), form=form, vat_rates=administration.vat_rates())
