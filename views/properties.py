"""My properties and the property page: billing address, orders, continuing services."""
from __future__ import annotations

import datetime as dt
from itertools import groupby

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from domain.settings import in_force
from domain import collection_points, disruptions, sludge, waste
from domain.customers import update_billing_address
from formatting import DATE_INPUT_FORMATS as DATE_FORMATS
from models import ConsumptionPoint, Invoice, Property, SharedBin, WasteOrder
from models.clock import today
from views.helpers import Form, get_owned_or_404, redirect_after_post, render, resident_required
from views.messages import form_status


bp = Blueprint("properties", __name__, url_prefix="/properties")


@bp.route("/")
@resident_required
def index():
    query = (request.args.get("q") or "").strip()[:100]
    properties = Property.of_user(current_user)
    if query:
        properties = properties.where(Property.search(query))
    order = {t: i for i, t in enumerate(Property.BUILDING_TYPES)}
    rows = sorted(properties, key=lambda p: (order.get(p.building_type, 99), p.street))
    groups = [(t, list(g)) for t, g in groupby(rows, key=lambda p: p.building_type)]
    return render("properties/index.html", {"property-list": "properties/_list.html"}, groups=groups, query=query,
                  upcoming=waste.next_emptyings(rows, today()), today=today(), unpaid=_unpaid(),
                  disruptions=disruptions.in_force_for(current_user, today()))


class OrdersFilter(Form):
    start = DateField(_l("From"), format=DATE_FORMATS, validators=[Optional()])
    end = DateField(_l("To"), format=DATE_FORMATS, validators=[Optional()])


def _orders_context(prop):
    """Orders between two dates; by default the last three months and everything upcoming."""
    day = today()
    form = OrdersFilter(request.args)
    form.validate()
    start = form.start.data or day - dt.timedelta(days=91)
    end = form.end.data
    if end and end < start:
        form.end.errors = [_("The end must be after the start.")]
        end = None
    form.start.data, form.end.data = start, end
    return {"orders": list(WasteOrder.effective_between(prop, start, end)), "filter": form}


@bp.route("/<int:property_id>")
@resident_required
def detail(property_id):
    prop = get_owned_or_404(Property, property_id)
    points = list(prop.consumption_points.order_by(ConsumptionPoint.number))
    return render("properties/detail.html", {"orders": "properties/_orders.html"}, prop=prop,
                  summaries=waste.contract_summaries(prop, today()), points=points, **_orders_context(prop),
                  tanks=sludge.overview(prop, sludge.SludgeSettings.from_config(in_force())),
                  nearby=collection_points.nearest(prop) if prop.collection_point_id else [],
                  shared=list(SharedBin.of_property(prop)),
                  today=today(), unpaid=_unpaid(),
                  disruptions=disruptions.in_force_for(current_user, today()))


def _unpaid() -> list:
    """The resident's unpaid invoices, for the home screen's notice."""
    return list(Invoice.unpaid(Invoice.visible_to(current_user)).limit(20))


class BillingAddressForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the name.")), Length(max=100)])
    street = StringField(_l("Street address"), validators=[InputRequired(_l("Enter the street address.")),
                                                          Length(max=100)])
    postal_code = StringField(_l("Postal code"), validators=[
        InputRequired(_l("Enter the postal code.")),
        Regexp(r"^\d{5}$", message=_l("A postal code has five digits, for example 45100."))])
    post_office = StringField(_l("Post office"), validators=[InputRequired(_l("Enter the post office.")),
                                                            Length(max=60)])


BILLING_ADDRESS = {"billing-address": "properties/_billing_address.html"}  # shown and edited in place


@bp.route("/<int:property_id>/billing-address", methods=["GET", "POST"])
@resident_required
def billing_address(property_id):
    prop = get_owned_or_404(Property, property_id)
    customer = prop.customer
    editing = request.method == "POST" or request.args.get("edit") == "1"
    form = BillingAddressForm()
    if request.method == "GET":
        form.name.data, form.street.data = customer.billing_name, customer.billing_street
        form.postal_code.data, form.post_office.data = customer.billing_postal_code, customer.billing_post_office
    elif form.validate_on_submit():
        update_billing_address(current_user, customer, name=form.name.data, street=form.street.data,
                               postal_code=form.postal_code.data, post_office=form.post_office.data,
                               ip=request.remote_addr)
        if request.htmx:
            return render("properties/billing_address.html", BILLING_ADDRESS, prop=prop, editing=False, saved=True)
        flash(_("The billing address has been saved."), "success")
        return redirect_after_post(url_for("properties.detail", property_id=prop.id))
    if not request.htmx and not editing:  # the fragment's own URL opened as a page
        return redirect(url_for("properties.detail", property_id=prop.id) + "#billing-address", 303)
    return render("properties/billing_address.html", BILLING_ADDRESS, status=form_status(form),
                  prop=prop, form=form, editing=editing)
