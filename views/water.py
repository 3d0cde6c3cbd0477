"""Water self-service: consumption points, meter readings, consumption, billing calendar."""
from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain import support, water
from models.clock import today
from domain.errors import FieldError
from formatting import DATE_INPUT_FORMATS as DATE_FORMATS, format_date
from models import BillingCalendar, ConsumptionPoint, Meter, Reading
from views.helpers import (Form, ValidEmail, client_ip, get_owned_or_404, new_request_key,
                           redirect_after_post, render, safe_next, water_access_required)
from views.messages import apply_error, form_status

bp = Blueprint("water", __name__, url_prefix="/water")
READING_FORM = {"reading-form": "water/_reading_form.html"}  # the form replaces itself



def visible_points():
    return ConsumptionPoint.listed_for(current_user)


def point_context(point):
    meters = list(point.meters.order_by(Meter.installed_on.desc()))
    readings = Reading.latest_of(point).limit(8)
    in_use = [m for m in meters if m.removed_on is None]
    return {"point": point, "meters": meters, "estimate": water.annual_estimate(point),
            "readings": list(readings), "remote": bool(in_use) and in_use[0].kind == "remote"}


# -- access with the consumption point and meter number ---------------------------------

class AccessForm(Form):
    point_number = StringField(_l("Consumption point number"), validators=[
        InputRequired(_l("Enter the consumption point number.")), Length(max=20)])
    meter_number = StringField(_l("Meter number"), validators=[
        InputRequired(_l("Enter the meter number.")), Length(max=20)])


@bp.route("/access", methods=["GET", "POST"])
def access():
    if current_user.is_authenticated:
        return redirect(url_for("water.index"))
    form = AccessForm()
    if form.validate_on_submit():
        try:
            point = water.open_point(form.point_number.data, form.meter_number.data, ip=client_ip(),
                                     settings=current_app.config)
        except FieldError as error:  # too many failed attempts
            apply_error(form, error)
        else:
            if point is not None:
                lang = session.get("lang")
                session.clear()  # a fresh session that can see this point only
                session["water_point_id"] = point.id
                if lang:
                    session["lang"] = lang
                return redirect(safe_next(request.args.get("next"),
                                          url_for("water.point", point_id=point.id)), 303)
            form.form_errors.append(_("The consumption point number and the meter number do not "
                                      "match. Both are on your reading card and your water invoice."))
    status = form_status(form)
    return render("water/access.html", form=form, status=status)


@bp.post("/access/end")
def end_access():
    session.pop("water_point_id", None)
    flash(_("You have closed the reading service."), "info")
    return redirect(url_for("pages.index"), 303)


# -- points ------------------------------------------------------------------------------

@bp.route("/")
@water_access_required
def index():
    points = list(visible_points())
    if len(points) == 1 and not current_user.is_authenticated:
        return redirect(url_for("water.point", point_id=points[0].id))
    return render("water/index.html", points=points, remote=Meter.read_remotely(points))


@bp.route("/points/<int:point_id>")
@water_access_required
def point(point_id):
    point = get_owned_or_404(ConsumptionPoint, point_id)
    by = request.args.get("by", "month") if request.args.get("by") in ("month", "quarter", "year") else "month"
    context = point_context(point)
    context.update(consumption_context(point, by, context["estimate"]))
    return render("water/point.html", {"consumption": "water/_consumption.html"},
                  form=reading_form(point), **context)


def consumption_context(point, by: str, estimate: int) -> dict:
    spans = water.consumption_spans(point)  # read once for the history, forecast and leak check
    months = water.shown_months(water.monthly_consumption(point, spans))  # what the table shows adds up
    year = max((m.year for m in months), default=today().year)
    context = {"by": by, "year": year, "forecast": water.forecast_for_year(point, today(), spans, estimate),
               "forecast_year": today().year, "leak": water.leak_suspected(point, spans)}
    if by == "year":
        rows = water.group_consumption(months, "year")
        context.update(rows=rows, compared=None, chart=chart([(label, value, None) for label, value in rows[-8:]]))
    else:
        compared = water.compare_years(months, by, year) if months else []
        context.update(rows=compared, compared=compared, chart=chart(compared))
    return context


def chart(rows, width=340, height=180, left=34, bottom=24):
    """A bar chart drawn on the server as an inline SVG that scales to the screen: one bar,
    or two side by side (the year and the year before), per period; a y axis with three
    values. The table under it has the same numbers."""
    top = max((float(v) for _label, *values in rows for v in values if v is not None), default=0)
    step = _nice_step(top / 2) if top else 1
    ceiling = step * 2 if step * 2 >= top else step * 3
    plot_w, plot_h = width - left - 4, height - bottom - 8
    slot = plot_w / max(len(rows), 1)
    pair = any(len(values) > 1 and values[1] is not None for _label, *values in rows)
    bar = slot * (0.38 if pair else 0.7)

    def y(value):
        return round(8 + plot_h - float(value) / ceiling * plot_h, 1)

    bars = []
    for i, (label, *values) in enumerate(rows):
        x0 = left + i * slot + (slot - bar * (2 if pair else 1)) / 2
        for j, value in enumerate(values[:2]):
            if value is None:
                continue
            x = x0 + (bar if (pair and j == 0) else 0)  # the year before on the left, this year on the right
            bars.append({"x": round(x, 1), "y": y(value), "w": round(bar, 1), "h": round(y(0) - y(value), 1),
                         "series": "this" if j == 0 else "last", "label": label, "value": value})
    ticks = [{"value": v, "y": y(v)} for v in (0, ceiling / 2, ceiling)]
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": label} for i, (label, *_v) in enumerate(rows)]
    return {"bars": bars, "ticks": ticks, "labels": labels, "width": width, "height": height, "left": left,
            "baseline": y(0), "label_y": height - 6, "pair": pair}


