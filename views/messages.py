"""The translated message of every FieldError code, in one table, and how a view puts one
on its form."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from domain.errors import FieldError
from formatting import format_date
from domain.passwords import MAX_LENGTH, MIN_LENGTH

MESSAGES = {
    # administration: prices and billing calendars
    "price_format": _l("Write the price in euros, for example 3,95."),
    "price_decimals": _l("A price has at most four decimals."),
    "price_not_future": _l("A new price starts after today (%(today)s): invoices may already use today's prices."),
    "price_later_exists": _l("A later price already starts on %(day)s. Remove it first, or start this one after it."),
    "price_in_use": _l("This price is already in force and may be on invoices: set a new price from a later date "
                       "instead."),
    "vat_format": _l("Write the VAT rate as a percentage, for example 25,5."),
    "period_billed": _l("This period's billing day has passed: its dates can no longer change."),
    "billing_date_future": _l("The billing day must be after today."),
    "report_by_in_period": _l("The last day for readings cannot be before the period starts."),
    "billing_after_report": _l("The billing day cannot be before the last day for readings."),
    "due_two_weeks": _l("The due date must be at least 14 days after the billing day."),
    "calendar_year_exists": _l("The group already has periods in %(year)d."),
    "calendar_no_previous_year": _l("The group has no periods in %(year)d to carry over."),
    "price_list_exists": _l("The installation has a price list already."),
    # administration: settings, collection areas, announced days
    "setting_euros": _l("Write an amount in euros, for example 5,00."),
    "setting_month_day": _l("Write a day of the year, for example 15.2."),
    "setting_accounts": _l("Check the account numbers: write IBANs, one per line."),
    "setting_weeks": _l("Write a number of weeks from 1 to 52."),
    "setting_months": _l("Write a number of months from 1 to 24."),
    "setting_collection_days": _l("Write a number of days from 14 to 365."),
    "setting_rates": _l("Write one rate per half-year on its own line, for example 1.1.2026 2,50."),
    "area_name": _l("Enter the name of the collection area."),
    "route_change_future": _l("A new emptying day starts after today."),
    "announced_not_future": _l("Announce a day after today: tomorrow's reminders may already be out."),
    "announced_name": _l("Say why, in Finnish at least."),
    "announced_exists": _l("This day is already announced."),
    "announced_move_range": _l("Move the emptyings to another day after today, at most %(days)d days away."),
    "announced_move_closed": _l("The emptyings cannot move to a Sunday, a public holiday or another announced day."),
    "announced_past": _l("This day has passed: it can no longer be withdrawn."),
    # accounts
    "missed_day_range": _l("An emptying that did not happen can be reported for %(days)d days, not in advance."),
    "missed_not_planned": _l("No emptying was planned for this bin on %(date)s."),
    "notice_kind": _l("Choose the kind of disruption."),
    "notice_nobody": _l("Name at least one collection area, billing group or street."),
    "notice_in_past": _l("The notice would already have ended."),
    "notice_too_long": _l("A notice can be in force for %(days)d days at most."),
    "throttled": _l("Too many failed attempts. Wait %(minutes)d minutes and try again."),
    "login_throttled": _l("Too many failed attempts. Wait %(minutes)d minutes and try again, or reset "
                          "your password."),
    "customer_number_format": _l("Check the customer number: it looks like 62-0000000-00."),
    "invoice_mismatch": _l("The customer number and the number of your latest invoice (or your registration "
                           "code) do not match. Both are printed at the top right of your latest invoice, or in "
                           "the letter that welcomed you as a new customer."),
    "already_registered": _l("This customer already has an account. Log in, or reset the "
                             "password if you have forgotten it."),
    "email_format": _l("Check the email address, for example maija@example.fi."),
    "username_taken": _l("This username is already in use. Choose another one."),
    "email_taken": _l("This email address is already used by another account."),
    "password_too_short": _l("The password must have at least %(n)d characters.", n=MIN_LENGTH),
    "password_too_long": _l("The password can have at most %(n)d characters.", n=MAX_LENGTH),
    "password_common": _l("This password is too common and easy to guess. Choose another one, "
                          "for example a few unrelated words."),
    "password_personal": _l("The password is too close to your name or username."),
    "current_password_wrong": _l("The current password is wrong."),
    "current_password_for_email": _l("Enter your current password to change the email address."),
    "undo_invalid": _l("This link has expired or has already been used."),
    "reset_invalid": _l("This link has expired or has already been used. Ask for a new one."),
    # waste orders
    "extra_too_soon": _l("The earliest possible date is %(earliest)s."),
    "change_too_soon": _l("A change can take effect on %(earliest)s at the earliest."),
    "not_working_day": _l("Choose a working day (Monday to Friday, not a public holiday)."),
    "too_far": _l("Choose a date within the next 12 months."),
    "after_contract_end": _l("The service ends before this date."),
    "bins_range": _l("Choose 1–%(max)d bins."),
    "no_change": _l("This is what the contract already has."),
    "interval_choice": _l("Choose one of the intervals offered."),
    "date_missing": _l("Enter a date."),
    "end_before_start": _l("The end must be after the start."),
    "suspension_too_short": _l("A suspension lasts at least %(days)d days."),
    "suspension_too_long": _l("A suspension lasts at most %(days)d days."),
    "bin_size_choice": _l("Choose one of the bins offered."),
    "biowaste_not_started": _l("Separate biowaste collection starts on %(date)s."),
    "biowaste_area": _l("Separate biowaste collection is offered only in these collection areas: %(areas)s."),
    "biowaste_building": _l("Separate biowaste collection is offered to single-family and two-family houses."),
    "fraction_area": _l("The collection route of %(area)s does not take these at properties yet: take them "
                        "to the nearest eco point (ekopiste)."),
    # joining as a customer
    "required": _l("Fill in this field."),
    "postal_code_format": _l("A postal code has five digits, for example 45100."),
    "building_type_choice": _l("Choose the type of the property."),
    "persons_range": _l("Enter the number of people living there, 1–999."),
    "dwellings_range": _l("Enter the number of dwellings, 1–999."),
    "services_needed": _l("Choose at least one service."),
    "start_range": _l("Choose a start date within the next 12 months."),
    "weekday_choice": _l("Choose a weekday."),
    "note_needed": _l("Write the reason; the applicant gets it by email."),
    "credit_reason_needed": _l("Write why the row is credited."),
    "credit_reason_long": _l("Write the reason in at most %(max)d characters."),
    "row_not_creditable": _l("This row cannot be credited: only a billed row of an invoice can."),
    "row_already_credited": _l("This row is credited already."),
    # shared bins
    "invite_needed": _l("Invite at least one neighbour: a customer number and a street address a line."),
    "invite_unknown": _l("No customer matches “%(line)s”: write the customer number, a space and the street address."),
    "invite_too_far": _l("%(line)s is not a neighbour: a shared bin's members are in the same collection area, at most %(km)s km apart."),
    "contact_only": _l("Only the contact person can do this."),
    "shared_needs_member": _l("At least one neighbour must confirm first."),
    "share_number": _l("Enter each share as a percentage, more than 0 and at most 100."),
    "shares_sum": _l("The shares must add up to 100 %%; now they add up to %(total)s %%."),
    "member_choice": _l("Choose a member who has confirmed."),
    "contact_leaves": _l("Hand the contact person's role to another member first."),
    "date_past": _l("Choose today or a later day."),
    # the sorting guide
    "fraction_choice": _l("Choose where it goes."),
    "name_needed": _l("Enter the name in each language."),
    # collection points
    "problem_choice": _l("Choose what is wrong."),
    "photo_invalid": _l("The photo could not be read. Send a JPEG, PNG or WebP photo, or leave it out."),
    "photo_too_large": _l("The photo is too large: at most 8 MB."),
    # septic and holding tanks
    "system_kind": _l("Choose the type."),
    "volume_range": _l("Enter the volume in cubic metres, 0,5–50 (for example 4,5)."),
    "chambers_range": _l("Choose 1–4 chambers."),
    "hose_range": _l("Enter 0–100 metres."),
    "interval_holding_only": _l("A fixed interval is for holding tanks only; leave it empty."),
    "interval_weeks_range": _l("Enter 1–52 weeks."),
    "last_emptied_range": _l("Enter a date in the past ten years."),
    "week_choice": _l("Choose one of the weeks offered."),
    "sludge_open_order": _l("An emptying is already ordered for week %(week)d."),
    "sludge_day_week": _l("Choose a working day of the week ordered."),
    "sludge_done_future": _l("An emptying cannot be marked done ahead of its day."),
    "sludge_m3_range": _l("Enter the m³ emptied, 0,1–100."),
    "request_reused": _l("This form was already used. Reload the page and try again."),
    "kind_invalid": _l("Choose what you want to change."),
    # support
    "category_choice": _l("Choose a category."),
    "contact_choice": _l("Choose how you want to be contacted."),
    "email_needed": _l("Give the email address we can answer to."),
    "phone_needed": _l("Give the phone number we can call."),
    "body_needed": _l("Write a message."),
    # water readings and meters
    "remote_meter": _l("This meter is read remotely by the water utility, so its reading is not "
                       "reported here. The utility reads it in the reading weeks and uses it on "
                       "your invoice."),
    "negative": _l("The reading cannot be negative."),
    "date_future": _l("The date cannot be in the future."),
    "date_too_old": _l("The date can be at most a year back."),
    "meter_not_in_use": _l("The meter was not in use on that date (installed on %(installed)s)."),
    "before_previous": _l("The latest reading is from %(date)s (%(value)d m³). Give a date on or after it."),
    "below_previous": _l("The reading is lower than the previous one, %(value)d m³ on %(date)s. "
                         "Check the numbers: read only the black digits (whole cubic metres)."),
    "meter_number": _l("Enter the new meter's number as it is printed on the meter."),
    "meter_exists": _l("A meter with this number is already registered. Check the number."),
    # owner change
    "same_customer": _l("The new owner must be another customer."),
    "no_meter": _l("The consumption point has no meter in use."),
    "conflicting_reading": _l("Another reading is already recorded for that day."),
    "already_done": _l("The final invoice for that day already exists."),
    "unknown_customer": _l("No customer has that number."),
    # refunds
    "iban_invalid": _l("Check the account number: it looks like FI49 5000 9420 0287 30."),
    # staff decisions
    "already_decided": _l("This was already decided."),
}


def message(error: FieldError) -> str:
    """The error's text in the current language, its dates written the Finnish way."""
    values = {k: format_date(v) if isinstance(v, dt.date) else v for k, v in error.values.items()}
    text = str(MESSAGES[error.code])
    return text % values if values else text


def apply_error(form, error: FieldError) -> None:
    """Show the error under its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message(error)]
    else:
        form.form_errors.append(message(error))


def form_status(form) -> int:
    """422 for a form with errors (htmx swaps it in all the same), 200 otherwise."""
    return 422 if any(f.errors for f in form) or form.form_errors else 200
