"""Notification preferences, and the one-click unsubscribe link of every reminder."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from domain import notifications
from outbound import notify, push
from extensions import csrf
from models import NotificationPref, PushSubscription, User
from views.helpers import client_ip, render

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        chosen = {(kind, channel): request.form.get(kind if channel == "email" else f"{kind}-{channel}") == "on"
                  for kind in NotificationPref.KINDS for channel in NotificationPref.CHANNELS}
        notifications.save_preferences(current_user, chosen, ip=client_ip())
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("notifications.preferences"), 303)
    chosen = {(kind, channel): NotificationPref.wants(current_user, kind, channel)
              for kind in NotificationPref.KINDS for channel in NotificationPref.CHANNELS}
    devices = PushSubscription.select().where(PushSubscription.user == current_user).count()
    return render("account/notifications.html", chosen=chosen, devices=devices, push_key=push.public_key())


@bp.get("/push/key")
@login_required
def push_key():
    return jsonify({"key": push.public_key()})


@bp.post("/push/subscriptions")
@login_required
def push_subscribe():
    data = request.get_json(silent=True) or {}
    keys = data.get("keys") or {}
    endpoint, p256dh, auth = data.get("endpoint"), keys.get("p256dh"), keys.get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        return jsonify({"error": "subscription"}), 400
    try:
        push.subscribe(current_user, endpoint, p256dh[:255], auth[:255], ip=client_ip())
    except push.InvalidSubscription as error:
        return jsonify({"error": str(error)}), 400
    return jsonify({"ok": True}), 201


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients post here (RFC 8058)
def unsubscribe(token):
    found = notify.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, kind = found
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if request.method == "POST":
        notifications.unsubscribe(user, kind, ip=client_ip())
        return render("account/unsubscribed.html", kind=kind, done=True, token=token)
    return render("account/unsubscribed.html", kind=kind, done=False, token=token)
