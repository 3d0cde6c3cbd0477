"""My properties and the property page."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template
from flask_login import current_user

from domain.clock import today
from models import Property, WasteContract
from views.helpers import get_owned_or_404, resident_required

bp = Blueprint("properties", __name__, url_prefix="/properties")


@bp.route("/")
@resident_required
def index():
    order = {t: i for i, t in enumerate(Property.BUILDING_TYPES)}
    properties = sorted(Property.of_user(current_user),
                        key=lambda p: (order.get(p.building_type, 99), p.street))
    groups = [(t, list(rows)) for t, rows in groupby(properties, key=lambda p: p.building_type)]
    return render_template("properties/index.html", groups=groups)


@bp.route("/<int:property_id>")
@resident_required
def detail(property_id):
    prop = get_owned_or_404(Property, property_id)
    contracts = WasteContract.active_on(today()).where(WasteContract.property == prop)
    return render_template("properties/detail.html", prop=prop, contracts=list(contracts))
