"""Waste self-service: the emptying calendar, extra emptyings, contract changes, new services."""
from __future__ import annotations

import datetime as dt
import functools

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain.settings import in_force
from domain import schedule, sorting, support, waste
from domain.calendar_grid import add_months, month_grid
from models.clock import today
from formatting import DATE_INPUT_FORMATS as DATE_FORMATS, format_date
from domain.pricing import emptying_price, offered_bin_sizes, priced_waste_types
from domain.errors import FieldError
from domain.waste import WasteSettings
from models import Property, WasteContract, WasteOrder
from views.labels import label
from views.messages import apply_error, form_status, message
from views.helpers import (Form, client_ip, get_owned_or_404, new_request_key, parse_month,
                           redirect_after_post, render, resident_required)

bp = Blueprint("waste", __name__, url_prefix="/properties/<int:property_id>")



def settings() -> WasteSettings:
    return WasteSettings.from_config(in_force())


def _property_and_contract(property_id, contract_id=None):
    prop = get_owned_or_404(Property, property_id)
    if contract_id is None:
        return prop, None
    contract = get_owned_or_404(WasteContract, contract_id)
    if contract.property_id != prop.id:
        abort(404)
    return prop, contract


# -- calendar ---------------------------------------------------------------------------

MONTH_NAMES = (_l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
               _l("July"), _l("August"), _l("September"), _l("October"), _l("November"),
               _l("December"))
DAY_NAMES = ((_l("Mon"), _l("Monday")), (_l("Tue"), _l("Tuesday")), (_l("Wed"), _l("Wednesday")),
             (_l("Thu"), _l("Thursday")), (_l("Fri"), _l("Friday")), (_l("Sat"), _l("Saturday")),
             (_l("Sun"), _l("Sunday")))


CALENDAR_TEXTS = {
    "previous_month": _l("Previous month"), "next_month": _l("Next month"),
    "week_number": _l("Week number"), "wk": _l("Wk"), "today": _l("today"),
    "extra": _l("extra emptying"), "legend": _l("Legend"),
    "holiday_rule": _l("A public holiday moves an emptying to the next working day."),
}


@functools.cache
def calendar_texts(lang: str) -> dict:
    """The calendar's words in `lang`, translated once per language and process: the
    calendar fragment is the most requested view, and each gettext call costs."""
    return {
        "months": [str(m) for m in MONTH_NAMES],
        "days": [(str(a), str(b)) for a, b in DAY_NAMES],
        "waste": {t: (label("waste_short", t), label("waste_type", t)) for t in waste.WASTE_TYPES},
        **{key: str(text) for key, text in CALENDAR_TEXTS.items()},
    }


@bp.route("/calendar")
@resident_required
def calendar(property_id):
    prop, _c = _property_and_contract(property_id)
    day = today()
    first = parse_month(request.args.get("month"), day.replace(day=1))
    first = max(min(first, add_months(day.replace(day=1), 24)), add_months(day.replace(day=1), -24))
    plans = schedule.plans_for(waste.property_contracts(prop))
    lang = str(get_locale())
    weeks = month_grid(first, plans, day, lang)
    long_moves = [(e, ", ".join(schedule.holidays_between(e.planned_day, e.day, lang)))
                  for week in weeks for d in week.days if d.in_month for e in d.emptyings if e.beyond_promise]
    holidays = [d for week in weeks for d in week.days if d.in_month and d.holiday]
    context = dict(prop=prop, month=first, weeks=weeks, long_moves=long_moves, holidays_shown=holidays,
                   texts=calendar_texts(lang),
                   previous_month=add_months(first, -1), next_month=add_months(first, 1),
                   waste_types=sorted({p.waste_type for p in plans}, key=waste.WASTE_TYPES.index),
                   guide_fractions=sorting.FRACTIONS)
    return render("waste/calendar.html", {"calendar": "waste/_calendar.html"},
                  summaries=waste.contract_summaries(prop, day, plans), **context)


# -- extra emptying -----------------------------------------------------------------------

# The form replaces itself; its price preview (hx-select) takes the price from the same fragment.
EXTRA_FRAGMENTS = {"extra-emptying": "waste/_extra_emptying_form.html",
                   "extra-price": "waste/_extra_emptying_form.html"}


