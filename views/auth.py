"""Registration, login, logout and the forgotten-password flow."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from domain import accounts
from domain.errors import FieldError
from domain.passwords import MAX_LENGTH, MIN_LENGTH
from models import LANGUAGES
from views.helpers import Form, ValidEmail, client_ip, home_for, render, safe_next
from views.messages import apply_error, form_status

bp = Blueprint("auth", __name__)

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
    invoice_number = StringField(_l("Invoice number or registration code"), validators=[
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


def start_session(user, remember: bool = False) -> None:
    """A fresh session for the user: nothing carries over from before the login, and a
    server-side session row that logout ends. A language chosen before logging in is
    the user's choice: it becomes their stored language."""
    chosen = session.get("lang")
    session.clear()
    if chosen in LANGUAGES and chosen != user.language:
        accounts.set_language(user, chosen)
    accounts.open_session(user, remember=remember, settings=current_app.config)
    login_user(user, remember=remember)
    session.permanent = False


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.login.data, form.password.data, ip=client_ip(),
                                         settings=current_app.config)
        except FieldError as error:  # too many failed attempts
            apply_error(form, error)
        else:
            if user is not None:
                start_session(user, remember=form.remember.data)
                return redirect(safe_next(request.args.get("next"), home_for(user)), 303)
            form.form_errors.append(_("The username or password is wrong."))
    return render("auth/login.html", status=form_status(form), form=form)


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
        except FieldError as error:  # a rule of registration, or too many failed attempts
            apply_error(form, error)
        else:
            start_session(user)
            flash(_("Welcome to Kotipiha! Your properties are listed below."), "success")
            return redirect(url_for("properties.index"), 303)
    return render("auth/register.html", status=form_status(form), form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.start_password_reset(form.login.data, minutes=current_app.config["PASSWORD_RESET_MINUTES"],
                                      ip=client_ip())
        return render("auth/forgot_sent.html")
    return render("auth/forgot.html", status=form_status(form), form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if accounts.reset_for_token(token) is None:
        return render("auth/reset_invalid.html", status=404)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            accounts.complete_password_reset(token, form.password.data, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"), 303)
    return render("auth/reset.html", status=form_status(form), form=form)