def _nice_step(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least `value`: round numbers for the axis."""
    power = 10 ** math.floor(math.log10(value)) if value > 0 else 1
    return next(n * power for n in (1, 2, 5, 10) if n * power >= value)


# -- reporting a reading ----------------------------------------------------------------

class ReadingForm(Form):
    meter = SelectField(_l("Meter"), coerce=int, validate_choice=False)
    value = IntegerField(_l("Reading (m³)"), validators=[
        InputRequired(_l("Enter the reading in whole cubic metres.")),
        NumberRange(min=0, max=10_000_000, message=_l("Enter the reading in whole cubic metres."))])
    day = DateField(_l("Reading date"), format=DATE_FORMATS, validators=[InputRequired(_l("Enter a date."))])
    confirm = BooleanField(_l("The reading is correct"))
    # A replaced meter, reported with the reading: its number differs from the one on file.
    new_meter = StringField(_l("The number on your meter now"), validators=[Optional(), Length(max=30)])
    final_value = IntegerField(_l("The old meter's final reading (m³), if you know it"), validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter the reading in whole cubic metres."))])


def reading_form(point, formdata=None):
    form = ReadingForm(formdata) if formdata is not None else ReadingForm(formdata=None)
    meters = [m for m in point.meters.order_by(Meter.installed_on.desc()) if m.removed_on is None]
    form.meter.choices = [(m.id, m.number) for m in meters]
    if formdata is None:
        form.day.data = today()
        form.meter.data = meters[0].id if meters else None
    return form


@bp.route("/points/<int:point_id>/reading", methods=["GET", "POST"])
@water_access_required
def report(point_id):
    point = get_owned_or_404(ConsumptionPoint, point_id)
    if request.method == "GET":
        return render("water/report.html", READING_FORM, **point_context(point),
                      form=reading_form(point))
    form = reading_form(point, request.form)
    implausible = None
    if form.validate():
        meter = get_owned_or_404(Meter, form.meter.data)
        if meter.point_id != point.id:
            abort(404)
        replaced = (form.new_meter.data or "").strip()
        if replaced and replaced != meter.number:
            try:
                water.replace_meter(current_user if current_user.is_authenticated else None, meter,
                                    day=form.day.data, final_value=form.final_value.data, new_number=replaced,
                                    start_value=form.value.data, today=today(), by_staff=False, ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
                return render("water/report.html", READING_FORM, status=422,
                              **point_context(point), form=form, implausible=None)
            flash(_("Thank you. The new meter %(number)s is registered from %(date)s; customer service checks "
                    "the replacement.", number=replaced, date=format_date(form.day.data)), "success")
            return redirect_after_post(url_for("water.point", point_id=point.id))
        try:
            reading, implausible = water.report_reading(
                current_user if current_user.is_authenticated else None, meter, form.value.data,
                form.day.data, confirmed=form.confirm.data, today=today(), ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        except water.NeedsConfirmation as needs:
            implausible = needs.implausible
        else:
            billed = water.next_billing_date(point, reading.read_on)
            message = (_("Thank you. Your reading will be used on your next invoice (billed %(date)s).",
                         date=format_date(billed)) if billed else
                       _("Thank you. Your reading will be used on your next invoice."))
            if implausible:
                message += " " + _("Customer service checks it because it differs from the estimate.")
            flash(message, "success")
            return redirect_after_post(url_for("water.point", point_id=point.id))
    return render("water/report.html", READING_FORM, status=422,
                  **point_context(point), form=form, implausible=implausible)


# -- billing calendar and feedback -----------------------------------------------------

@bp.route("/billing-calendar")
@water_access_required
def billing_calendar():
    points = list(visible_points())
    groups = sorted({p.billing_group for p in points})
    day = today()
    periods = BillingCalendar.of_year(groups, day.year)
    by_group = {g: [(p, water.reading_week(p.report_by)) for p in periods if p.billing_group == g] for g in groups}
    return render("water/billing_calendar.html", points=points, by_group=by_group, year=day.year,
                  areas=water.group_areas(groups, current_app.config.get("BILLING_GROUP_NAMES", "")))


class FeedbackForm(Form):
    message = TextAreaField(_l("Your feedback"), validators=[
        InputRequired(_l("Write your feedback.")), Length(max=4000)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200), ValidEmail()])


@bp.route("/points/<int:point_id>/feedback", methods=["GET", "POST"])
@water_access_required
def feedback(point_id):
    point = get_owned_or_404(ConsumptionPoint, point_id)
    form = FeedbackForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    if form.validate_on_submit():
        # Water feedback lands in customer service's support inbox like any message.
        user = current_user if current_user.is_authenticated else None
        email = (form.email.data or "").strip()
        support.open_thread(user, point.property.customer_id, support.NewMessage(
            category="water", subject=str(_l("Feedback on water consumption")),
            body=form.message.data, contact_method="email" if email else "none", email=email,
            point_id=point.id, property_id=point.property_id),
            language=str(get_locale()), request_key=new_request_key(), ip=client_ip())
        flash(_("Thank you for your feedback.") + (" " + _("We answer to %(email)s.", email=email)
                                                      if email else ""), "success")
        return redirect_after_post(url_for("water.point", point_id=point.id))
    status = form_status(form)
    return render("water/feedback.html", point=point, form=form, status=status)
