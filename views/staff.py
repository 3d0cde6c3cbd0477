"""The customer-service back office. Residents and anonymous users get 404."""
from __future__ import annotations

from flask import Blueprint, render_template

from models import Customer, Outbox, Property, User
from views.helpers import staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required
def home():
    counts = {
        "customers": Customer.select().count(),
        "properties": Property.select().count(),
        "residents": User.select().where(User.role == "resident").count(),
        "mail_waiting": Outbox.select().where(Outbox.status == "pending").count(),
        "mail_failed": Outbox.select().where(Outbox.status == "failed").count(),
    }
    return render_template("staff/home.html", counts=counts)
