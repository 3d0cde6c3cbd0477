"""Registration, login, logout and the forgotten-password flow."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from domain import accounts
from domain.passwords import MAX_LENGTH, MIN_LENGTH
from views.helpers import Form, ValidEmail, client_ip, safe_next

bp = Blueprint("auth", __name__)

# The message for every AccountError code, in one place.
ERRORS = {
    "customer_number_format": _l("Check the customer number: it looks like 62-0000000-00."),
    "invoice_mismatch": _l("The customer number and the number of your latest invoice do not "
                           "match. Both are printed at the top right of your latest invoice."),
    "already_registered": _l("This customer already has an account. Log in, or reset the "
                             "password if you have forgotten it."),
    "email_format": _l("Check the email address, for example maija@example.fi."),
    "username_taken": _l("This username is already in use. Choose another one."),
    "email_taken": _l("This email address is already used by another account."),
    "password_too_short": _l("The password must have at least %(n)d characters.", n=MIN_LENGTH),
    "password_too_long": _l("The password can have at most %(n)d characters.", n=MAX_LENGTH),
    "password_common": _l("This password is too common and easy to guess. Choose another one, "
                          "for example a few unrelated words."),
    "password_personal": _l("The password is too close to your name or username."),
    "current_password_wrong": _l("The current password is wrong."),
    "current_password_for_email": _l("Enter your current password to change the email address."),
    "undo_invalid": _l("This link has expired or has already been used."),
    "reset_invalid": _l("This link has expired or has already been used. Ask for a new one."),
}

_required = InputRequired


def password_fields(label):
    return (
        PasswordField(label, validators=[
            _required(_l("Enter a password.")),
            Length(min=MIN_LENGTH, max=MAX_LENGTH,
                   message=_l("The password must have %(min)d–%(max)d characters.",
                              min=MIN_LENGTH, max=MAX_LENGTH))]),
        PasswordField(_l("Confirm the password"), validators=[
            _required(_l("Type the password again.")),
            EqualTo("password", message=_l("The passwords do not match."))]),
    )


class LoginForm(Form):
    login = StringField(_l("Username or email"), validators=[_required(_l("Enter your username or email.")),
                                                             Length(max=255)])
    password = PasswordField(_l("Password"), validators=[_required(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(Form):
    invoice_number = StringField(_l("Invoice number"), validators=[
        _required(_l("Enter the number of your latest invoice.")), Length(max=30)])
    customer_number = StringField(_l("Customer number"), validators=[
        _required(_l("Enter your customer number.")), Length(max=30)])
    first_name = StringField(_l("First name"), validators=[_required(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[_required(_l("Enter your last name.")), Length(max=100)])
    phone = StringField(_l("Phone number"), validators=[_required(_l("Enter your phone number.")), Length(max=40)])
    email = StringField(_l("Email"), validators=[_required(_l("Enter your email address.")), Length(max=200),
                                                 ValidEmail()])
    username = StringField(_l("Username"), validators=[_required(_l("Choose a username.")), Length(max=100)])
    password, confirm = password_fields(_l("Password"))
    terms = BooleanField(_l("I have read and accept the terms of use"),
                         validators=[_required(_l("Accept the terms of use to register."))])


class ForgotForm(Form):
    login = StringField(_l("Username or email"), validators=[_required(_l("Enter your username or email.")),
                                                             Length(max=255)])


class ResetForm(Form):
    password, confirm = password_fields(_l("New password"))


def apply_account_error(form, error: accounts.AccountError) -> None:
    """Show a domain error under its field (or above the form)."""
    field = getattr(form, error.field, None)
    message = str(ERRORS[error.code])
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def start_session(user, remember: bool = False) -> None:
    """A fresh session for the user: nothing carries over from before the login, and a
    server-side session row that logout ends."""
    session.clear()
    accounts.open_session(user, remember=remember, settings=current_app.config)
    login_user(user, remember=remember)
    session.permanent = False


def form_status(form) -> int:
    return 422 if form.is_submitted() and (form.errors or form.form_errors) else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    from views.pages import home_for
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.login.data, form.password.data, ip=client_ip(),
                                         settings=current_app.config)
        except accounts.Throttled as throttled:
            form.form_errors.append(_("Too many failed attempts. Wait %(minutes)d minutes and try "
                                      "again, or reset your password.", minutes=throttled.minutes))
        else:
            if user is not None:
                start_session(user, remember=form.remember.data)
                return redirect(safe_next(request.args.get("next"), home_for(user)), 303)
            form.form_errors.append(_("The username or password is wrong."))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    lang = current_user.language if current_user.is_authenticated else session.get("lang")
    if current_user.is_authenticated:
        accounts.close_session(current_user.login_token)
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang  # the language stays; nothing else does
    flash(_("You have logged out."), "info")
    response = redirect(url_for("pages.index"), 303)
    # Nothing of the account may stay in this browser's caches.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("pages.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.Registration(
            **{name: form[name].data for name in ("customer_number", "invoice_number", "first_name",
                                                  "last_name", "phone", "email", "username", "password")},
            language=session.get("lang") or str(request.accept_languages.best_match(("fi", "sv", "en")) or "fi"))
        try:
            user = accounts.register(data, ip=client_ip(), settings=current_app.config)
        except accounts.Throttled as throttled:
            form.form_errors.append(_("Too many failed attempts. Wait %(minutes)d minutes and try again.",
                                      minutes=throttled.minutes))
        except accounts.AccountError as error:
            apply_account_error(form, error)
        else:
            start_session(user)
            flash(_("Welcome to Kotipiha! Your properties are listed below."), "success")
            return redirect(url_for("properties.index"), 303)
    return render_template("auth/register.html", form=form), form_status(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.start_password_reset(form.login.data, minutes=current_app.config["PASSWORD_RESET_MINUTES"],
                                      ip=client_ip())
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if accounts.reset_for_token(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            accounts.complete_password_reset(token, form.password.data, ip=client_ip())
        except accounts.AccountError as error:
            apply_account_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"), 303)
    return render_template("auth/reset.html", form=form), form_status(form)