class ExtraEmptyingForm(Form):
    day = DateField(_l("Desired date"), format=DATE_FORMATS,
                    validators=[InputRequired(_l("Enter a date."))])
    bins = IntegerField(_l("Number of bins"), validators=[
        InputRequired(_l("Enter the number of bins.")), NumberRange(min=1, max=waste.MAX_BINS)])
    info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=1000)])
    terms = BooleanField(_l("I accept the terms of the order"),
                         validators=[InputRequired(_l("Accept the terms to order."))])
    request_key = HiddenField()


@bp.route("/contracts/<int:contract_id>/extra-emptying", methods=["GET", "POST"])
@resident_required
def extra_emptying(property_id, contract_id):
    prop, contract = _property_and_contract(property_id, contract_id)
    form = ExtraEmptyingForm()
    earliest = waste.earliest_extra_emptying(today(), settings())
    preview = request.args.get("preview") == "1"
    if request.method == "GET":
        form.day.data = earliest
        form.bins.data = contract.bin_count
        form.request_key.data = new_request_key()
    elif preview:
        form.validate()  # only to read the values; nothing is ordered and no error is shown
        for f in form:
            f.errors = []
    elif form.validate_on_submit():
        try:
            order = waste.order_extra_emptying(
                current_user, prop, contract, day=form.day.data, bins=form.bins.data,
                info=form.info.data or "", request_key=form.request_key.data or new_request_key(),
                today=today(), settings=settings())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Extra emptying ordered for %(date)s. You can follow it under Orders.",
                    date=format_date(order.effective_date)), "success")
            return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#orders")
    bins = form.bins.data if isinstance(form.bins.data, int) and 1 <= form.bins.data <= contract.bin_count else contract.bin_count
    price = emptying_price(contract.waste_type, contract.bin_size, bins,
                           form.day.data if isinstance(form.day.data, dt.date) else earliest)
    status = form_status(form)
    return render("waste/extra_emptying.html", EXTRA_FRAGMENTS, status=status,
                  prop=prop, contract=contract, form=form, price=price, earliest=earliest)


# -- contract changes ----------------------------------------------------------------------



class ChangeForm(Form):
    effective = DateField(_l("Effective from"), format=DATE_FORMATS,
                          validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("Last day of the suspension"), format=DATE_FORMATS, validators=[Optional()])
    bins = IntegerField(_l("New number of bins"), validators=[Optional(), NumberRange(min=1, max=waste.MAX_BINS)])
    interval = RadioField(_l("New emptying interval"), coerce=int, validate_choice=False,
                          validators=[Optional()])
    info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=1000)])
    request_key = HiddenField()


@bp.route("/contracts/<int:contract_id>/change", methods=["GET"])
@resident_required
def change_menu(property_id, contract_id):
    prop, contract = _property_and_contract(property_id, contract_id)
    return render("waste/change_menu.html", prop=prop, contract=contract, kinds=WasteOrder.CHANGE_KINDS)


@bp.route("/contracts/<int:contract_id>/change/<kind>", methods=["GET", "POST"])
@resident_required
def change(property_id, contract_id, kind):
    if kind not in WasteOrder.CHANGE_KINDS:
        abort(404)
    prop, contract = _property_and_contract(property_id, contract_id)
    form = ChangeForm()
    form.interval.choices = [(n, n) for n in settings().intervals_for(contract.waste_type)]
    earliest = waste.earliest_change(today(), settings())
    if request.method == "GET":
        form.effective.data = earliest
        form.bins.data = contract.bin_count
        form.interval.data = contract.interval_weeks
        form.request_key.data = new_request_key()
    elif form.validate_on_submit():
        try:
            waste.request_change(
                current_user, prop, contract, kind=kind, effective=form.effective.data,
                end=form.end.data, bins=form.bins.data, interval=form.interval.data,
                info=form.info.data or "", request_key=form.request_key.data or new_request_key(),
                today=today(), settings=settings())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Your request has been sent. Customer service processes it and may contact "
                    "you; you can follow its status under Orders."), "success")
            return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#orders")
    status = form_status(form)
    return render("waste/change.html", {"change-form": "waste/_change_form.html"}, status=status, prop=prop,
                  contract=contract, kind=kind, form=form, earliest=earliest,
                  settings=settings())


