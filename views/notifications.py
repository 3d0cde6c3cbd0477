"""Notification preferences, and the one-click unsubscribe link of every reminder."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from domain import notifications
from extensions import csrf
from models import AuditLog, NotificationPref, User, db
from views.helpers import client_ip

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        with db.atomic():
            for kind in NotificationPref.KINDS:
                notifications.set_preference(current_user, kind, request.form.get(kind) == "on")
            AuditLog.record(current_user, "notification_prefs", current_user,
                            after={k: request.form.get(k) == "on" for k in NotificationPref.KINDS}, ip=client_ip())
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("notifications.preferences"), 303)
    chosen = {kind: NotificationPref.wants(current_user, kind) for kind in NotificationPref.KINDS}
    return render_template("account/notifications.html", chosen=chosen)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients post here (RFC 8058)
def unsubscribe(token):
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, kind = found
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if request.method == "POST":
        with db.atomic():
            notifications.set_preference(user, kind, False)
            AuditLog.record(user, "unsubscribe", user, after={"kind": kind}, ip=client_ip())
        return render_template("account/unsubscribed.html", kind=kind, done=True, token=token)
    return render_template("account/unsubscribed.html", kind=kind, done=False, token=token)
