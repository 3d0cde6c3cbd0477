"""The admin pages' blueprint and the one rule of all of them (views/admin/__init__.py
maps the pages)."""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField
from wtforms.validators import InputRequired

from formatting import DATE_INPUT_FORMATS

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _staff_read_administrators_change():
    """The one rule of every admin page, new ones included: customer service reads it, a
    change (anything but a GET) is the administrators' (403); for anybody else the pages do
    not exist (404), like the rest of the back office."""
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    if request.method not in ("GET", "HEAD") and not current_user.is_admin:
        abort(403)


def date_field(label):
    return DateField(label, format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])
