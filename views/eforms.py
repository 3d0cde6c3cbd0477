"""The public e-form channel (no account): a request identified by the customer number and
the property's address, carried out when confirmed from the emailed link. The rules are in
domain/eforms.py."""
from __future__ import annotations

from flask import Blueprint, current_app, request, session, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from wtforms import DateField, EmailField, HiddenField, RadioField, StringField, TelField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain.settings import in_force
from domain import eforms, sludge
from domain.errors import FieldError
from domain.waste import WasteSettings
from formatting import DATE_INPUT_FORMATS, format_date
from models import PublicRequest
from models.clock import today
from views.helpers import Form, ValidEmail, client_ip, new_request_key, redirect_after_post, render
from views.labels import LABELS
from views.messages import apply_error, form_status

bp = Blueprint("eforms", __name__, url_prefix="/requests")

KIND_NAMES = LABELS["eform_kind"]


class EForm(Form):
    kind = RadioField(_l("What do you want to send?"), validate_choice=False,
                      validators=[InputRequired(_l("Choose what you want to send."))])
    customer_number = StringField(_l("Customer number"), validators=[
        InputRequired(_l("Enter your customer number.")), Length(max=30)])
    street = StringField(_l("Street address of the property"), validators=[
        InputRequired(_l("Enter the street address.")), Length(max=100)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), Length(max=200),
                                                ValidEmail()])
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    day = DateField(_l("Desired date"), format=DATE_INPUT_FORMATS, validators=[Optional()])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])
    request_key = HiddenField()


def _settings():
    return (WasteSettings.from_config(in_force()), sludge.SludgeSettings.from_config(in_force()))


@bp.route("", methods=["GET", "POST"])
def new():
    form = EForm()
    form.kind.choices = list(KIND_NAMES.items())
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in KIND_NAMES else None
        form.request_key.data = new_request_key()
    elif form.validate_on_submit():
        waste_settings, sludge_settings = _settings()
        try:
            made = eforms.submit(kind=form.kind.data, customer_number=form.customer_number.data,
                                 street=form.street.data, email=form.email.data, phone=form.phone.data or "",
                                 day=form.day.data, details=form.details.data or "", language=str(get_locale()),
                                 request_key=form.request_key.data or new_request_key(), ip=client_ip(),
                                 settings=current_app.config, today=today(), waste_settings=waste_settings,
                                 sludge_settings=sludge_settings)
        except FieldError as error:
            apply_error(form, error)
        else:
            session["eform"] = made.id
            return redirect_after_post(url_for("eforms.sent"))
    return render("eforms/new.html", status=form_status(form), form=form)


@bp.route("/sent")
def sent():
    made = PublicRequest.get_or_none(PublicRequest.id == session.get("eform"))
    return render("eforms/sent.html", made=made)


def _describe(made: PublicRequest) -> tuple[str, str]:
    subject = _("%(kind)s (e-form)", kind=KIND_NAMES[made.kind])
    lines = [f"{subject}: {made.property.address}"]
    if made.day:
        lines.append(_("Desired date: %(date)s", date=format_date(made.day)))
    return subject, "\n".join(lines) + ("\n\n" + made.details if made.details else "")


@bp.route("/confirm/<token>")
def confirm(token):
    waste_settings, sludge_settings = _settings()
    made = eforms.confirm(token, _describe, today=today(), waste_settings=waste_settings,
                          sludge_settings=sludge_settings)
    if made is None:
        return render("eforms/confirmed.html", made=None, status=404)
    return render("eforms/confirmed.html", made=made, kind_name=KIND_NAMES[made.kind])
