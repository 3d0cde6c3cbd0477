"""Area collection points for residents: report a full or damaged point (the property
page shows the point and the nearest others; the rules are in domain/collection_points.py)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain import collection_points
from domain.errors import FieldError
from models import CollectionPoint, Property
from views.helpers import (Form, client_ip, get_owned_or_404, new_request_key, redirect_after_post,
                           render, resident_required)
from views.labels import label
from views.messages import apply_error, form_status

bp = Blueprint("points", __name__, url_prefix="/properties/<int:property_id>/collection-points")
bp.add_app_template_global(collection_points.map_url, "point_map_url")


def upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


class ReportForm(Form):
    problem = RadioField(_l("What is wrong?"), validate_choice=False,
                         validators=[InputRequired(_l("Choose what is wrong."))])
    body = TextAreaField(_l("Details"), validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Photo"))
    request_key = HiddenField()


@bp.route("/<int:collection_point_id>/report", methods=["GET", "POST"])
@resident_required
def report(property_id, collection_point_id):
    prop = get_owned_or_404(Property, property_id)
    point = get_owned_or_404(CollectionPoint, collection_point_id)  # active points are public
    form = ReportForm()
    form.problem.choices = [(p, label("point_problem", p)) for p in collection_points.PROBLEMS]
    if not form.is_submitted():
        form.request_key.data = new_request_key()
    elif form.validate_on_submit():
        upload = form.photo.data
        photo = upload.read() if upload and getattr(upload, "filename", "") else None
        problem = label("point_problem", form.problem.data)
        try:
            thread = collection_points.report(
                current_user, prop, point, problem=form.problem.data, body=form.body.data or "",
                subject=_("Collection point %(name)s: %(problem)s", name=point.name, problem=problem.lower()),
                text=_("Reported at the collection point %(name)s, %(street)s: %(problem)s.", name=point.name,
                       street=point.street, problem=problem.lower()),
                photo=photo, upload_dir=upload_dir(), language=str(get_locale()),
                request_key=form.request_key.data or new_request_key(), ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Thank you: customer service has your report and answers in this thread."), "success")
            return redirect_after_post(url_for("support.thread", thread_id=thread.id))
    return render("points/report.html", status=form_status(form), prop=prop, point=point, form=form)
