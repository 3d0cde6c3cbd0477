"""Septic and holding tanks for residents: record the property's wastewater systems and
order an emptying for a week; staff's route list is in views/staff_sludge.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain.settings import in_force
from domain import sludge
from domain.errors import FieldError
from domain.pricing import sludge_price
from formatting import DATE_INPUT_FORMATS as DATE_FORMATS, format_date
from models import Property, SludgeOrder, WastewaterSystem
from models.clock import today
from views.helpers import (Form, client_ip, get_owned_or_404, new_request_key, redirect_after_post, render,
                           resident_required)
from views.labels import label
from views.messages import apply_error, form_status, message

bp = Blueprint("sludge", __name__, url_prefix="/properties/<int:property_id>/wastewater")


def settings() -> sludge.SludgeSettings:
    return sludge.SludgeSettings.from_config(in_force())


def _property_and_system(property_id, system_id=None):
    prop = get_owned_or_404(Property, property_id)
    if system_id is None:
        return prop, None
    system = get_owned_or_404(WastewaterSystem, system_id)
    if system.property_id != prop.id:
        abort(404)
    return prop, system


class SystemForm(Form):
    kind = RadioField(_l("Type"), validate_choice=False, validators=[InputRequired(_l("Choose the type."))])
    volume_m3 = StringField(_l("Volume (m³)"), validators=[InputRequired(_l("Enter the volume.")), Length(max=10)])
    chambers = IntegerField(_l("Number of chambers"), validators=[
        InputRequired(_l("Enter the number of chambers.")), NumberRange(min=1, max=4, message=_l("Choose 1–4 chambers."))])
    greywater_only = BooleanField(_l("Washing water only (no toilet)"))
    dry_toilet = BooleanField(_l("The toilet is a dry toilet"))
    hose_distance_m = IntegerField(_l("Hose distance from where the truck stops (m)"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Enter 0–100 metres."))])
    interval_weeks = IntegerField(_l("Fixed emptying interval (weeks)"), validators=[
        Optional(), NumberRange(min=1, max=52, message=_l("Enter 1–52 weeks."))])
    last_emptied_on = DateField(_l("Last emptied"), format=DATE_FORMATS, validators=[Optional()])
    access_notes = TextAreaField(_l("Access notes for the driver"), validators=[Optional(), Length(max=1000)])


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:system_id>/edit", methods=["GET", "POST"])
@resident_required
def edit(property_id, system_id=None):
    prop, system = _property_and_system(property_id, system_id)
    form = SystemForm(obj=system if request.method == "GET" else None)
    form.kind.choices = [(k, label("system_kind", k)) for k in WastewaterSystem.KINDS]
    if request.method == "GET" and system is None:
        form.chambers.data, form.hose_distance_m.data = 2, 10
        form.dry_toilet.data = prop.occupancy == "holiday"
    if request.method == "POST" and form.validate_on_submit():
        try:
            sludge.save_system(current_user, prop, system, today=today(), kind=form.kind.data,
                               volume_m3=form.volume_m3.data, chambers=form.chambers.data,
                               hose_distance_m=form.hose_distance_m.data or 0, interval_weeks=form.interval_weeks.data,
                               last_emptied_on=form.last_emptied_on.data, greywater_only=form.greywater_only.data,
                               dry_toilet=form.dry_toilet.data, access_notes=form.access_notes.data or "",
                               ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("The wastewater system has been saved."), "success")
            return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#wastewater")
    return render("sludge/edit.html", {"system-form": "sludge/_system_form.html"}, status=form_status(form), prop=prop, system=system, form=form)


class OrderForm(Form):
    week = RadioField(_l("Week"), validate_choice=False, validators=[InputRequired(_l("Choose a week."))])
    info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=1000)])
    terms = BooleanField(_l("I accept the terms of the order"),
                         validators=[InputRequired(_l("Accept the terms to order."))])
    request_key = HiddenField()


@bp.route("/<int:system_id>/order", methods=["GET", "POST"])
@resident_required
def order(property_id, system_id):
    prop, system = _property_and_system(property_id, system_id)
    cfg, day = settings(), today()
    weeks = sludge.orderable_weeks(day, cfg)
    form = OrderForm()
    form.week.choices = [(w.isoformat(), _("Week %(week)d: %(start)s–%(end)s", week=w.isocalendar()[1],
                                           start=format_date(w), end=format_date(sludge.working_days(w)[-1])))
                         for w in weeks if sludge.working_days(w)]
    current = SludgeOrder.open_of([system]).get(system.id)
    if request.method == "GET":
        form.request_key.data = new_request_key()
    elif form.validate_on_submit():
        try:
            week = next((w for w in weeks if w.isoformat() == form.week.data), None)
            sludge.order(current_user, prop, system, week=week, info=form.info.data or "",
                         request_key=form.request_key.data or new_request_key(), today=day, settings=cfg)
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Your order has been sent. Customer service plans the day and the truck comes during "
                    "the week you chose."), "success")
            return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#wastewater")
    return render("sludge/order.html", {"sludge-order": "sludge/_order_form.html"}, status=form_status(form), prop=prop, system=system, form=form,
                  current=current, price=sludge_price(system.volume_m3, weeks[0]))


@bp.route("/<int:system_id>/orders/<int:order_id>/cancel", methods=["POST"])
@resident_required
def cancel(property_id, system_id, order_id):
    prop, system = _property_and_system(property_id, system_id)
    item = get_owned_or_404(SludgeOrder, order_id)
    if item.system_id != system.id:
        abort(404)
    try:
        sludge.cancel(current_user, item, ip=client_ip())
    except FieldError as error:
        flash(message(error), "error")
    else:
        flash(_("Your order is cancelled."), "success")
    return redirect_after_post(url_for("properties.detail", property_id=prop.id) + "#wastewater")