# -- order a service or change the bin -----------------------------------------------------

class ServiceForm(Form):
    waste_type = RadioField(_l("Waste type"), validate_choice=False,
                            validators=[InputRequired(_l("Choose a waste type."))])
    bin_size = RadioField(_l("Bin"), coerce=int, validate_choice=False,
                          validators=[InputRequired(_l("Choose a bin."))])
    effective = DateField(_l("Effective from"), format=DATE_FORMATS,
                          validators=[InputRequired(_l("Enter a date."))])
    bins = IntegerField(_l("Number of bins"), validators=[
        InputRequired(_l("Enter the number of bins.")), NumberRange(min=1, max=waste.MAX_BINS)])
    interval = RadioField(_l("Emptying interval"), coerce=int, validate_choice=False,
                          validators=[InputRequired(_l("Choose an emptying interval."))])
    info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=1000)])
    terms = BooleanField(_l("I accept the terms of the order"),
                         validators=[InputRequired(_l("Accept the terms to order."))])
    request_key = HiddenField()


@bp.route("/order-service", methods=["GET", "POST"])
@resident_required
def order_service(property_id):
    """A four-step order: waste type -> bin -> date, bins, rhythm -> price and confirm.

    Steps 1-3 are GET forms that carry the earlier choices, so the back button and a
    reload never lose anything; only the confirmation is a POST.
    """
    prop, _c = _property_and_contract(property_id)
    day, cfg = today(), settings()
    form = ServiceForm(request.form if request.method == "POST" else request.args)
    earliest = waste.earliest_change(day, cfg)
    reasons = _unavailable(prop, max(day, earliest), cfg)
    existing = {c.waste_type: c for c in WasteContract.active_on(day).where(WasteContract.property == prop)}
    waste_type = form.waste_type.data if form.waste_type.data in waste.WASTE_TYPES else None
    step = 1
    if waste_type and reasons[waste_type]:
        form.waste_type.errors = [_unavailable_text(reasons[waste_type], prop, cfg)]
    elif waste_type:
        step = 2
    offers = offered_bin_sizes(waste_type, max(day, earliest)) if step >= 2 else []
    if step == 2 and form.bin_size.data in {size for size, _p in offers}:
        step = 3
    intervals = cfg.intervals_for(waste_type) if waste_type else ()
    form.interval.choices = [(n, n) for n in intervals]
    form.waste_type.choices = [(kind, label("waste_bin", kind)) for kind, reason in reasons.items() if not reason]
    form.bin_size.choices = [(size, size) for size, _price in offers]
    shown_reasons = {}  # one sentence per reason, naming the bins it keeps out
    for kind, reason in reasons.items():
        if reason and reason != "unpriced":
            shown_reasons.setdefault(reason, []).append(kind)
    context = dict(prop=prop, form=form, earliest=earliest, existing=existing, prices=dict(offers),
                   unavailable=[(", ".join(label("waste_type", k) for k in kinds), _unavailable_text(r, prop, cfg))
                                for r, kinds in shown_reasons.items()])
    if step == 3 and request.method == "GET" and request.args.get("step") != "confirm":
        if form.effective.data is None and not form.effective.raw_data:
            form.effective.data, form.bins.data = earliest, form.bins.data or 1
            form.interval.data = form.interval.data if form.interval.data in intervals else (
                2 if 2 in intervals else intervals[0])
    elif step == 3:
        step = _confirm_step(form, prop, day, cfg, context)
        if step == 4 and request.method == "POST" and form.terms.validate(form):
            return _place_service_order(form, prop, day, cfg, existing)
    if request.method == "GET" and request.args.get("at") in ("1", "2") and step < 4:
        step = min(step, int(request.args["at"]))  # "Back": the earlier step, its choice kept
    context["step"] = step
    status = form_status(form)
    return render("waste/order_service.html", {"order-service": "waste/_order_service.html"}, status=status, **context)


def _unavailable(prop, day, cfg: WasteSettings) -> dict[str, str | None]:
    """{waste type: why the property cannot order it, or None}, in the order offered."""
    priced = priced_waste_types(day)
    return {kind: waste.unavailable_reason(prop, kind, day, cfg) or (None if kind in priced else "unpriced")
            for kind in waste.WASTE_TYPES}


