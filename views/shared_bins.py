"""Shared bins (jätekimppa) for residents and customer service: start one from a property
and invite the neighbours, confirm an invitation, set the shares, hand over the contact
person's role, leave; customer service approves. The rules are in domain/shared_bins.py."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain.settings import in_force
from domain import areas, shared_bins, waste
from domain.errors import FieldError
from domain.pricing import offered_bin_sizes
from formatting import DATE_INPUT_FORMATS, format_date, format_money
from models import Property, SharedBin, SharedBinMember
from models.clock import today
from views.helpers import (Form, client_ip, get_or_404, get_owned_or_404, optional_int, placeholder,
                           redirect_after_post, render, resident_required, staff_required)
from views.labels import label
from views.messages import apply_error, form_status, message

bp = Blueprint("shared_bins", __name__)


def _settings():
    return waste.WasteSettings.from_config(in_force()), shared_bins.SharedBinSettings.from_config(in_force())


class StartForm(Form):
    waste_type = RadioField(_l("Waste type"), validate_choice=False, validators=[InputRequired(_l("Choose a waste type."))])
    bin_size = SelectField(_l("Bin"), coerce=optional_int, validate_choice=False,
                           validators=[InputRequired(_l("Choose a bin."))])
    interval = SelectField(_l("Emptying interval"), coerce=optional_int, validate_choice=False,
                           validators=[InputRequired(_l("Choose an emptying interval."))])
    start_date = DateField(_l("Effective from"), format=DATE_INPUT_FORMATS, validators=[InputRequired(_l("Enter a date."))])
    invites = TextAreaField(_l("Neighbours to invite"), validators=[
        InputRequired(_l("Invite at least one neighbour.")), Length(max=2000)])


@bp.route("/properties/<int:property_id>/shared-bins/new", methods=["GET", "POST"])
@resident_required
def start(property_id):
    prop = get_owned_or_404(Property, property_id)
    waste_settings, settings = _settings()
    form = StartForm()
    day = today()
    form.waste_type.choices = [(t, label("waste_bin", t)) for t in waste.WASTE_TYPES
                               if not waste.unavailable_reason(prop, t, day, waste_settings)]
    chosen = form.waste_type.data if form.waste_type.data in waste.WASTE_TYPES else "mixed"
    lang = str(get_locale())
    form.bin_size.choices = [placeholder()] + [(size, f"{size} L – {format_money(price.total, lang)}")
                                               for size, price in offered_bin_sizes(chosen, day)]
    form.interval.choices = [placeholder()] + [(n, ngettext("every week", "every %(num)d weeks", n))
                                               for t in [chosen] for n in waste_settings.intervals_for(t)]
    if request.method == "GET":
        form.waste_type.data = "mixed"
        form.start_date.data = waste.earliest_change(day, waste_settings)
    elif form.validate_on_submit():
        invites = []
        for line in (form.invites.data or "").splitlines():
            first, _sep, rest = line.strip().partition(" ")
            if not line.strip():
                continue
            if sum(c.isdigit() for c in first) >= 8:  # a customer number first, then perhaps the address
                invites.append((first.strip(" ,;"), rest.strip(" ,;")))
            else:
                invites.append(("", line.strip(" ,;")))
        try:
            made = shared_bins.start(current_user, prop, waste_type=form.waste_type.data, bin_size=form.bin_size.data,
                                     interval=form.interval.data, start_date=form.start_date.data, invites=invites,
                                     today=day, waste_settings=waste_settings, settings=settings, ip=client_ip(),
                                     limits=current_app.config)
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("The shared bin is started and the neighbours are invited. Send it to customer service when "
                    "they have confirmed."), "success")
            return redirect_after_post(url_for("shared_bins.detail", shared_id=made.id))
    return render("shared/start.html", status=form_status(form), prop=prop, form=form, max_km=settings.max_km)


class LeaveForm(Form):
    last_day = DateField(_l("Last day in the shared bin"), format=DATE_INPUT_FORMATS,
                         validators=[InputRequired(_l("Enter a date."))])


class HandOverForm(Form):
    member = SelectField(_l("New contact person"), coerce=optional_int, validate_choice=False,
                         validators=[InputRequired(_l("Choose a member."))])


def _page(shared, *, failed=None, status=200):
    own = shared_bins.membership(shared, current_user)
    rows = shared_bins.members(shared)
    handover = failed if isinstance(failed, HandOverForm) else HandOverForm(formdata=None)
    handover.member.choices = [placeholder()] + [(m.id, m.property.street) for m in rows
                                                 if m.status == "confirmed" and not m.is_contact and not m.left_on]
    leave_form = failed if isinstance(failed, LeaveForm) else LeaveForm(formdata=None, last_day=today())
    shares = {m.id: m.share_percent for m in rows}
    errors = [failed] if isinstance(failed, Form) else []
    return render("shared/detail.html", status=status, shared=shared, own=own, rows=rows, handover=handover,
                  leave_form=leave_form, shares=shares, errors=errors,
                  problem=failed if isinstance(failed, str) else None)


@bp.route("/shared-bins/<int:shared_id>")
@resident_required
def detail(shared_id):
    return _page(get_owned_or_404(SharedBin, shared_id))


def _act(shared_id, action):
    """Run an action of the shared bin's page; a refused one shows the page with why."""
    shared = get_owned_or_404(SharedBin, shared_id)
    try:
        done = action(shared, shared_bins.membership(shared, current_user))
    except FieldError as error:
        return _page(shared, failed=message(error), status=422)
    flash(done, "success")
    return redirect_after_post(url_for("shared_bins.detail", shared_id=shared.id))


