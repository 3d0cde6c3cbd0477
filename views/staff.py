"""The customer-service back office. Residents and anonymous users get 404 (or the login).

One blueprint in one file on purpose (a little over 350 lines): its sections (requests,
support, readings, customers, audit and composting, billing, points, jobs) are short views
over model queries and domain functions, and read best side by side. A section that grows
its own forms moves out, as the disruption notices did (views/notices.py)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain import backups
from domain.settings import in_force
from domain import (bankfiles, compost, decisions, dunning, interest, jobs, payments, refunds, support, waste,
                    water)
from domain import owner_change as ownership  # the view below has the module's name
from domain import customers as customers_domain
from domain.accounts import normalize_customer_number
from domain.invoicing import BillingSettings
from domain.interest import InterestSettings
from domain.errors import FieldError
from formatting import DATE_INPUT_FORMATS, format_date
from models import (AuditLog, BillingRun, CompostNotice, ConsumptionPoint, Credit, Customer, JobRun, Meter, Outbox,
                    Payment, Property, Reading, Reminder, SchedulerLease, SupportMessage, SupportThread, WasteOrder)
from models.clock import now, today
from views.helpers import Form, client_ip, get_or_404, new_request_key, redirect_after_post, render, staff_required
from views.messages import apply_error, form_status, message

bp = Blueprint("staff", __name__, url_prefix="/staff")
PAGE = 100


class DecisionForm(Form):
    note = TextAreaField(_l("Note to the resident"), validators=[Optional(), Length(max=2000)])


class StaffReplyForm(Form):
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=5000)])
    internal = BooleanField(_l("Internal note (the resident does not see it)"))
    request_key = HiddenField()


@bp.route("/")
@staff_required
def home():
    pending, threads, flagged = WasteOrder.pending(), SupportThread.waiting(), Reading.to_review()
    counts = {"orders": pending.count(), "threads": threads.count(), "readings": flagged.count(),
              "mail_failed": Outbox.failed().count()}
    return render("staff/home.html", counts=counts, pending=list(pending.limit(5)),
                  threads=list(threads.limit(5)), flagged=list(flagged.limit(5)))


# -- request queue --------------------------------------------------------------------

@bp.route("/requests")
@staff_required
def requests():
    kind, status = request.args.get("kind", ""), request.args.get("status", "pending")
    municipality = request.args.get("municipality", "")
    orders = WasteOrder.queue(kind=kind, status=status, municipality=municipality)
    return render("staff/requests.html", orders=list(orders.limit(PAGE)), kind=kind, shown_status=status,
                  municipality=municipality, municipalities=Property.municipalities(), kinds=WasteOrder.KINDS)


def _decided(decide, row, form, **choice) -> bool:
    """A staff decision (`decide(row, staff, approve=…|accept=…)`) with the form's note;
    False, with the reason shown, when somebody decided it first."""
    try:
        decide(row, current_user, note=form.note.data or "", ip=client_ip(), **choice)
    except FieldError as error:
        flash(message(error), "error")
        return False
    return True


@bp.route("/requests/<int:order_id>", methods=["GET", "POST"])
@staff_required
def request_detail(order_id):
    order = get_or_404(WasteOrder, order_id)
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        if _decided(decisions.decide_order, order, form, approve=approve):
            flash(_("Approved.") if approve else _("Rejected."), "success")
        return redirect_after_post(url_for("staff.requests"))
    return render("staff/request_detail.html", order=order, form=form,
                  customer=order.property.customer)


# -- support inbox --------------------------------------------------------------------

@bp.route("/support")
@staff_required
def inbox():
    status = request.args.get("status", "open")
    return render("staff/inbox.html", threads=list(SupportThread.inbox(status).limit(PAGE)), shown_status=status)


@bp.route("/support/<int:thread_id>", methods=["GET", "POST"])
@staff_required
def thread(thread_id):
    item = get_or_404(SupportThread, thread_id)
    form = StaffReplyForm()
    if not form.is_submitted():
        form.request_key.data = new_request_key()
    if request.form.get("action") == "close" and request.method == "POST":
        support.close(item, current_user, ip=client_ip())
        flash(_("The thread is closed."), "success")
        return redirect_after_post(url_for("staff.inbox"))
    if form.validate_on_submit():
        support.reply(item, current_user, form.body.data, from_staff=True,
                      internal=form.internal.data, ip=client_ip(), request_key=form.request_key.data or None)
        flash(_("The note is saved.") if form.internal.data else _("The answer is sent."), "success")
        return redirect_after_post(url_for("staff.thread", thread_id=item.id))
    messages = SupportMessage.of_thread(item, with_internal=True)
    catch_up = WasteOrder.get_or_none(WasteOrder.request_key == f"catch-up:{item.id}")
    return render("staff/thread.html", status=form_status(form), thread=item, messages=list(messages), form=form,
                  catch_up=catch_up)


@bp.post("/support/<int:thread_id>/catch-up")
@staff_required
def catch_up(thread_id):
    """Answer "my bin was not emptied" with a catch-up emptying on the next working day."""
    item = get_or_404(SupportThread, thread_id)
    if item.contract is None or item.missed_on is None or not DecisionForm().validate_on_submit():
        abort(404)
    day = waste.catch_up_day(today())
    with force_locale(item.language):
        reply = _("We are sorry the bin was not emptied. A catch-up emptying comes on %(date)s (±1 day).",
                  date=format_date(day))
    waste.order_catch_up(item, current_user, day=day, reply=reply, ip=client_ip())
    flash(_("A catch-up emptying is ordered for %(date)s.", date=format_date(day)), "success")
    return redirect_after_post(url_for("staff.thread", thread_id=item.id))


# -- readings to review ------------------------------------------------------------------

@bp.route("/readings")
@staff_required
def readings():
    return render("staff/readings.html", readings=list(Reading.to_review().limit(PAGE)), form=DecisionForm())


@bp.post("/readings/<int:reading_id>")
@staff_required
def review_reading(reading_id):
    reading = get_or_404(Reading, reading_id)
    form = DecisionForm()
    if form.validate_on_submit():
        accept = request.form.get("decision") == "accept"
        if _decided(decisions.review_reading, reading, form, accept=accept):
            flash(_("The reading is accepted.") if accept else _("The reading is rejected; the resident is told."),
                  "success")
    return redirect_after_post(url_for("staff.readings"))


# -- customers -------------------------------------------------------------------------

@bp.route("/customers")
@staff_required
def customers():
    q = (request.args.get("q") or "").strip()[:100]
    found = list(customers_domain.search(q).limit(50)) if len(q) >= 2 else []
    return render("staff/customers.html", {"customer-results": "staff/_customer_results.html"}, q=q, customers=found)


@bp.route("/customers/<int:customer_id>")
@staff_required
def customer(customer_id):
    item = get_or_404(Customer, customer_id)
    return render("staff/customer.html", customer=item, **customers_domain.overview(item))


# -- audit log and the composting register ------------------------------------------------

@bp.route("/audit")
@staff_required
def audit():
    action = request.args.get("action", "")
    staff_only = request.args.get("staff", "1") == "1"
    entries = AuditLog.entries(action=action, staff_only=staff_only)
    return render("staff/audit.html", entries=list(entries.limit(200)), action=action, actions=AuditLog.actions(),
                  staff_only=staff_only)


def _register_query():
    municipality, validity = request.args.get("municipality", ""), request.args.get("validity", "")
    return CompostNotice.register(today(), municipality=municipality, validity=validity), municipality, validity


@bp.route("/compost")
@staff_required
def compost_register():
    query, municipality, validity = _register_query()
    return render("staff/compost.html", notices=list(query.limit(PAGE)), municipality=municipality,
                  validity=validity, municipalities=Property.municipalities())


@bp.route("/compost.csv")
@staff_required
def compost_csv():
    query, _m, _v = _register_query()
    response = current_app.response_class(compost.register_csv(query), mimetype="text/csv",
                                          headers={"Content-Type": "text/csv; charset=utf-8"})
    response.headers["Content-Disposition"] = f'attachment; filename="composting-register-{today()}.csv"'
    return response


# -- billing: runs, payments, reminders, collection -------------------------------------

@bp.route("/billing", methods=["GET", "POST"])
@staff_required
def billing():
    settings = BillingSettings.from_config(in_force())
    if request.method == "POST":
        upload = request.files.get("payments")
        if upload is None or not upload.filename:
            flash(_("Choose a payment file."), "error")
            return redirect_after_post(url_for("staff.billing"))
        try:
            summary = payments.import_file(upload.read(), statement_accounts=settings.statement_accounts,
                                           refund_threshold=settings.credit_refund_threshold,
                                           staff=current_user, ip=client_ip())
        except bankfiles.PaymentFileError as error:
            flash(_("The file could not be read: %(error)s",
                    error=PAYMENT_FILE_ERRORS.get(error.code, error.code) % error.values), "error")
            return redirect_after_post(url_for("staff.billing"))
        counts = summary.counts()
        flash(_("Payment file: %(read)d read, %(applied)d applied, %(already)d already imported, "
                "%(unmatched)d unmatched, %(rejected)d rejected.", **counts),
              "error" if counts["rejected"] else "success")
        for line, code, values in summary.rejected[:20]:
            flash(_("Line %(line)d rejected: %(reason)s", line=line,
                    reason=PAYMENT_PROBLEMS.get(code, code) % values), "error")
        return redirect_after_post(url_for("staff.billing"))
    return render("staff/billing.html", runs=list(BillingRun.latest()), unmatched=list(Payment.unmatched().limit(PAGE)),
                  refunds=list(Credit.refunds_due()), reminders=list(Reminder.latest()),
                  collection=list(dunning.collection_list(today()).limit(PAGE)),
                  problems=PAYMENT_PROBLEMS, statement_accounts=settings.statement_accounts,
                  rates=interest.rate_statement(InterestSettings.from_config(in_force()), today()))


PAYMENT_FILE_ERRORS = {
    "empty": _l("the file is empty."),
    "columns": _l("a CSV file needs the columns reference, amount and date (viite, summa, päivämäärä)."),
    "not_xml": _l("it is not well-formed XML."),
    "not_camt": _l("it is not an ISO 20022 bank-to-customer message (camt.054)."),
    "report": _l("an intraday account report (camt.052) is not final: import the notification (camt.054)."),
    "statement": _l("this statement (camt.053) is for account %(account)s, which receives notifications "
                    "(camt.054): the same money is in them. Statements are imported only for the accounts "
                    "named in PAYMENT_STATEMENT_ACCOUNTS."),
    "entry_incomplete": _l("an entry has no amount or date."),
}

PAYMENT_PROBLEMS = {
    "no_reference": _l("no reference."),
    "not_amount": _l("the amount is not a number."),
    "absurd_amount": _l("the amount is zero, has more than two decimals or is implausibly large."),
    "not_date": _l("the date is not a date."),
    "currency": _l("not in euros"),
    "not_booked": _l("not booked by the bank (pending or for information)"),
    "returned": _l("a returned payment"),
    "reversal_of_debit": _l("a reversal of an outgoing payment"),
    "batch_total": _l("a batch total without the payments in it"),
    "reversal_not_found": _l("a reversal of a payment that was not found"),
    "reversal": _l("a reversal"),
    "credit_used": _l("uses a credit that is already used or refunded"),
}


@bp.post("/refunds/<int:credit_id>")
@staff_required
def mark_refunded(credit_id):
    if refunds.mark_refunded(get_or_404(Credit, credit_id), current_user, ip=client_ip()):
        flash(_("The refund is marked as paid."), "success")
    return redirect_after_post(url_for("staff.billing"))


class MeterChangeForm(Form):
    day = DateField(_l("Date of the change"), format=DATE_INPUT_FORMATS,
                    validators=[InputRequired(_l("Enter a date."))])
    final_value = IntegerField(_l("Old meter's final reading (m³)"), validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter the reading in whole cubic metres."))])
    new_meter = StringField(_l("New meter number"), validators=[
        InputRequired(_l("Enter the new meter's number.")), Length(max=30)])
    value = IntegerField(_l("New meter's start reading (m³)"), default=0, validators=[
        InputRequired(_l("Enter the reading in whole cubic metres.")),
        NumberRange(min=0, max=10_000_000, message=_l("Enter the reading in whole cubic metres."))])
    size = StringField(_l("Size"), validators=[Optional(), Length(max=10)])


@bp.route("/points/<int:point_id>/meter-change", methods=["GET", "POST"])
@staff_required
def meter_change(point_id):
    point = get_or_404(ConsumptionPoint, point_id)
    old = point.meters.where(Meter.removed_on.is_null()).order_by(Meter.installed_on.desc()).first()
    form = MeterChangeForm()
    if old is not None and not form.is_submitted():
        form.size.data = old.size
    if old is not None and form.validate_on_submit():
        try:
            new = water.replace_meter(current_user, old, day=form.day.data, final_value=form.final_value.data,
                                      new_number=form.new_meter.data, start_value=form.value.data,
                                      new_size=form.size.data or None, today=today(), by_staff=True,
                                      ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Meter %(old)s replaced by %(new)s.", old=old.number, new=new.number), "success")
            return redirect_after_post(url_for("staff.customer", customer_id=point.property.customer_id))
    status = form_status(form)
    return render("staff/meter_change.html", status=status, point=point, form=form, old=old)


class OwnerChangeForm(Form):
    possession = DateField(_l("Possession changes on"), format=DATE_INPUT_FORMATS,
                           validators=[InputRequired(_l("Enter a date."))])
    reading = IntegerField(_l("Meter reading on that day (m³)"), validators=[
        InputRequired(_l("Enter the reading in whole cubic metres.")), NumberRange(min=0)])
    customer_number = StringField(_l("The new owner's customer number"), validators=[
        InputRequired(_l("Enter your customer number.")), Length(max=30)])




@bp.route("/points/<int:point_id>/owner-change", methods=["GET", "POST"])
@staff_required
def owner_change(point_id):
    point = get_or_404(ConsumptionPoint, point_id)
    form = OwnerChangeForm()
    if form.validate_on_submit():
        new = Customer.get_or_none(Customer.number == normalize_customer_number(form.customer_number.data))
        try:
            if new is None:
                raise FieldError("customer_number", "unknown_customer")
            invoice = ownership.change_owner(point, possession=form.possession.data, reading_value=form.reading.data,
                                          new_customer=new, staff=current_user,
                                          settings=BillingSettings.from_config(in_force()),
                                          today=today())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("Owner changed. Final invoice %(number)s, %(amount)s, to the previous owner.",
                    number=invoice.number, amount=f"{invoice.total:.2f} €".replace(".", ",")), "success")
            return redirect_after_post(url_for("staff.customer", customer_id=new.id))
    status = form_status(form)
    return render("staff/owner_change.html", status=status, point=point, form=form)


# -- background jobs ----------------------------------------------------------------------

@bp.route("/jobs", methods=["GET", "POST"])
@staff_required
def jobs_page():
    # The scheduler's list of daily jobs, handed to the app by app.py (views do not import it).
    daily = {job.id: job for job in current_app.extensions["kotipiha.daily_jobs"](current_app.config)}
    if request.method == "POST":
        job = daily.get(request.form.get("job"))
        if job is None:
            abort(404)
        if jobs.queue_run(job.id, today(), current_user, ip=client_ip()):
            flash(_("Queued: the scheduler runs it within a minute."), "success")
        else:
            flash(_("This job has already run today, or is running."), "info")
        return redirect_after_post(url_for("staff.jobs_page"))
    moment = now()
    rows = []
    for job in daily.values():
        rows.append({"job": job, "last": JobRun.last_for(job.id), "next": job.next_run(moment),
                     "failures": JobRun.failures_of(job.id)})
    lease = SchedulerLease.get_or_none(SchedulerLease.name == "scheduler")
    return render("staff/jobs.html", rows=rows, lease=lease, last_backup=backups.latest(current_app.config["BACKUP_DIR"]))
