"""The start page, the legal pages, the language switch and the PWA shell."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import (Blueprint, current_app, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from domain import accounts
from models import LANGUAGES
from views.auth import LoginForm
from views.helpers import home_for, render, safe_next

bp = Blueprint("pages", __name__)

# What the service worker keeps for offline use: the shell, never a private page.
SHELL_ASSETS = ("css/app.css", "app.js", "vendor/htmx.min.js", "icons/icon.svg",
                "icons/icon-192.png")


@functools.cache
def asset_version(static_folder: str, filename: str) -> str:
    path = Path(static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"


def asset_url(filename: str) -> str:
    """A static file's URL with its content hash, so a new version is never stale."""
    return url_for("static", filename=filename, v=asset_version(current_app.static_folder, filename))


# The main navigation; an entry shows once its feature's blueprint is registered. A
# resident's tabs: (endpoint, label, icon, the blueprints or endpoints it stands for).
RESIDENT_TABS = (("properties.index", _l("Home"), "home", ("properties", "waste", "feed")),
                 ("water.index", _l("Water"), "drop", ("water",)),
                 ("invoices.index", _l("Invoices"), "receipt", ("invoices",)),
                 ("support.index", _l("Help"), "chat", ("support",)),
                 ("pages.more", _l("More"), "more", ("pages.more", "compost", "account", "notifications")))
VISITOR_TABS = (("water.point", _l("Reading service"), "drop", ("water.point", "water.report", "water.feedback")),
                ("water.billing_calendar", _l("Billing calendar"), "calendar", ("water.billing_calendar",)))
STAFF_NAV = (("staff.home", _l("Back office")), ("staff.requests", _l("Requests")),
             ("staff.inbox", _l("Support inbox")), ("staff.readings", _l("Readings")),
             ("staff.customers", _l("Customers")), ("staff.compost_register", _l("Composting register")),
             ("notices.index", _l("Notices")), ("staff_sludge.route", _l("Septic route")),
             ("staff_sorting.index", _l("Sorting guide")),
             ("joining.queue", _l("New customers")), ("shared_bins.queue", _l("Shared bins")), ("staff.billing", _l("Billing")), ("admin.index", _l("Administration")), ("staff.jobs_page", _l("Jobs")), ("staff.audit", _l("Audit log")))


def nav_items() -> list[dict]:
    """The main navigation of the current user: a resident's tab bar, a reading-service
    visitor's two tabs, or the staff's list; each entry knows whether it is current."""
    if current_user.is_authenticated and current_user.is_staff:
        return [{"url": url_for(e), "label": label, "icon": None, "current": request.endpoint == e}
                for e, label in STAFF_NAV if e in current_app.view_functions]
    if current_user.is_authenticated:
        tabs, values = RESIDENT_TABS, {}
    elif current_user.water_point_id is not None:
        tabs, values = VISITOR_TABS, {"point_id": current_user.water_point_id}
    else:
        return []
    return [{"url": url_for(e, **(values if e == "water.point" else {})), "label": label, "icon": icon,
             "current": request.endpoint in covers or request.blueprint in covers}
            for e, label, icon, covers in tabs if e in current_app.view_functions]


@bp.route("/more")
def more():
    """The fifth tab: what a resident needs less often."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    return render("pages/more.html")


def support_url(**params) -> str:
    """The support form once it exists; until then an email to customer service."""
    if "support.index" in current_app.view_functions:
        return url_for("support.index", **params)
    return f"mailto:{current_app.config['UTILITY_EMAIL']}"


@bp.app_context_processor
def _template_helpers():
    return {"asset": asset_url, "nav_items": nav_items, "support_url": support_url}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render("pages/index.html", form=LoginForm())


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            accounts.set_language(current_user, lang)
    return redirect(safe_next(request.form.get("next"), url_for("pages.index")), 303)


@bp.route("/terms")
def terms():
    return render("pages/terms.html")


@bp.route("/privacy")
def privacy():
    return render("pages/privacy.html")


@bp.route("/accessibility")
def accessibility():
    return render("pages/accessibility.html")


@bp.route("/offline")
def offline():
    return render("pages/offline.html", bare=True)


@bp.route("/manifest.webmanifest")
def manifest():
    icons = [
        {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": asset_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
        {"src": asset_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    response = jsonify({
        "id": "/",
        "name": _("Kotipiha – waste and water self-service"),
        "short_name": "Kotipiha",
        "description": _("Pickup calendar, orders, meter readings and invoices of your home."),
        "lang": str(request.accept_languages.best_match(LANGUAGES) or "fi"),
        "start_url": url_for("pages.index", source="pwa"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1b5e4b",
        "icons": icons,
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
def service_worker():
    static = current_app.static_folder
    version = hashlib.sha256("".join(asset_version(static, a) for a in SHELL_ASSETS).encode()
                             + str(current_app.config["SW_VERSION_SALT"]).encode()).hexdigest()[:12]
    body = render_template("sw.js", version=version, offline_url=url_for("pages.offline"),
                           guide_url=url_for("sorting.index"), guide_data_url=url_for("sorting.data"),
                           shell=[asset_url(a) for a in SHELL_ASSETS])
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
