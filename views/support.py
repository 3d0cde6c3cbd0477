"""Customer support for residents: the contact form, their threads, replies."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, request, send_from_directory, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain import support
from domain.errors import FieldError
from models import Property, SupportMessage, SupportThread
from views.helpers import (Form, ValidEmail, client_ip, get_owned_or_404, new_request_key, placeholder,
                           redirect_after_post, render, resident_required)
from views.labels import LABELS
from views.messages import apply_error, form_status

bp = Blueprint("support", __name__, url_prefix="/support")

# Where a link elsewhere in the app lands on the form with a category chosen.
TOPICS = {"bins": "bins_contracts", "water": "water", "composting": "composting"}


class SupportForm(Form):
    property = SelectField(_l("Property"), coerce=int, validate_choice=False, validators=[Optional()])
    category = SelectField(_l("Category"), validate_choice=False,
                           validators=[InputRequired(_l("Choose a category."))])
    subject = StringField(_l("Subject"), validators=[InputRequired(_l("Write a subject.")), Length(max=150)])
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=5000)])
    contact_method = RadioField(_l("How do you want to be contacted?"), validate_choice=False,
                                choices=[("email", _l("By email")), ("phone", _l("By phone")),
                                         ("none", _l("No contact needed"))],
                                validators=[InputRequired(_l("Choose how you want to be contacted."))])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200), ValidEmail()])
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    request_key = HiddenField()


class ReplyForm(Form):
    body = TextAreaField(_l("Your reply"), validators=[InputRequired(_l("Write a message.")), Length(max=5000)])
    request_key = HiddenField()


@bp.route("/", methods=["GET", "POST"])
@resident_required
def index():
    properties = list(Property.of_user(current_user))
    form = SupportForm()
    form.property.choices = [(p.id, p.address) for p in properties]
    form.category.choices = [placeholder()] + [(c, str(LABELS["support_category"][c])) for c in SupportThread.CATEGORIES]
    if request.method == "GET":
        form.email.data, form.phone.data = current_user.email, current_user.phone
        form.contact_method.data = "email"
        form.category.data = TOPICS.get(request.args.get("topic"), "")
        form.request_key.data = new_request_key()
        if len(properties) == 1:
            form.property.data = properties[0].id
    elif form.validate_on_submit():
        prop_id = form.property.data if form.property.data in {p.id for p in properties} else None
        try:
            thread = support.open_thread(current_user, current_user.customer_id, support.NewMessage(
                category=form.category.data, subject=form.subject.data, body=form.body.data,
                contact_method=form.contact_method.data, email=form.email.data or "",
                phone=form.phone.data or "", property_id=prop_id),
                language=str(get_locale()), request_key=form.request_key.data or new_request_key(),
                ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Your message has been sent. You see the answer here and, if you gave an "
                    "email address, in your email."), "success")
            return redirect_after_post(url_for("support.thread", thread_id=thread.id))
    threads = (SupportThread.visible_to(current_user).order_by(SupportThread.updated_at.desc()))
    status = form_status(form)
    return render("support/index.html", {"support-form": "support/_form.html"}, status=status, form=form,
                  threads=list(threads), properties=properties)


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
@resident_required
def thread(thread_id):
    item = get_owned_or_404(SupportThread, thread_id)
    form = ReplyForm()
    if not form.is_submitted():
        form.request_key.data = new_request_key()
    if form.validate_on_submit():
        support.reply(item, current_user, form.body.data, from_staff=False, ip=client_ip(),
                      request_key=form.request_key.data or None)
        flash(_("Your reply has been sent."), "success")
        return redirect_after_post(url_for("support.thread", thread_id=item.id))
    messages = SupportMessage.of_thread(item, with_internal=False)
    return render("support/thread.html", status=form_status(form), thread=item, messages=list(messages), form=form)


@bp.route("/<int:thread_id>/photos/<int:message_id>")
@login_required
def photo(thread_id, message_id):
    """A photo sent with a message, to the thread's resident and to staff only."""
    item = get_owned_or_404(SupportThread, thread_id)
    message = SupportMessage.get_or_none((SupportMessage.id == message_id) & (SupportMessage.thread == item) &
                                         SupportMessage.attachment.is_null(False))
    if message is None or (message.internal and not current_user.is_staff):
        abort(404)
    response = send_from_directory(Path(current_app.instance_path) / "uploads", message.attachment,
                                   mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