@bp.route("/shared-bins/<int:shared_id>/answer", methods=["POST"])
@resident_required
def answer(shared_id):
    accept = request.form.get("answer") == "yes"

    def action(shared, own):
        if own is None:
            abort(404)
        shared_bins.answer(current_user, own, accept=accept, ip=client_ip())
        return _("You joined the shared bin.") if accept else _("You declined the invitation.")
    return _act(shared_id, action)


@bp.route("/shared-bins/<int:shared_id>/submit", methods=["POST"])
@resident_required
def submit(shared_id):
    def action(shared, _own):
        shared_bins.submit(current_user, shared, ip=client_ip())
        return _("Sent to customer service. Its decision shows here.")
    return _act(shared_id, action)


@bp.route("/shared-bins/<int:shared_id>/shares", methods=["POST"])
@resident_required
def shares(shared_id):
    def action(shared, _own):
        values = {int(k.split("_", 1)[1]): v for k, v in request.form.items() if k.startswith("share_")
                  and k.split("_", 1)[1].isdigit()}
        shared_bins.set_shares(current_user, shared, values, ip=client_ip(), today=today())
        return _("The shares are saved.")
    return _act(shared_id, action)


@bp.route("/shared-bins/<int:shared_id>/handover", methods=["POST"])
@resident_required
def handover(shared_id):
    shared = get_owned_or_404(SharedBin, shared_id)
    form = HandOverForm()
    form.member.choices = [placeholder()] + [(m.id, m.property.street) for m in shared_bins.members(shared)]
    if not form.validate_on_submit():
        return _page(shared, failed=form, status=422)
    new = SharedBinMember.get_or_none((SharedBinMember.id == form.member.data) & (SharedBinMember.shared_bin == shared))
    try:
        if new is None:
            raise FieldError("member", "member_choice")
        shared_bins.hand_over(current_user, shared, new, ip=client_ip())
    except FieldError as error:
        apply_error(form, error)
        return _page(shared, failed=form, status=422)
    flash(_("The contact person is now %(address)s.", address=new.property.street), "success")
    return redirect_after_post(url_for("shared_bins.detail", shared_id=shared.id))


@bp.route("/shared-bins/<int:shared_id>/leave", methods=["POST"])
@resident_required
def leave(shared_id):
    shared = get_owned_or_404(SharedBin, shared_id)
    form = LeaveForm()
    own = shared_bins.membership(shared, current_user)
    if own is None:
        abort(404)
    if form.validate_on_submit():
        try:
            shared_bins.leave(current_user, own, last_day=form.last_day.data, today=today(), ip=client_ip())
        except FieldError as error:
            apply_error(form, error)
        else:
            flash(_("You leave the shared bin after %(date)s.", date=format_date(form.last_day.data)), "success")
            return redirect_after_post(url_for("shared_bins.detail", shared_id=shared.id))
    return _page(shared, failed=form, status=422)


# -- the back office ---------------------------------------------------------------------

class DecideForm(Form):
    route_weekday = SelectField(_l("Route weekday"), coerce=optional_int, validate_choice=False, validators=[Optional()])
    note = TextAreaField(_l("Note to the members"), validators=[Optional(), Length(max=250)])


@bp.route("/staff/shared-bins", methods=["GET"])
@staff_required
def queue():
    pending = list(SharedBin.select(SharedBin, Property).join(Property).where(SharedBin.status == "pending")
                   .order_by(SharedBin.created_at))
    members = {}
    for member in shared_bins.members([b.id for b in pending]):  # one query for every bin
        members.setdefault(member.shared_bin_id, []).append(member)
    return render("staff/shared_bins.html", pending=pending, members=members,
                  forms={b.id: _decide_form(b, formdata=None) for b in pending})


def _decide_form(shared, formdata=None):
    form = DecideForm(formdata=formdata, prefix=f"b{shared.id}") if formdata is not None else DecideForm(
        prefix=f"b{shared.id}")
    form.route_weekday.choices = [(d, label("weekday", d)) for d in range(5)]
    if formdata is None:
        form.route_weekday.data = areas.weekday_of(shared.host.collection_area)
    return form


@bp.route("/staff/shared-bins/<int:shared_id>", methods=["POST"])
@staff_required
def decide(shared_id):
    shared = get_or_404(SharedBin, shared_id)
    form = _decide_form(shared)
    if form.validate_on_submit():
        try:
            shared_bins.decide(shared, current_user, approve=request.form.get("decision") == "approve",
                               note=form.note.data or "", route_weekday=form.route_weekday.data or 0, ip=client_ip())
        except FieldError as error:
            flash(message(error), "error")
        else:
            flash(_("Decided: %(address)s.", address=shared.host.street), "success")
    return redirect_after_post(url_for("shared_bins.queue"))
