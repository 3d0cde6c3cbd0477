"""The resident's own account: contact details, language and password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from domain import accounts
from domain.errors import FieldError
from views.auth import password_fields
from views.messages import apply_error, form_status
from views.helpers import Form, ValidEmail, client_ip, render

bp = Blueprint("account", __name__, url_prefix="/account")

LANGUAGE_CHOICES = {"fi": "suomi", "sv": "svenska", "en": "English"}


class ProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[InputRequired(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[InputRequired(_l("Enter your last name.")), Length(max=100)])
    phone = StringField(_l("Phone number"), validators=[InputRequired(_l("Enter your phone number.")), Length(max=40)])
    email = StringField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), Length(max=200),
                                                 ValidEmail()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    current_password = PasswordField(_l("Current password (needed to change the email address)"))


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(_l("Enter your current password."))])
    password, confirm = password_fields(_l("New password"))


def _page(profile, password, status=200):
    return render("account/index.html", status=status, profile=profile, password=password)


@bp.route("/", methods=["GET"])
@login_required
def index():
    return _page(ProfileForm(obj=current_user, prefix="p"), PasswordForm(prefix="pw"))


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm(prefix="p")
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, ip=client_ip(), current_password=form.current_password.data, **{
                f: form[f].data for f in ("first_name", "last_name", "phone", "email", "language")})
        except FieldError as error:
            apply_error(form, error)
        else:
            # A new email address ended the other sessions; this one continues (as after a
            # password change) under the new session version.
            login_user(current_user._get_current_object())
            session["lang"] = form.language.data
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("account.index"), 303)
    return _page(form, PasswordForm(prefix="pw"), form_status(form))


@bp.post("/password")
@login_required
def change_password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data,
                                     ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            # Other sessions ended; this one continues under the new session version.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("account.index"), 303)
    return _page(ProfileForm(obj=current_user, prefix="p"), form, form_status(form))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of the account, on every device, this one included."""
    lang = current_user.language
    accounts.end_sessions(current_user._get_current_object(), ip=client_ip(), reason="logout_everywhere")
    logout_user()
    session.clear()
    session["lang"] = lang
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/email/undo/<token>", methods=["GET", "POST"])
def undo_email_change(token):
    """The link in the notice to the old address: works without logging in (the address
    owner may have lost the account), a GET only shows the button (link scanners change
    nothing)."""
    change = accounts.email_change_for_token(token)
    if request.method == "POST" and change is not None:
        try:
            accounts.undo_email_change(token, ip=client_ip())
        except FieldError:
            change = None
        else:
            logout_user()
            session.clear()
            flash(_("The email address is restored and every device is logged out."), "success")
            return redirect(url_for("auth.login"), 303)
    return render("account/email_undo.html", status=200 if change else 404, change=change, token=token)
