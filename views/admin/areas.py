"""Collection areas and announced days (domain/areas.py, domain/administration.py): an
area's emptying day, biowaste and recyclables, its bins moved to another weekday from a
date; a day without emptyings, or moved, announced and withdrawn."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from domain import administration, areas, schedule, settings
from domain.errors import FieldError
from domain.waste import RECYCLING_TYPES, WasteSettings
from formatting import DATE_INPUT_FORMATS
from models import CalendarException, CollectionArea
from models.clock import today
from views.admin.blueprint import bp, date_field
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render
from views.labels import label
from views.messages import apply_error, form_status


class AreaForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the name of the collection area.")),
                                               Length(max=100)])
    route_weekday = SelectField(_l("Emptying day"), coerce=int, validate_choice=False)
    biowaste = BooleanField(_l("Biowaste is collected in the area"))
    move_from = DateField(_l("Move the area's bins to this day from"), format=DATE_INPUT_FORMATS,
                          validators=[Optional()])


class AnnounceForm(Form):
    day = date_field(_l("Day"))
    moved_to = DateField(_l("Emptyings that day move to"), format=DATE_INPUT_FORMATS, validators=[Optional()])
    name_fi = StringField(_l("Reason in Finnish"), validators=[InputRequired(_l("Say why, in Finnish at least.")),
                                                               Length(max=200)])
    name_sv = StringField(_l("Reason in Swedish"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Reason in English"), validators=[Optional(), Length(max=200)])


@bp.route("/areas")
def collection_areas():
    return render("admin/areas.html", rows=areas.overview(today()))


@bp.route("/area", methods=["GET", "POST"])
def collection_area():
    name = request.values.get("name", "")
    area = CollectionArea.get_or_none(CollectionArea.name == name) if name else None
    form = AreaForm()
    form.route_weekday.choices = [(d, label("weekday", d)) for d in range(schedule.SATURDAY)]
    # An area not saved yet starts from what is in force for it now (the domain says what).
    terms = areas.terms_in_force(name, WasteSettings.from_config(settings.in_force()))
    chosen = request.form.getlist("recycling") if request.method == "POST" else terms.recycling
    if request.method == "GET":
        form.name.data = name
        form.route_weekday.data = terms.route_weekday
        form.biowaste.data = terms.biowaste
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
