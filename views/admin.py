"""The municipality's data in the back office: prices, VAT and billing calendars
(domain/administration.py). Administrators change them; customer service reads them."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from domain import administration
from domain.errors import FieldError
from formatting import DATE_INPUT_FORMATS
from models import BillingCalendar, PriceListRow
from models.clock import today
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render, staff_required
from views.messages import apply_error, form_status, message

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """A change: administrators only (customer service reads the same pages)."""
    @wraps(view)
    @staff_required
    def wrapper(*args, **kwargs):
        _may_change()
        return view(*args, **kwargs)
    return wrapper


def _may_change() -> None:
    """Customer service reads the pages; a change is the administrators'."""
    if not current_user.is_admin:
        abort(403)


def _date_field(label):
    return DateField(label, format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])


class PriceForm(Form):
    unit_price = StringField(_l("New price, VAT included (€)"),
                             validators=[InputRequired(_l("Enter the price.")), Length(max=20)])
    valid_from = _date_field(_l("From"))


class VatForm(Form):
    vat_rate = StringField(_l("New VAT rate (%)"), validators=[InputRequired(_l("Enter the VAT rate.")),
                                                               Length(max=10)])
    valid_from = _date_field(_l("From"))


class PeriodForm(Form):
    report_by = _date_field(_l("Last day for readings"))
    billing_date = _date_field(_l("Billing day"))
    due_date = _date_field(_l("Due date"))


class YearForm(Form):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year.")), NumberRange(2000, 2100)])


@bp.route("/")
@staff_required
def index():
    return render("admin/index.html")


@bp.route("/prices")
@staff_required
def prices():
    return render("admin/prices.html", table=administration.price_table(today()), today=today(),
                  vat_rates=administration.vat_rates())


@bp.route("/prices/<int:row_id>", methods=["GET", "POST"])
@staff_required
def price(row_id):
    row = get_or_404(PriceListRow, row_id)
    form = PriceForm()
    if request.method == "POST":
        _may_change()
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
                  history=administration.price_history(row),
                  today=today())


@bp.route("/prices/<int:row_id>/remove", methods=["POST"])
@admin_required
def remove_price(row_id):
    row = get_or_404(PriceListRow, row_id)
    try:
        administration.remove_price(current_user, row, today=today(), ip=client_ip())
    except FieldError:
        abort(409)
    flash(_("The price that had not started was removed."), "success")
    return redirect_after_post(url_for("admin.prices"))


@bp.route("/vat", methods=["GET", "POST"])
@staff_required
def vat():
    form = VatForm()
    if request.method == "POST":
        _may_change()
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
                        day=form.valid_from.data.strftime("%-d.%-m.%Y")), "success")
                return redirect_after_post(url_for("admin.prices"))
    return render("admin/vat.html", status=form_status(form), form=form, vat_rates=administration.vat_rates())


@bp.route("/calendars")
@staff_required
def calendars():
    groups = administration.calendar_groups()
    group = request.args.get("group") if request.args.get("group") in groups else (groups[0] if groups else None)
    years = administration.calendar_years(group) if group else []
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = today().year
    year_form = YearForm(data={"year": (max(years) + 1) if years else today().year})
    return render("admin/calendars.html", groups=groups, group=group, years=years, year=year,
                  periods=list(administration.periods(group, year)) if group else [], today=today(),
                  year_form=year_form)


@bp.route("/calendars/<group>/years", methods=["POST"])
@admin_required
def add_year(group):
    if group not in administration.calendar_groups():
        abort(404)
    form = YearForm()
    if form.validate_on_submit():
        try:
            made = administration.add_year(current_user, group, form.year.data, ip=client_ip())
        except FieldError as error:
            flash(message(error), "error")
        else:
            flash(_("%(count)d periods added to %(year)d.", count=made, year=form.year.data), "success")
            return redirect_after_post(url_for("admin.calendars", group=group, year=form.year.data))
    else:
        flash(_("Enter a year."), "error")
    return redirect_after_post(url_for("admin.calendars", group=group))


@bp.route("/calendars/periods/<int:period_id>", methods=["GET", "POST"])
@staff_required
def period(period_id):
    item = get_or_404(BillingCalendar, period_id)
    form = PeriodForm(obj=item if request.method == "GET" else None)
    if request.method == "POST":
        _may_change()
        if form.validate_on_submit():
            try:
                administration.save_period(current_user, item, report_by=form.report_by.data,
                                           billing_date=form.billing_date.data, due_date=form.due_date.data,
                                           today=today(), ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("The period's dates were saved."), "success")
                return redirect_after_post(url_for("admin.calendars", group=item.billing_group,
                                                   year=item.period_start.year))
    return render("admin/period.html", status=form_status(form), item=item, form=form,
                  editable=item.billing_date > today())
