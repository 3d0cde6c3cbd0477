"""The secret calendar feed of a property, and renewing its secret."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain import schedule, waste
from models.clock import today
from models import Property, User
from outbound import ics
from views.labels import label
from views.helpers import get_owned_or_404, redirect_after_post, resident_required

bp = Blueprint("feed", __name__)
FEED_DAYS = dt.timedelta(days=365)  # the feed holds the next twelve months


@bp.app_context_processor
def _feed_helpers():
    return {"feed_urls": feed_urls}


def feed_urls(prop) -> dict | None:
    if not prop.calendar_token:
        return None
    path = url_for("feed.calendar_feed", token=prop.calendar_token)
    base = current_app.config["BASE_URL"].rstrip("/")
    return {"https": base + path, "webcal": "webcal://" + base.split("://", 1)[1] + path}


@bp.post("/properties/<int:property_id>/calendar-feed")
@resident_required
def renew(property_id):
    prop = get_owned_or_404(Property, property_id)
    had_one = waste.renew_feed_token(prop, current_user)
    flash(_("A new calendar address was made; the old one no longer works.") if had_one else
          _("Your calendar address is ready. Add it to your phone's calendar."), "success")
    return redirect_after_post(url_for("waste.calendar", property_id=prop.id) + "#feed")


@bp.route("/feed/<token>.ics")
def calendar_feed(token):
    if len(token) < 20:
        abort(404)
    prop = Property.get_or_none(Property.calendar_token == token)
    if prop is None:
        abort(404)
    owner = User.select(User.language).where(User.customer == prop.customer_id).first()
    plans = schedule.plans_for(waste.property_contracts(prop))
    start = today()
    emptyings = schedule.emptyings_of(plans, start, start + FEED_DAYS)
    lang = owner.language if owner else "fi"
    body = ics.feed(prop, emptyings, lang, lambda waste_type: label("waste_type", waste_type),
                    lambda e: ", ".join(schedule.holidays_between(e.planned_day, e.day, lang)))
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="kotipiha.ics"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