def _unavailable_text(code: str, prop, cfg: WasteSettings) -> str:
    """Why a bin cannot be ordered, with the start date and the areas of the settings."""
    return message(FieldError("waste_type", code, date=cfg.biowaste_start, area=prop.collection_area,
                              areas=", ".join(cfg.biowaste_areas)))


def _confirm_step(form, prop, day, cfg, context) -> int:
    """Step 4 when the choices hold: the new price and the yearly estimate in `context`;
    step 3 again, with the errors on the form, when they do not."""
    fields = (form.effective, form.bins, form.interval)
    if not all(f.validate(form) for f in fields):
        return 3
    choice = _service_choice(form)
    try:
        waste.check_service(prop, today=day, settings=cfg, **choice)
    except FieldError as error:
        apply_error(form, error)
        return 3
    count, cost = waste.yearly_estimate(**choice)
    context.update(estimate_count=count, estimate_cost=cost, new_price=emptying_price(
        choice["waste_type"], choice["bin_size"], choice["bins"], choice["effective"]))
    form.request_key.data = form.request_key.data or new_request_key()
    return 4


def _service_choice(form) -> dict:
    return dict(waste_type=form.waste_type.data, bin_size=form.bin_size.data, bins=form.bins.data,
                interval=form.interval.data, effective=form.effective.data)


def _place_service_order(form, prop, day, cfg, existing):
    choice = _service_choice(form)
    waste.order_service(current_user, prop, replaces=existing.get(choice["waste_type"]),
                        info=form.info.data or "", request_key=form.request_key.data,
                        today=day, settings=cfg, **choice)
    flash(_("Your order has been sent. Customer service confirms it; you can follow its "
            "status under Orders."), "success")
    return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#orders")


class MissedForm(Form):
    day = DateField(_l("Day of the emptying"), format=DATE_FORMATS, validators=[InputRequired(_l("Enter a date."))])
    info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=1000)])
    request_key = HiddenField()


@bp.route("/contracts/<int:contract_id>/missed", methods=["GET", "POST"])
@resident_required
def missed(property_id, contract_id):
    """ "My bin was not emptied": a message to customer service with the property, the bin
    and the day attached."""
    prop, contract = _property_and_contract(property_id, contract_id)
    form = MissedForm(request.form if request.method == "POST" else request.args)
    if request.method == "GET":
        form.request_key.data = form.request_key.data or new_request_key()
    elif form.validate():
        try:
            waste.check_missed_day(contract, form.day.data, today())
            name = _("%(waste)s bin %(size)d L", waste=label("waste_type", contract.waste_type), size=contract.bin_size)
            body = _("The bin was not emptied on %(date)s: %(bin)s, %(address)s.", date=format_date(form.day.data),
                     bin=name, address=prop.address)
            thread = support.open_thread(current_user, current_user.customer_id, support.NewMessage(
                category="emptying", subject=_("Not emptied on %(date)s", date=format_date(form.day.data)),
                body=body + ("\n\n" + form.info.data.strip() if form.info.data else ""), contact_method="email",
                email=current_user.email, property_id=prop.id, contract_id=contract.id, missed_on=form.day.data),
                language=str(get_locale()), request_key=form.request_key.data or new_request_key(), ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Customer service has your report and answers in this thread."), "success")
            return redirect_after_post(url_for("support.thread", thread_id=thread.id))
    return render("waste/missed.html", {"missed-form": "waste/_missed_form.html"}, status=form_status(form),
                  prop=prop, contract=contract, form=form)


@bp.post("/orders/<int:order_id>/cancel")
@resident_required
def cancel(property_id, order_id):
    order = get_owned_or_404(WasteOrder, order_id)
    if order.property_id != property_id:
        abort(404)
    try:
        waste.cancel_order(current_user, order, ip=client_ip())
    except FieldError as error:
        flash(message(error), "error")
    else:
        flash(_("Your request is cancelled."), "success")
    return redirect_after_post(url_for("properties.detail", property_id=property_id) + "#orders")


# -- order history and the calendar feed -----------------------------------------------

@bp.route("/orders")
@resident_required
def history(property_id):
    prop, _c = _property_and_contract(property_id)
    return render("waste/history.html", prop=prop, orders=list(WasteOrder.of_property(prop)))
