"""The municipality's data in the back office: prices, VAT, billing calendars, billing
settings, collection areas and announced days (domain/administration.py, domain/settings.py,
domain/areas.py). Administrators change them; customer service reads them."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain import administration, areas, schedule, settings
from domain.errors import FieldError
from domain.interest import parse_rates
from domain.waste import RECYCLING_TYPES, WasteSettings
from formatting import DATE_INPUT_FORMATS, format_date
from models import BillingCalendar, CalendarException, CollectionArea, PriceListRow
from models.clock import today
from views.labels import label
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render
from views.messages import apply_error, form_status, message

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _staff_read_administrators_change():
    """The one rule of every admin page, new ones included: customer service reads it, a
    change (anything but a GET) is the administrators' (403); for anybody else the pages do
    not exist (404), like the rest of the back office."""
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    if request.method not in ("GET", "HEAD") and not current_user.is_admin:
        abort(403)


def _date_field(label):
    return DateField(label, format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])


class PriceForm(Form):
    unit_price = StringField(_l("New price, VAT included (€)"),
                             validators=[InputRequired(_l("Enter the price.")), Length(max=20)])
    valid_from = _date_field(_l("From"))


class CorrectForm(Form):
    unit_price = StringField(_l("Corrected price, VAT included (€)"),
                             validators=[InputRequired(_l("Enter the price.")), Length(max=20)])


class StartForm(Form):
    valid_from = _date_field(_l("Prices valid from"))


class VatForm(Form):
    vat_rate = StringField(_l("New VAT rate (%)"), validators=[InputRequired(_l("Enter the VAT rate.")),
                                                               Length(max=10)])
    valid_from = _date_field(_l("From"))


class PeriodForm(Form):
    report_by = _date_field(_l("Last day for readings"))
    billing_date = _date_field(_l("Billing day"))
    due_date = _date_field(_l("Due date"))


SETTING_TEXTS = {
    "MINIMUM_INVOICE": (_l("Smallest waste invoice (€)"),
                        _l("Emptyings worth less wait for the next billing run.")),
    "CREDIT_REFUND_THRESHOLD": (_l("Credit refunded from (€)"),
                                _l("A smaller credit is deducted from the next invoice.")),
    "WASTE_BASIC_FEE_BILLED_ON": (_l("Waste basic fee billed on"),
                                  _l("The day of the year the basic fee goes out on its own invoice, "
                                     "for example 15.2.")),
    "WASTE_BASIC_FEE_ON_WASTE_INVOICE": (_l("Bill the waste basic fee on each customer's first waste invoice "
                                            "of the year instead"), None),
    "PAYMENT_STATEMENT_ACCOUNTS": (_l("Accounts read from account statements (camt.053)"),
                                   _l("IBANs that get no payment notifications, one per line.")),
    "REMINDER_FEE_PRIVATE": (_l("Reminder fee, private customers (€)"), None),
    "REMINDER_FEE_BUSINESS": (_l("Reminder fee, business customers (€)"), None),
    "CUTOFF_DEBT_LIMIT": (_l("Larger invoices from (€)"),
                          _l("Water may be cut off some weeks after the first reminder of a larger invoice, "
                             "some months after that of a smaller one.")),
    "CUTOFF_WEEKS_LARGE_DEBT": (_l("Weeks from the first reminder to a cut-off, larger invoices"), None),
    "CUTOFF_MONTHS_SMALL_DEBT": (_l("Months from the first reminder to a cut-off, smaller invoices"), None),
    "COLLECTION_DAYS_AFTER_REMINDER": (_l("Days from the reminder to debt collection (waste, interest)"), None),
    "LATE_INTEREST_REFERENCE_RATES": (_l("Reference rates by half-year (%)"),
                                      _l("One per line: the half-year's first day and the rate, for example "
                                         "1.1.2026 2,50. Late interest adds 7 points (8 for businesses).")),
    "MINIMUM_INTEREST": (_l("Smallest interest invoiced (€)"), None),
}
SETTING_GROUPS = {"billing": _l("Billing"), "reminders": _l("Reminders and cut-offs"),
                  "interest": _l("Late interest")}


def _settings_form(formdata=None):
    fields = {}
    for item in settings.EDITABLE:
        text, _hint = SETTING_TEXTS[item.key]
        if item.is_flag:
            fields[item.field] = BooleanField(text)
            continue
        required = Optional() if item.optional else InputRequired(_l("Enter a value."))
        if item.key in ("PAYMENT_STATEMENT_ACCOUNTS", "LATE_INTEREST_REFERENCE_RATES"):
            fields[item.field] = TextAreaField(text, validators=[required, Length(max=2000)])
        else:
            fields[item.field] = StringField(text, validators=[required, Length(max=40)])
    form_class = type("SettingsForm", (Form,), fields)
    return form_class(formdata=formdata) if formdata is not None else form_class()


def _shown_value(item, value: str) -> str:
    """A setting as the page shows it: Finnish dates and decimal commas, one per line."""
    if item.key == "LATE_INTEREST_REFERENCE_RATES":
        return "\n".join(f"{d.day}.{d.month}.{d.year} {str(r).replace('.', ',')}" for d, r in parse_rates(value))
    if item.key == "PAYMENT_STATEMENT_ACCOUNTS":
        return "\n".join(a.strip() for a in value.split(",") if a.strip())
    if item.key == "WASTE_BASIC_FEE_BILLED_ON":
        month, day = value.split("-")
        return f"{int(day)}.{int(month)}."
    if item.is_euros:
        return value.replace(".", ",")
    return value


class AreaForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the name of the collection area.")),
                                               Length(max=100)])
    route_weekday = SelectField(_l("Emptying day"), coerce=int, validate_choice=False)
    biowaste = BooleanField(_l("Biowaste is collected in the area"))
    move_from = DateField(_l("Move the area's bins to this day from"), format=DATE_INPUT_FORMATS,
                          validators=[Optional()])


class AnnounceForm(Form):
    day = _date_field(_l("Day"))
    moved_to = DateField(_l("Emptyings that day move to"), format=DATE_INPUT_FORMATS, validators=[Optional()])
    name_fi = StringField(_l("Reason in Finnish"), validators=[InputRequired(_l("Say why, in Finnish at least.")),
                                                               Length(max=200)])
    name_sv = StringField(_l("Reason in Swedish"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Reason in English"), validators=[Optional(), Length(max=200)])


class YearForm(Form):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year.")), NumberRange(2000, 2100)])


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


@bp.route("/calendars")
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
def period(period_id):
    item = get_or_404(BillingCalendar, period_id)
    form = PeriodForm(obj=item if request.method == "GET" else None)
    if request.method == "POST":
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


@bp.route("/settings", methods=["GET", "POST"])
def billing_settings():
    shown = settings.shown(current_app.config)
    form = _settings_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        for row in shown:
            form[row.editable.field].data = (row.value == "true" if row.editable.is_flag
                                             else _shown_value(row.editable, row.value))
    else:
        if form.validate_on_submit():
            values = {item.key: ("true" if form[item.field].data else "false") if item.is_flag
                      else form[item.field].data or "" for item in settings.EDITABLE}
            try:
                changed = settings.save(current_user, values, current_app.config, ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("Settings saved: %(count)d changed.", count=len(changed)), "success")
                return redirect_after_post(url_for("admin.billing_settings"))
    return render("admin/settings.html", status=form_status(form), form=form, shown=shown,
                  groups=SETTING_GROUPS, texts=SETTING_TEXTS, shown_value=_shown_value)


@bp.route("/areas")
def collection_areas():
    return render("admin/areas.html", rows=areas.overview(today()))


@bp.route("/area", methods=["GET", "POST"])
def collection_area():
    name = request.values.get("name", "")
    area = CollectionArea.get_or_none(CollectionArea.name == name) if name else None
    form = AreaForm()
    form.route_weekday.choices = [(d, label("weekday", d)) for d in range(schedule.SATURDAY)]
    # An area not saved yet starts from what is in force for it now.
    cfg = WasteSettings.from_config(settings.in_force())
    chosen = request.form.getlist("recycling") if request.method == "POST" else [
        t for t in RECYCLING_TYPES if name in cfg.recycling_areas.get(t, ())]
    if request.method == "GET":
        form.name.data = name
        form.route_weekday.data = area.route_weekday if area else areas.usual_weekday(name)
        form.biowaste.data = name in cfg.biowaste_areas
    else:
        if form.validate_on_submit():
            try:
                saved, moved = areas.save_area(current_user, form.name.data, route_weekday=form.route_weekday.data,
                                               biowaste=form.biowaste.data, recycling=chosen,
                                               move_from=form.move_from.data, today=today(), ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("The collection area was saved.") + (" " + ngettext(
                    "%(num)d contract moves to the new day.", "%(num)d contracts move to the new day.", moved)
                    if moved else ""), "success")
                return redirect_after_post(url_for("admin.collection_areas", _anchor=f"area-{saved.id}"))
    return render("admin/area.html", status=form_status(form), form=form, area=area, chosen=chosen,
                  recycling_types=RECYCLING_TYPES)


@bp.route("/days", methods=["GET", "POST"])
def announced_days():
    form = AnnounceForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                item = administration.announce_day(
                    current_user, form.day.data, moved_to=form.moved_to.data,
                    names={"fi": form.name_fi.data, "sv": form.name_sv.data, "en": form.name_en.data},
                    today=today(), ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("The day was announced: the emptying calendars follow it."), "success")
                return redirect_after_post(url_for("admin.announced_days", _anchor=f"day-{item.id}"))
    return render("admin/days.html", status=form_status(form), form=form, today=today(),
                  days=administration.announced_days(today() - dt.timedelta(days=31)))


@bp.route("/days/<int:day_id>/withdraw", methods=["POST"])
def withdraw_day(day_id):
    item = get_or_404(CalendarException, day_id)
    try:
        administration.withdraw_day(current_user, item, today=today(), ip=client_ip())
    except FieldError:
        abort(409)
    flash(_("The announced day was withdrawn."), "success")
    return redirect_after_post(url_for("admin.announced_days"))
