"""The septic tank route in the back office: the emptyings planned for a day in the order a
truck drives, the orders still waiting for a day (planned onto a working day of their
week), and each stop marked done with the m³ emptied, which the next waste invoice bills."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from domain import schedule, sludge
from domain.errors import FieldError
from formatting import DATE_INPUT_FORMATS, format_day, format_number
from models import SludgeOrder
from models.clock import today
from views.helpers import Form, client_ip, get_or_404, placeholder, redirect_after_post, render, staff_required
from views.messages import apply_error, message

bp = Blueprint("staff_sludge", __name__, url_prefix="/staff/sludge")


class DayForm(Form):
    day = DateField(_l("Day"), format=DATE_INPUT_FORMATS)


class PlanForm(Form):
    day = SelectField(_l("Day"), validate_choice=False, validators=[InputRequired(_l("Choose a day."))])


class DoneForm(Form):
    m3 = StringField(_l("m³ emptied"), validators=[InputRequired(_l("Enter the m³ emptied.")), Length(max=10)])


def _day() -> dt.date:
    form = DayForm(request.args, meta={"csrf": False})
    return form.day.data if form.validate() and form.day.data else today()


@bp.route("")
@staff_required
def route():
    return _page(_day())


def _page(day: dt.date, failed: Form | None = None, failed_id: int | None = None):
    """The route of `day`, and the orders waiting for a day up to the week after; a form
    that failed is shown with its error in its own place."""
    stops = list(SludgeOrder.route(day))
    waiting = list(SludgeOrder.unplanned(schedule.monday(day) + dt.timedelta(weeks=1)))
    plan_forms = {}
    for item in waiting:
        form = failed if failed_id == item.id else PlanForm(formdata=None, prefix=f"o{item.id}")
        form.day.choices = _day_choices(item)
        plan_forms[item.id] = form
    lang = str(get_locale())
    done_forms = {s.id: failed if failed_id == s.id else DoneForm(
        formdata=None, m3=format_number(s.system.volume_m3, lang, decimals=1), prefix=f"o{s.id}")
                  for s in stops if s.status == "planned"}
    return render("staff/sludge.html", status=422 if failed is not None else 200, day=day, stops=stops,
                  waiting=waiting, plan_forms=plan_forms, done_forms=done_forms,
                  previous_day=day - dt.timedelta(days=1), next_day=day + dt.timedelta(days=1),
                  failed=[failed] if failed is not None else [])


def _day_choices(item) -> list[tuple[str, str]]:
    lang = str(get_locale())
    return [placeholder()] + [(d.isoformat(), format_day(d, lang)) for d in sludge.working_days(item.week)]


@bp.route("/<int:order_id>/plan", methods=["POST"])
@staff_required
def plan(order_id):
    item = get_or_404(SludgeOrder, order_id)
    form = PlanForm(prefix=f"o{item.id}")
    form.day.choices = _day_choices(item)
    if form.validate_on_submit():
        chosen = {d.isoformat(): d for d in sludge.working_days(item.week)}.get(form.day.data)
        try:
            sludge.plan(item, current_user, chosen, ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Planned for %(day)s.", day=format_day(chosen, str(get_locale()))), "success")
            return redirect_after_post(url_for("staff_sludge.route", day=chosen.isoformat()))
    return _page(item.week, form, item.id)


@bp.route("/<int:order_id>/done", methods=["POST"])
@staff_required
def done(order_id):
    item = get_or_404(SludgeOrder, order_id)
    form = DoneForm(prefix=f"o{item.id}")
    if form.validate_on_submit():
        try:
            sludge.mark_done(item, current_user, m3=form.m3.data, day=item.planned_day, today=today(), ip=client_ip())
        except FieldError as error:
            form.m3.errors = [message(error)]
        else:
            flash(_("Marked emptied: it is billed on the next waste invoice."), "success")
            return redirect_after_post(url_for("staff_sludge.route", day=item.planned_day.isoformat()))
    return _page(item.planned_day or item.week, form, item.id)
