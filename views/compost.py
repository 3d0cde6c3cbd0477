"""Composting notifications: list, notify, renew."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from domain import compost
from models.clock import today
from models import CompostNotice, Property
from views.messages import form_status
from views.helpers import (Form, ValidEmail, client_ip, get_owned_or_404, new_request_key, optional_int, placeholder,
                           redirect_after_post, render, resident_required)
from views.labels import LABELS

bp = Blueprint("compost", __name__, url_prefix="/compost")


def _required(message):
    return InputRequired(message)


class CompostForm(Form):
    property = SelectField(_l("Property"), coerce=optional_int, validate_choice=False,
                           validators=[_required(_l("Choose the property."))])
    first_name = StringField(_l("First name"), validators=[_required(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[_required(_l("Enter your last name.")), Length(max=100)])
    street = StringField(_l("Address"), validators=[_required(_l("Enter the street address.")), Length(max=100)])
    postal_code = StringField(_l("Postal code"), validators=[
        _required(_l("Enter the postal code.")),
        Regexp(r"^\d{5}$", message=_l("A postal code has five digits, for example 45100."))])
    post_office = StringField(_l("Post office"), validators=[_required(_l("Enter the post office.")), Length(max=60)])
    phone = StringField(_l("Phone number"), validators=[_required(_l("Enter your phone number.")), Length(max=40)])
    email = StringField(_l("Email"), validators=[
        _required(_l("Enter your email address.")),
        Length(max=200), ValidEmail()])
    building_type = SelectField(_l("Building type"), validate_choice=False,
                                validators=[_required(_l("Choose the building type."))])
    occupancy = RadioField(_l("Use of the property"), validate_choice=False,
                           validators=[_required(_l("Choose how the property is used."))])
    persons = IntegerField(_l("Number of residents"), validators=[
        _required(_l("Enter the number of residents.")), NumberRange(min=1, max=50)])
    composter_type = RadioField(_l("Composter"), validate_choice=False,
                                validators=[_required(_l("Choose the composter."))])
    composter_other = StringField(_l("Other composter, what kind"), validators=[Optional(), Length(max=100)])
    volume_l = IntegerField(_l("Volume (litres)"), validators=[
        _required(_l("Enter the volume in litres.")), NumberRange(min=10, max=5000)])
    composted = TextAreaField(_l("What is composted"), validators=[
        _required(_l("Tell what is composted.")), Length(max=1000)])
    confirm_disuse = BooleanField(_l("I know the property holder must notify the waste authority "
                                     "if the composter is taken out of use"),
                                  validators=[_required(_l("Confirm this to send the notification."))])
    confirm_correct = BooleanField(_l("I confirm that the information is correct"),
                                   validators=[_required(_l("Confirm this to send the notification."))])
    extra_info = TextAreaField(_l("Extra information"), validators=[Optional(), Length(max=2000)])
    request_key = HiddenField()


def _choices(form, properties):
    form.property.choices = [placeholder()] + [(p.id, p.address) for p in properties]
    form.building_type.choices = [placeholder()] + [(k, str(v)) for k, v in LABELS["building_type_one"].items()]
    form.occupancy.choices = [(k, str(v)) for k, v in LABELS["occupancy"].items()]
    form.composter_type.choices = [(k, str(LABELS["composter_type"][k])) for k in CompostNotice.COMPOSTER_TYPES]


@bp.route("/")
@resident_required
def index():
    notices = list(CompostNotice.visible_to(current_user).select(CompostNotice, Property).join(Property)
                   .order_by(CompostNotice.notified_on.desc(), CompostNotice.id.desc()))
    renewed = CompostNotice.renewed_among(notices)
    day = today()
    return render("compost/index.html", today=day, notices=[
        (n, n.id in renewed, compost.renewable(n, day, renewed=n.id in renewed)) for n in notices])


@bp.route("/new", methods=["GET", "POST"])
@resident_required
def new():
    properties = list(Property.of_user(current_user))
    if not properties:
        abort(404)
    renews = None
    if request.values.get("renew"):
        renews = get_owned_or_404(CompostNotice, request.values["renew"])
        if not compost.renewable(renews, today()):
            abort(404)
    form = CompostForm()
    _choices(form, properties)
    if request.method == "GET":
        _prefill(form, properties, renews)
    elif form.validate_on_submit():
        if form.composter_type.data == "other" and not (form.composter_other.data or "").strip():
            form.composter_other.errors = [_("Tell what kind of composter it is.")]
        else:
            prop = get_owned_or_404(Property, form.property.data)
            data = {f: getattr(form, f).data for f in compost.FIELDS}
            notice = compost.make_notice(current_user, prop, data, today=today(),
                                         request_key=form.request_key.data or new_request_key(),
                                         renews=renews, ip=client_ip())
            flash(_("Thank you. Your composting notification is in the register, valid until %(date)s.",
                    date=f"{notice.valid_until.day}.{notice.valid_until.month}.{notice.valid_until.year}"),
                  "success")
            return redirect_after_post(url_for("compost.index"))
    status = form_status(form)
    return render("compost/new.html", {"compost-form": "compost/_form.html"}, status=status, form=form, renews=renews,
                  shared_url=current_app.config["SHARED_COMPOSTER_FORM_URL"])


def _prefill(form, properties, renews):
    """From the notice being renewed, or from the account and the property."""
    form.request_key.data = new_request_key()
    if renews is not None:
        for name in compost.FIELDS:
            getattr(form, name).data = getattr(renews, name)
        form.property.data = renews.property_id
        form.confirm_disuse.data = form.confirm_correct.data = False
        return
    prop = properties[0]
    form.property.data = prop.id
    form.first_name.data, form.last_name.data = current_user.first_name, current_user.last_name
    form.phone.data, form.email.data = current_user.phone, current_user.email
    customer = current_user.customer
    form.street.data, form.postal_code.data = customer.billing_street, customer.billing_postal_code
    form.post_office.data = customer.billing_post_office
    form.building_type.data, form.occupancy.data = prop.building_type, prop.occupancy
    form.composter_type.data = "insulated_food"
