"""Kotipiha: resident self-service for municipal waste and water services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
import logging
import os
from pathlib import Path

import click
from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, logout_user, user_loaded_from_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
import config
import database
import formatting
import migrations
import scheduler
from domain import accounts, passwords
from extensions import babel, compress, csrf, htmx, login_manager
from models import LANGUAGES, User
from models.clock import utcnow
from views import monitoring, register_blueprints
from views.helpers import CleanParams, IdConverter, Visitor

ROOT = Path(__file__).resolve().parent


def create_app(config_overrides: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config_overrides` (tests)."""
    overrides = config_overrides or {}
    instance = overrides.get("INSTANCE_PATH") or os.environ.get("KOTIPIHA_INSTANCE") or ROOT / "instance"
    app = Flask(__name__, template_folder="partials", static_folder="static",
                instance_path=str(instance))
    app.config.update(config.from_environment())
    app.config.update(overrides)
    # What the environment or the caller set wins over the admin pages (domain/settings.py).
    app.config["FIXED_SETTINGS"] = config.environment_keys() | frozenset(overrides)
    _finish_config(app)

    database.init_app(app)
    _init_extensions(app)
    # No control characters in any query or form value (after htmx-flask set its class).
    app.request_class = type("Request", (app.request_class,), {"parameter_storage_class": CleanParams})
    _init_security(app)
    _init_templates(app)

    app.url_map.converters["int"] = IdConverter  # before any route is added
    register_blueprints(app)

    commands.register(app)
    # What views show of the layers above them, handed down instead of imported upwards.
    app.extensions["kotipiha.daily_jobs"] = scheduler.daily_jobs
    app.config["CODE_SCHEMA_VERSION"] = migrations.latest_version()

    monitoring.configure_logging(app.config["LOG_FORMAT"])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # its every job start is no news
    if app.config["SCHEDULER_ENABLED"] and not app.config.get("TESTING") and _serving():
        scheduler.start_in_app(app)
    return app


def _serving() -> bool:
    """True under gunicorn or `flask run`; false for other `flask` commands (a migration
    must not start billing runs on the side)."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def _finish_config(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    cfg = app.config
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = config.instance_secret_key(app.instance_path)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'kotipiha.sqlite3'}"
    if not cfg["MAIL_DIR"]:
        cfg["MAIL_DIR"] = str(Path(app.instance_path) / "mail")
    cfg["INSTANCE_PATH"] = app.instance_path
    if not cfg.get("BACKUP_DIR"):
        cfg["BACKUP_DIR"] = str(Path(app.instance_path) / "backups")
    https = str(cfg["BASE_URL"]).startswith("https://")
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_NAME="__Host-kotipiha" if https else "kotipiha",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_DURATION=dt.timedelta(days=int(cfg["REMEMBER_DAYS"])),
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PREFERRED_URL_SCHEME="https" if https else "http",
        BABEL_DEFAULT_LOCALE="fi",
        BABEL_DEFAULT_TIMEZONE="Europe/Helsinki",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "locales"),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        HTTPS=https,
    )


def select_locale() -> str:
    """The user's setting, then the session, then Accept-Language, then Finnish."""
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "fi"


def _rotate_remember_token(app, user) -> None:
    """A remember cookie works once: its session is replaced and a new cookie is set."""
    accounts.rotate_session(user, app.config)
    session["_user_id"] = user.get_id()
    session["_remember"] = "set"


def _init_extensions(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"
    login_manager.user_loader(User.from_session_id)
    user_loaded_from_cookie.connect(_rotate_remember_token, app)
    login_manager.anonymous_user = Visitor
    if app.config["COMPRESS_RESPONSES"]:  # off when the proxy in front compresses
        compress.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _init_security(app: Flask) -> None:
    passwords.use_method(app.config["PASSWORD_HASH_METHOD"])

    @app.before_request
    def _staff_idle_timeout():
        """Staff sessions end after STAFF_IDLE_MINUTES without a request."""
        if not (current_user.is_authenticated and current_user.is_staff):
            return None
        now = utcnow().timestamp()
        last = session.get("seen")
        if last and now - last > app.config["STAFF_IDLE_MINUTES"] * 60:
            logout_user()
            session.clear()
            flash(gettext("You were logged out after %(minutes)d minutes without activity.",
                          minutes=app.config["STAFF_IDLE_MINUTES"]), "info")
            return redirect(url_for("auth.login", next=request.full_path))
        session["seen"] = now
        return None

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["HTTPS"]:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            # asset_url() names the content's hash: a new version is a new URL.
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif current_user and current_user.is_authenticated and not request.path.startswith("/static/"):
            # A private page must never be served from a cache to somebody else.
            headers["Cache-Control"] = "no-store"
        if g.get("vary_htmx"):
            headers.add("Vary", "HX-Request")
        return response


def _init_templates(app: Flask) -> None:
    def lang() -> str:
        return str(get_locale() or "fi")

    app.jinja_env.filters.update(
        date=formatting.format_date,
        isodate=lambda text: formatting.format_date(dt.date.fromisoformat(text)),
        decimal=lambda text: Decimal(str(text)),  # amounts kept as text in a row's meta
        datetime=formatting.format_datetime,
        day=lambda value: formatting.format_day(value, lang()),
        money=lambda value: formatting.format_money(value, lang()),
        unit_price=lambda value: formatting.format_unit_price(value, lang()),
        number=lambda value, decimals=0: formatting.format_number(value, lang(), decimals=decimals),
    )
    app.jinja_env.globals.update(current_lang=lang, LANGUAGES=LANGUAGES)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
