"""Disruption notices in the back office: publish one for collection areas, billing groups
or streets, and end it early (the rules are in domain/disruptions.py)."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain import disruptions
from domain.errors import FieldError
from formatting import DATE_INPUT_FORMATS
from models import DisruptionNotice, Property
from models.clock import today
from views.helpers import (Form, client_ip, get_or_404, placeholder, redirect_after_post, render,
                           staff_required)
from views.labels import LABELS
from views.messages import apply_error, form_status

bp = Blueprint("notices", __name__, url_prefix="/staff/notices")


class NoticeForm(Form):
    kind = SelectField(_l("Kind"), validate_choice=False, validators=[InputRequired(_l("Choose the kind."))])
    title = StringField(_l("Title"), validators=[InputRequired(_l("Write a title.")), Length(max=150)])
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=4000)])
    collection_areas = TextAreaField(_l("Collection areas (one per line)"), validators=[Optional(), Length(max=4000)])
    billing_groups = TextAreaField(_l("Water billing groups (one per line)"), validators=[Optional(), Length(max=200)])
    streets = TextAreaField(_l("Streets (one per line, without numbers)"), validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("From"), format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])
    ends_on = DateField(_l("To"), format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])


@bp.route("", methods=["GET", "POST"])
@staff_required
def index():
    form = NoticeForm()
    form.kind.choices = [placeholder()] + [(k, str(LABELS["notice_kind"][k])) for k in DisruptionNotice.KINDS]
    if request.method == "GET":
        form.starts_on.data = form.starts_on.data or today()
    elif form.validate_on_submit():
        lines = DisruptionNotice.lines
        try:
            _notice, told = disruptions.publish(current_user, disruptions.Draft(
                kind=form.kind.data, title=form.title.data, body=form.body.data,
                collection_areas=lines(form.collection_areas.data), billing_groups=lines(form.billing_groups.data),
                streets=lines(form.streets.data), starts_on=form.starts_on.data, ends_on=form.ends_on.data),
                today=today(), ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(ngettext("The notice is published; %(num)d resident was told.",
                           "The notice is published; %(num)d residents were told.", told), "success")
            return redirect_after_post(url_for("notices.index"))
    shown = DisruptionNotice.select().where(DisruptionNotice.ends_on >= today()).order_by(DisruptionNotice.starts_on)
    return render("staff/notices.html", status=form_status(form), form=form, notices=list(shown),
                  areas=Property.collection_areas())


@bp.post("/<int:notice_id>/end")
@staff_required
def end_notice(notice_id):
    notice = get_or_404(DisruptionNotice, notice_id)
    if Form().validate_on_submit():
        disruptions.end(current_user, notice, today=today(), ip=client_ip())
        flash(_("The notice ends today."), "success")
    return redirect_after_post(url_for("notices.index"))
