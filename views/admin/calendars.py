"""Billing calendars (domain/administration.py): a group's periods by year, a year added
from the year before, a period's dates changed until its billing day."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from domain import administration
from domain.errors import FieldError
from models import BillingCalendar
from models.clock import today
from views.admin.blueprint import bp, date_field
from views.helpers import Form, client_ip, get_or_404, redirect_after_post, render
from views.messages import apply_error, form_status, message


class PeriodForm(Form):
    report_by = date_field(_l("Last day for readings"))
    billing_date = date_field(_l("Billing day"))
    due_date = date_field(_l("Due date"))


class YearForm(Form):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year.")), NumberRange(2000, 2100)])


@bp.route("/calendars")
def calendars():
    groups = administration.calendar_groups()
    group = request.args.get("group") if request.args.get("group") in groups else (groups[0] if groups else None)
    years = administration.calendar_years(group) if group else []
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = today().year
    year_form = YearForm(data={"year": (max(years) + 1) if years else today().year})
    return render("admin/calendars.html", groups=groups, group=group, years=years, year=year,
                  periods=list(administration.periods(group, year)) if group else [], today=today(),
                  year_form=year_form)


@bp.route("/calendars/<group>/years", methods=["POST"])
def add_year(group):
    if group not in administration.calendar_groups():
        abort(404)
    form = YearForm()
    if form.validate_on_submit():
        try:
            made = administration.add_year(current_user, group, form.year.data, ip=client_ip())
        except FieldError as error:
            flash(message(error), "error")
        else:
            flash(_("%(count)d periods added to %(year)d.", count=made, year=form.year.data), "success")
            return redirect_after_post(url_for("admin.calendars", group=group, year=form.year.data))
    else:
        flash(_("Enter a year."), "error")
    return redirect_after_post(url_for("admin.calendars", group=group))


@bp.route("/calendars/periods/<int:period_id>", methods=["GET", "POST"])
def period(period_id):
    item = get_or_404(BillingCalendar, period_id)
    form = PeriodForm(obj=item if request.method == "GET" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                administration.save_period(current_user, item, report_by=form.report_by.data,
                                           billing_date=form.billing_date.data, due_date=form.due_date.data,
                                           today=today(), ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("The period's dates were saved."), "success")
                return redirect_after_post(url_for("admin.calendars", group=item.billing_group,
                                                   year=item.period_start.year))
    return render("admin/period.html", status=form_status(form), item=item, form=form,
                  editable=item.billing_date > today())
