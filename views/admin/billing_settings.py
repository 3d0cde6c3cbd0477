"""Billing settings over config.py (domain/settings.py): what the page may change, shown in
Finnish conventions; a key set in the environment is shown read-only."""
from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from domain import settings
from domain.errors import FieldError
from domain.interest import parse_rates
from views.admin.blueprint import bp
from views.helpers import Form, client_ip, redirect_after_post, render
from views.messages import apply_error, form_status


SETTING_TEXTS = {
    "MINIMUM_INVOICE": (_l("Smallest waste invoice (€)"),
                        _l("Emptyings worth less wait for the next billing run.")),
    "CREDIT_REFUND_THRESHOLD": (_l("Credit refunded from (€)"),
                                _l("A smaller credit is deducted from the next invoice.")),
    "WASTE_BASIC_FEE_BILLED_ON": (_l("Waste basic fee billed on"),
                                  _l("The day of the year the basic fee goes out on its own invoice, "
                                     "for example 15.2.")),
    "WASTE_BASIC_FEE_ON_WASTE_INVOICE": (_l("Bill the waste basic fee on each customer's first waste invoice "
                                            "of the year instead"), None),
    "PAYMENT_STATEMENT_ACCOUNTS": (_l("Accounts read from account statements (camt.053)"),
                                   _l("IBANs that get no payment notifications, one per line.")),
    "REMINDER_FEE_PRIVATE": (_l("Reminder fee, private customers (€)"), None),
    "REMINDER_FEE_BUSINESS": (_l("Reminder fee, business customers (€)"), None),
    "CUTOFF_DEBT_LIMIT": (_l("Larger invoices from (€)"),
                          _l("Water may be cut off some weeks after the first reminder of a larger invoice, "
                             "some months after that of a smaller one.")),
    "CUTOFF_WEEKS_LARGE_DEBT": (_l("Weeks from the first reminder to a cut-off, larger invoices"), None),
    "CUTOFF_MONTHS_SMALL_DEBT": (_l("Months from the first reminder to a cut-off, smaller invoices"), None),
    "COLLECTION_DAYS_AFTER_REMINDER": (_l("Days from the reminder to debt collection (waste, interest)"), None),
    "LATE_INTEREST_REFERENCE_RATES": (_l("Reference rates by half-year (%)"),
                                      _l("One per line: the half-year's first day and the rate, for example "
                                         "1.1.2026 2,50. Late interest adds 7 points (8 for businesses).")),
    "MINIMUM_INTEREST": (_l("Smallest interest invoiced (€)"), None),
}
SETTING_GROUPS = {"billing": _l("Billing"), "reminders": _l("Reminders and cut-offs"),
                  "interest": _l("Late interest")}


def _settings_form(formdata=None):
    fields = {}
    for item in settings.EDITABLE:
        text, _hint = SETTING_TEXTS[item.key]
        if item.is_flag:
            fields[item.field] = BooleanField(text)
            continue
        required = Optional() if item.optional else InputRequired(_l("Enter a value."))
        if item.key in ("PAYMENT_STATEMENT_ACCOUNTS", "LATE_INTEREST_REFERENCE_RATES"):
            fields[item.field] = TextAreaField(text, validators=[required, Length(max=2000)])
        else:
            fields[item.field] = StringField(text, validators=[required, Length(max=40)])
    form_class = type("SettingsForm", (Form,), fields)
    return form_class(formdata=formdata) if formdata is not None else form_class()


def _shown_value(item, value: str) -> str:
    """A setting as the page shows it: Finnish dates and decimal commas, one per line."""
    if item.key == "LATE_INTEREST_REFERENCE_RATES":
        return "\n".join(f"{d.day}.{d.month}.{d.year} {str(r).replace('.', ',')}" for d, r in parse_rates(value))
    if item.key == "PAYMENT_STATEMENT_ACCOUNTS":
        return "\n".join(a.strip() for a in value.split(",") if a.strip())
    if item.key == "WASTE_BASIC_FEE_BILLED_ON":
        month, day = value.split("-")
        return f"{int(day)}.{int(month)}."
    if item.is_euros:
        return value.replace(".", ",")
    return value


@bp.route("/settings", methods=["GET", "POST"])
def billing_settings():
    shown = settings.shown(current_app.config)
    form = _settings_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        for row in shown:
            form[row.editable.field].data = (row.value == "true" if row.editable.is_flag
                                             else _shown_value(row.editable, row.value))
    else:
        if form.validate_on_submit():
            values = {item.key: ("true" if form[item.field].data else "false") if item.is_flag
                      else form[item.field].data or "" for item in settings.EDITABLE}
            try:
                changed = settings.save(current_user, values, current_app.config, ip=client_ip())
            except FieldError as error:
                apply_error(form, error)
            else:
                flash(_("Settings saved: %(count)d changed.", count=len(changed)), "success")
                return redirect_after_post(url_for("admin.billing_settings"))
    return render("admin/settings.html", status=form_status(form), form=form, shown=shown,
                  groups=SETTING_GROUPS, texts=SETTING_TEXTS, shown_value=_shown_value)
