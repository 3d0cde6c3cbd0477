"""Translated names of the codes stored in the database."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext

from domain.waste import COMPARTMENTS

LABELS = {
    "building_type": {
        "detached": _l("Single-dwelling houses"),
        "semi_detached": _l("Two-dwelling houses"),
        "terraced": _l("Terraced houses"),
        "apartment": _l("Apartment buildings"),
        "holiday_home": _l("Holiday homes"),
    },
    "building_type_one": {
        "detached": _l("Single-dwelling house"),
        "semi_detached": _l("Two-dwelling house"),
        "terraced": _l("Terraced house"),
        "apartment": _l("Apartment building"),
        "holiday_home": _l("Holiday home"),
    },
    "occupancy": {"permanent": _l("Permanent residence"), "holiday": _l("Holiday home")},
    # A multi-compartment bin's name lists its fractions: see label().
    "waste_type": {"mixed": _l("Mixed waste"), "bio": _l("Biowaste"), "plastic": _l("Plastic packaging"),
                   "cardboard": _l("Cardboard packaging"), "glass": _l("Glass packaging"),
                   "metal": _l("Metal"), "paper": _l("Paper")},
    # The fraction inside a sentence ("2-compartment bin (glass, metal)").
    "fraction": {"mixed": _l("mixed waste"), "bio": _l("biowaste"), "plastic": _l("plastic"),
                 "cardboard": _l("cardboard"), "glass": _l("glass"), "metal": _l("metal"), "paper": _l("paper")},
    # What the order form offers.
    "waste_bin": {"mixed": _l("Mixed waste bin"), "bio": _l("Biowaste bin (ventilated)"),
                  "plastic": _l("Plastic packaging bin"), "cardboard": _l("Cardboard packaging bin"),
                  "glass": _l("Glass packaging bin"), "metal": _l("Metal bin"), "paper": _l("Paper bin")},
    # The short mark written on a calendar day beside the colour, so colour is never alone.
    "waste_short": {"mixed": _l("MW"), "bio": _l("BIO"), "plastic": _l("PL"), "cardboard": _l("CB"),
                    "glass": _l("GL"), "metal": _l("ME"), "paper": _l("PA"), "multi2": _l("M2"),
                    "multi4": _l("M4")},
    "customer_class": {"small": _l("Small customer"), "large": _l("Large customer"),
                       "industry": _l("Industry")},
    "billing_group": {"1": _l("Billing group 1"), "2": _l("Billing group 2"),
                      "3": _l("Billing group 3"), "monthly": _l("Monthly billing")},
    "reading_status": {"accepted": _l("Accepted"), "flagged": _l("Being checked"),
                       "rejected": _l("Rejected")},
    "support_category": {"emptying": _l("Emptying"), "bins_contracts": _l("Bins and contracts"),
                         "invoices": _l("Invoices"), "water": _l("Water meter and readings"),
                         "composting": _l("Composting"), "other": _l("Other")},
    "support_status": {"open": _l("Waiting for an answer"), "answered": _l("Answered"),
                       "closed": _l("Closed")},
    "composter_type": {"insulated_food": _l("Insulated food-waste composter"),
                       "non_insulated": _l("Non-insulated composter"), "bokashi": _l("Bokashi"),
                       "other": _l("Other composter")},
    "contact_method": {"email": _l("By email"), "phone": _l("By phone"), "none": _l("No contact needed")},
    "invoice_kind": {"water": _l("Water"), "waste": _l("Waste collection"),
                     "final": _l("Final invoice"), "interest": _l("Late-payment interest"),
                     "basic_fee": _l("Waste basic fee"), "credit_note": _l("Credit note")},
    "run_status": {"queued": _l("queued"), "running": _l("running"), "done": _l("done"), "failed": _l("failed"),
                   "interrupted": _l("interrupted (its process stopped)")},
    "invoice_status": {"open": _l("Open"), "paid": _l("Paid"), "cancelled": _l("Cancelled"),
                       "credit": _l("Credit")},
    "row_code": {
        "water_basic_fee": _l("Water, basic fee"), "wastewater_basic_fee": _l("Wastewater, basic fee"),
        "water_actual": _l("Water, actual consumption"),
        "wastewater_actual": _l("Wastewater, actual consumption"),
        "water_estimate_deduction": _l("Water, estimates already billed"),
        "wastewater_estimate_deduction": _l("Wastewater, estimates already billed"),
        "water_estimate": _l("Water, estimated consumption"),
        "wastewater_estimate": _l("Wastewater, estimated consumption"),
        "waste_treatment": _l("Waste treatment"), "bin_emptying": _l("Bin emptying"),
        "credit": _l("Credit from an earlier invoice"),
        "late_interest": _l("Late-payment interest"),
        "waste_basic_fee": _l("Waste basic fee, per dwelling"),
        "sludge_base": _l("Sludge emptying, base fee"), "sludge_m3": _l("Sludge emptied"),
    },
    # The sorting guide's fractions, and what to do with an item when it has no note of its own.
    "guide_fraction": {"mixed": _l("Mixed waste"), "bio": _l("Biowaste"), "plastic": _l("Plastic packaging"),
                       "cardboard": _l("Cardboard packaging"), "glass": _l("Glass packaging"), "metal": _l("Metal"),
                       "paper": _l("Paper"), "hazardous": _l("Hazardous waste"), "electronics": _l("Electrical equipment"),
                       "batteries": _l("Batteries"), "textile": _l("Textiles"), "deposit": _l("Deposit return"),
                       "medicine": _l("Pharmacy"), "waste_station": _l("Waste station")},
    "guide_note": {
        "mixed": _l("Into the mixed waste bin, in a tied bag."),
        "bio": _l("Into the biowaste bin, wrapped in newspaper or a biodegradable bag."),
        "plastic": _l("Empty and clean into plastic packaging collection; small items one inside another."),
        "cardboard": _l("Empty, clean and flattened into cardboard collection."),
        "glass": _l("Empty into glass packaging collection; labels may stay on."),
        "metal": _l("Empty into metal collection; small items inside a tin."),
        "paper": _l("Dry and clean into paper collection."),
        "hazardous": _l("To a waste station's hazardous waste collection, free of charge, in its own container."),
        "electronics": _l("To the free collection of electrical equipment at shops and waste stations."),
        "batteries": _l("To the battery collection of shops, free of charge."),
        "textile": _l("Whole and clean for reuse; worn-out textiles to textile collection at a waste station."),
        "deposit": _l("Back to the shop's return machine for the deposit."),
        "medicine": _l("To a pharmacy, free of charge, without the outer box."),
        "waste_station": _l("To a waste station or a reuse centre; large items can also be collected for a fee."),
    },
    "eform_kind": {"extra_emptying": _l("An extra emptying of a bin"),
                   "septic": _l("A septic or holding tank emptying"), "composting": _l("A composting notice"),
                   "shared_bin": _l("A shared bin with neighbours (notice)")},
    "shared_status": {"forming": _l("Forming: waiting for the neighbours"),
                      "pending": _l("Waiting for customer service"), "approved": _l("Approved"),
                      "rejected": _l("Rejected")},
    "member_status": {"invited": _l("Invited"), "confirmed": _l("Member"), "declined": _l("Declined")},
    "point_problem": {"full": _l("Full"), "damaged": _l("Damaged"), "other": _l("Something else")},
    "system_kind": {"septic_tank": _l("Septic tank"), "holding_tank": _l("Holding tank"),
                    "treatment_plant": _l("Small treatment plant")},
    "sludge_status": {"pending": _l("Ordered, waiting for a day"), "planned": _l("Planned"),
                      "done": _l("Emptied"), "cancelled": _l("Cancelled")},
    "unit": {"m3": "m³", "month": _l("mo"), "day": _l("d"), "emptying": _l("pcs"), "pcs": _l("pcs"),
             "dwelling": _l("dw."), "year": _l("yr")},  # abbreviated like the other units
    "notification_kind": {"pickup": _l("Pickup reminders the evening before an emptying"),
                          "reading": _l("Reminders to report the water meter reading"),
                          "composting": _l("Renewal of the composting notification"),
                          "sludge": _l("Reminders to empty the septic tank"),
                          "decisions": _l("Decisions on requests and answers from customer service"),
                          "invoices": _l("Payment reminders"),
                          "disruptions": _l("Disruption notices (water cuts, boil-water advice, delayed routes)")},
    "notice_kind": {"water_cut": _l("Water cut"), "boil_water": _l("Boil-water advice"),
                    "route_delay": _l("Delayed emptying route"), "other": _l("Disruption")},
    "job": {"billing": _l("Billing runs"), "dunning": _l("Payment reminders"),
            "late_interest": _l("Late-payment interest"), "reading_reminders": _l("Reading reminders"),
            "compost_renewals": _l("Composting renewal reminders"),
            "sludge": _l("Septic tank orders and reminders"), "backup": _l("Backup"), "pickup_reminders": _l("Pickup reminders")},
    "job_outcome": {"water_invoices": _l("Water invoices"), "waste_invoices": _l("Waste invoices"),
                    "basic_fee_invoices": _l("Basic fee invoices"),
                    "interest_invoices": _l("Interest invoices"), "first_reminders": _l("First reminders"),
                    "second_reminders": _l("Second reminders"), "pickup_reminders": _l("Pickup reminders"),
                    "reading_reminders": _l("Reading reminders"), "renewal_reminders": _l("Renewal reminders"),
                    "backups": _l("Backups"), "sludge_orders": _l("Holding tank orders"), "sludge_reminders": _l("Septic tank reminders"),
                    "not_due": _l("Not a day for this job")},
    "meter_kind": {"mechanical": _l("Mechanical"), "remote": _l("Remote-read")},
    "order_kind": {
        "extra_emptying": _l("Extra emptying"),
        "bin_count": _l("Change of the number of bins"),
        "interval": _l("Change of the emptying interval"),
        "suspension": _l("Suspension of emptying"),
        "termination": _l("End of the service"),
        "new_service": _l("New bin service"),
        "change_bin": _l("Change of bin"),
        "route_change": _l("New emptying day"),
    },
    "order_status": {
        "pending": _l("Waiting for customer service"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "cancelled": _l("Cancelled"),
    },
    "price_component": {"waste_treatment": _l("Waste treatment"), "bin_emptying": _l("Bin emptying"),
                        "sludge_base": _l("Base fee per emptying"), "sludge_m3": _l("Sludge, per m³"),
                        "water": _l("Water"), "wastewater": _l("Wastewater"),
                        "water_basic_fee": _l("Water basic fee"), "wastewater_basic_fee": _l("Wastewater basic fee"),
                        "waste_basic_fee_permanent": _l("Waste basic fee, permanent home"),
                        "waste_basic_fee_holiday": _l("Waste basic fee, holiday home")},
    "weekday": {0: _l("Monday"), 1: _l("Tuesday"), 2: _l("Wednesday"), 3: _l("Thursday"),
                4: _l("Friday"), 5: _l("Saturday"), 6: _l("Sunday")},
}


def label(kind: str, code) -> str:
    if kind in ("waste_type", "waste_bin") and code in COMPARTMENTS:
        fractions = ", ".join(str(LABELS["fraction"][f]) for f in COMPARTMENTS[code])
        if kind == "waste_bin":
            return ngettext("%(num)d-compartment bin (%(fractions)s)", "%(num)d-compartment bin (%(fractions)s)",
                            len(COMPARTMENTS[code]), fractions=fractions)
        return ngettext("%(num)d compartments (%(fractions)s)", "%(num)d compartments (%(fractions)s)",
                        len(COMPARTMENTS[code]), fractions=fractions)
    return str(LABELS[kind].get(code, code))


def init_app(app) -> None:
    app.jinja_env.globals["label"] = label
