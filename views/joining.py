"""Joining as a customer: the public application form, and customer service's queue where
each application is approved (customer, property and bins made, a registration code
sent) or rejected. The rules are in domain/joining.py."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, request, session, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain.settings import in_force
from domain import areas, joining, schedule
from domain.errors import FieldError
from domain.pricing import offered_bin_sizes
from domain.waste import WasteSettings
from formatting import DATE_INPUT_FORMATS, format_money
from models import JoinApplication, Property
from models.clock import today
from views.helpers import (Form, ValidEmail, client_ip, get_or_404, new_request_key, optional_int, placeholder,
                           redirect_after_post,
                           render, staff_required)
from views.labels import label
from views.messages import apply_error, form_status

bp = Blueprint("joining", __name__)


def _required(text):
    return InputRequired(text)


class JoinForm(Form):
    first_name = StringField(_l("First name"), validators=[_required(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[_required(_l("Enter your last name.")), Length(max=100)])
    email = StringField(_l("Email"), validators=[_required(_l("Enter your email address.")), Length(max=200),
                                                 ValidEmail()])
    phone = StringField(_l("Phone number"), validators=[_required(_l("Enter your phone number.")), Length(max=40)])
    street = StringField(_l("Street address of the property"), validators=[
        _required(_l("Enter the street address.")), Length(max=100)])
    postal_code = StringField(_l("Postal code"), validators=[_required(_l("Enter the postal code.")), Length(max=5)])
    post_office = StringField(_l("Post office"), validators=[_required(_l("Enter the post office.")), Length(max=60)])
    municipality = StringField(_l("Municipality"), validators=[_required(_l("Enter the municipality.")), Length(max=60)])
    building_type = RadioField(_l("Type of property"), validate_choice=False,
                               validators=[_required(_l("Choose the type of the property."))])
    persons = IntegerField(_l("People living there"), validators=[
        _required(_l("Enter the number of people living there, 1–999.")), NumberRange(min=1, max=999)])
    dwellings = IntegerField(_l("Dwellings"), validators=[
        _required(_l("Enter the number of dwellings, 1–999.")), NumberRange(min=1, max=999)])
    start_date = DateField(_l("Services from"), format=DATE_INPUT_FORMATS, validators=[_required(_l("Enter a date."))])
    extra_info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=2000)])
    request_key = HiddenField()


@bp.route("/join", methods=["GET", "POST"])
def apply():
    form = JoinForm()
    form.building_type.choices = [(t, label("building_type_one", t)) for t in Property.BUILDING_TYPES]
    services = request.form.getlist("services") if request.method == "POST" else []
    if request.method == "GET":
        form.dwellings.data, form.start_date.data = 1, today()
        form.request_key.data = new_request_key()
    elif form.validate_on_submit():
        try:
            made = joining.apply(joining.Application(
                **{n: form[n].data for n in ("first_name", "last_name", "email", "phone", "street", "postal_code",
                                              "post_office", "municipality", "building_type", "persons",
                                              "dwellings", "start_date")},
                services=services, extra_info=form.extra_info.data or "", language=str(get_locale())),
                request_key=form.request_key.data or new_request_key(), today=today(), ip=client_ip(),
                settings=current_app.config)
        except FieldError as error:
            apply_error(form, error)
        else:
            session["joined"] = made.id
            return redirect_after_post(url_for("joining.sent"))
    return render("joining/apply.html", status=form_status(form), form=form, services=services,
                  service_choices=[(s, _service_name(s)) for s in joining.SERVICES],
                  municipalities=Property.municipalities())


def _service_name(code: str) -> str:
    return {"water": _("Water and wastewater"), "septic": _("Septic or holding tank emptying")}.get(
        code) or label("waste_bin", code)


@bp.route("/join/sent")
def sent():
    made = JoinApplication.get_or_none(JoinApplication.id == session.get("joined"))
    return render("joining/sent.html", application=made)


# -- the back office ---------------------------------------------------------------------

class DecisionForm(Form):
    collection_area = StringField(_l("Collection area"), validators=[Optional(), Length(max=100)])
    route_weekday = SelectField(_l("Route weekday"), coerce=optional_int, validate_choice=False, validators=[Optional()])
    note = TextAreaField(_l("Reason for a rejection"), validators=[Optional(), Length(max=2000)])


def _decision_form(application, formdata=None):
    """The decision form with a bin size and an interval for each bin service applied for."""
    wanted = [s for s in application.service_list() if s in joining.WASTE_TYPES]
    cfg = WasteSettings.from_config(in_force())
    fields = {}
    lang = str(get_locale())
    for waste_type in wanted:
        offers = offered_bin_sizes(waste_type, application.start_date)
        fields[f"size_{waste_type}"] = SelectField(
            _l("Bin"), coerce=optional_int, validate_choice=False, choices=[placeholder()] + [
                (size, f"{size} L – {format_money(price.total, lang)}") for size, price in offers])
        fields[f"interval_{waste_type}"] = SelectField(
            _l("Emptying interval"), coerce=optional_int, validate_choice=False,
            choices=[(n, ngettext("every week", "every %(num)d weeks", n)) for n in cfg.intervals_for(waste_type)])
    form_class = type("JoinDecisionForm", (DecisionForm,), fields)
    form = form_class(formdata=formdata) if formdata is not None else form_class()
    form.route_weekday.choices = [(d, label("weekday", d)) for d in range(schedule.SATURDAY)]
    return form, wanted, cfg


@bp.route("/staff/joining")
@staff_required
def queue():
    status = request.args.get("status", "pending")
    return render("staff/joining.html", applications=list(JoinApplication.queue(status)), shown_status=status)


@bp.route("/staff/joining/<int:application_id>", methods=["GET", "POST"])
@staff_required
def decide(application_id):
    application = get_or_404(JoinApplication, application_id)
    form, wanted, cfg = _decision_form(application)
    code = None
    if request.method == "GET":
        form.collection_area.data = application.municipality
        form.route_weekday.data = areas.weekday_of(application.municipality)
    elif form.validate_on_submit():
        try:
            if request.form.get("decision") == "reject":
                joining.reject(application, current_user, note=form.note.data or "", ip=client_ip())
                flash(_("The application is rejected and the applicant told by email."), "success")
                return redirect_after_post(url_for("joining.queue"))
            code = joining.approve(
                application, current_user, collection_area=form.collection_area.data or "",
                route_weekday=form.route_weekday.data,
                bins={t: joining.BinChoice(form[f"size_{t}"].data or 0, form[f"interval_{t}"].data or 0) for t in wanted},
                today=today(), settings=cfg, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            application = JoinApplication.get_by_id(application.id)
    return render("staff/join_decision.html", status=form_status(form), form=form, application=application,
                  wanted=wanted, code=code, areas=Property.collection_areas(),
                  service_names={s: _service_name(s) for s in joining.SERVICES})
