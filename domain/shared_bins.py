"""Shared bins (jätekimppa): neighbouring properties share one bin (seed 000 lists it among
the things only an e-form could do).

Rules (as Finnish waste authorities' regulations write them; the numbers are settings):
- the members are in the same collection area and, where both properties' coordinates
  are known, at most SHARED_BIN_MAX_KM apart;
- a resident starts a shared bin from their property (the bin stands there, and they are
  its contact person, yhteyshenkilö) and invites neighbours by customer number and street
  address, both (the pair that identifies a customer elsewhere too: a number alone would
  tell the inviter the neighbour's address); an answer never shows what the inviter did not
  type, and wrong pairs are throttled like registration; each invited customer confirms in
  the app; the contact person sends it to
  customer service when at least one neighbour has confirmed; customer service approves
  it, and then the bin's waste contract exists and the members' own contracts of that
  waste type end the day before the shared bin starts (no own bin is needed any more);
- the bin's emptyings show on every member's calendar and are billed to the members in
  equal shares, or in the shares (percent, summing to 100) the contact person sets;
- shares have a history (SharedBinShare): shares set today apply from today, and when a
  member leaves, the custom shares end after their last day (equal shares of those left
  from the next day). Each emptying is billed with the members and shares in force on its
  day, whenever it is billed;
- each emptying's price, per component, is split to the cent so that the members' parts add
  up to exactly what the bin's emptying cost: every part is rounded down and the cents left
  go to the largest remainders; a tie goes round the members (in the order they joined,
  starting from a different member on each emptying: emptying id mod members), so equal
  shares even out over the emptyings;
- a member leaves with effect from a date (their last day), and the contact person can
  hand the role to another confirmed member.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from domain import collection_points, eforms, waste
from domain.accounts import count_attempt, normalize_customer_number, succeeded
from domain.errors import FieldError
from domain.money import CENT, largest_remainder
from domain.pricing import offered_bin_sizes
from models import (AuditLog, Property, SharedBin, SharedBinMember, SharedBinShare, SharedEmptyingBill, User,
                    WasteContract, WasteOrder, db)
from models.clock import today as local_today, utcnow
from outbound.notify import notify

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SharedBinSettings:
    max_km: float = 0.5  # the farthest two members' properties may be apart, when known

    @classmethod
    def from_config(cls, config) -> "SharedBinSettings":
        return cls(max_km=float(config.get("SHARED_BIN_MAX_KM", 0.5)))


def _near(a: Property, b: Property, settings: SharedBinSettings) -> bool:
    if a.collection_area != b.collection_area:
        return False
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return True  # the same area is all that can be checked
    return collection_points.distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= settings.max_km


def _invited(number: str, street: str, *, ip: str, limits) -> Property | None:
    """The neighbour's property named by its customer number and street address (both);
    every failed match counts toward the limits, like registration's (with `limits`)."""
    if not (number and street):
        return None
    attempt = count_attempt(f"invite:{normalize_customer_number(number)}", ip or "", limits) if limits else None
    prop = eforms.match(number, street)
    if prop is not None and attempt is not None:
        succeeded(attempt)
    return prop


def start(user, host: Property, *, waste_type: str, bin_size: int, interval: int, start_date: dt.date,
          invites: list[tuple[str, str]], today: dt.date, waste_settings: waste.WasteSettings,
          settings: SharedBinSettings, ip=None, limits=None) -> SharedBin:
    """A shared bin at `host` with the user as its contact person, and its invitations
    (customer number, street address) to the neighbours. `limits`: the login throttle's
    settings (the app's config), which guessing pairs is held to."""
    reason = waste.unavailable_reason(host, waste_type, start_date, waste_settings)
    if reason:
        raise FieldError("waste_type", reason)
    if bin_size not in {size for size, _p in offered_bin_sizes(waste_type, start_date)}:
        raise FieldError("bin_size", "bin_size_choice")
    waste.check_interval(waste_type, interval, waste_settings)
    if not waste.earliest_change(today, waste_settings) <= start_date <= today + dt.timedelta(days=365):
        raise FieldError("start_date", "change_too_soon", earliest=waste.earliest_change(today, waste_settings))
    if not invites:
        raise FieldError("invites", "invite_needed")
    neighbours = []
    for number, street in invites:
        typed = f"{number} {street}".strip()  # every answer names the line as typed, nothing more
        prop = _invited(number, street, ip=ip, limits=limits)
        if prop is None:
            raise FieldError("invites", "invite_unknown", line=typed)
        if prop.id == host.id or prop.id in {p.id for p in neighbours}:
            continue
        if not _near(host, prop, settings):
            raise FieldError("invites", "invite_too_far", line=typed, km=settings.max_km)
        neighbours.append(prop)
    if not neighbours:
        raise FieldError("invites", "invite_needed")
    with db.atomic():
        shared = SharedBin.create(host=host, waste_type=waste_type, bin_size=bin_size, interval_weeks=interval,
                                  start_date=start_date, created_by=user)
        SharedBinMember.create(shared_bin=shared, property=host, customer=host.customer_id, status="confirmed",
                               is_contact=True, confirmed_at=utcnow())
        for prop in neighbours:
            SharedBinMember.create(shared_bin=shared, property=prop, customer=prop.customer_id)
            for neighbour in User.select().where((User.customer == prop.customer_id) & User.active):
                notify(neighbour, "shared_bin_invite", "decisions", shared=shared, host=host, prop=prop)
        AuditLog.record(user, "shared_bin_start", shared, after={"members": [p.id for p in neighbours]}, ip=ip)
    return shared


def members(shared) -> list[SharedBinMember]:
    """The members of a shared bin (or of a list of bin ids), the contact person first."""
    which = SharedBinMember.shared_bin.in_(shared) if isinstance(shared, list) else (
        SharedBinMember.shared_bin == shared)
    return list(SharedBinMember.select(SharedBinMember, Property).join(Property)
                .where(which).order_by(SharedBinMember.shared_bin, ~SharedBinMember.is_contact, Property.street))


def membership(shared: SharedBin, user) -> SharedBinMember | None:
    """The user's own membership (of one of their properties) in the shared bin."""
    return (SharedBinMember.select().join(Property)
            .where((SharedBinMember.shared_bin == shared) &
                   Property.id.in_(Property.ids_visible_to(user)))
            .order_by(~SharedBinMember.is_contact).first())


def answer(user, member: SharedBinMember, *, accept: bool, ip=None) -> None:
    if member.status != "invited" or member.shared_bin.status not in ("forming", "pending"):
        raise FieldError("", "already_decided")
    with db.atomic():
        member.status = "confirmed" if accept else "declined"
        member.confirmed_at = utcnow() if accept else None
        member.save()
        AuditLog.record(user, "shared_bin_confirm" if accept else "shared_bin_decline", member, ip=ip)


def _contact(user, shared: SharedBin) -> SharedBinMember:
    own = membership(shared, user)
    if own is None or not own.is_contact:
        raise FieldError("", "contact_only")
    return own


def submit(user, shared: SharedBin, *, ip=None) -> None:
    """The contact person sends the shared bin to customer service."""
    _contact(user, shared)
    if shared.status != "forming":
        raise FieldError("", "already_decided")
    confirmed = [m for m in members(shared) if m.status == "confirmed" and not m.is_contact]
    if not confirmed:
        raise FieldError("", "shared_needs_member")
    with db.atomic():
        shared.status = "pending"
        shared.save(only=[SharedBin.status])
        AuditLog.record(user, "shared_bin_submit", shared, ip=ip)


def set_shares(user, shared: SharedBin, shares: dict[int, str], *, ip=None, today: dt.date | None = None) -> None:
    """Custom shares (percent by member id, summing to 100), or equal ones when all are
    empty, from `today` on (emptyings before it keep the shares they had)."""
    _contact(user, shared)
    active = [m for m in members(shared) if m.status == "confirmed" and m.left_on is None]
    if all(not (shares.get(m.id) or "").strip() for m in active):
        values, split = {m.id: None for m in active}, "equal"
    else:
        values, split = {}, "custom"
        for m in active:
            try:
                value = Decimal((shares.get(m.id) or "").replace(",", ".").replace("%", "").strip())
            except InvalidOperation:
                raise FieldError(f"share_{m.id}", "share_number") from None
            if not Decimal(0) < value <= HUNDRED:
                raise FieldError(f"share_{m.id}", "share_number")
            values[m.id] = value.quantize(Decimal("0.01"))
        if sum(values.values()) != HUNDRED:
            raise FieldError("", "shares_sum", total=sum(values.values()))
    since = max(today or local_today(), shared.start_date)
    with db.atomic():
        for member_id, value in values.items():
            SharedBinMember.update(share_percent=value).where(SharedBinMember.id == member_id).execute()
        _record_shares(shared, values, since)
        shared.split = split
        shared.save(only=[SharedBin.split])
        AuditLog.record(user, "shared_bin_shares", shared, after={str(k): v for k, v in values.items()}, ip=ip)


def _record_shares(shared, values: dict[int, Decimal | None], since: dt.date) -> None:
    """The shares (percent, or None for equal) from `since`, replacing any set for that day."""
    SharedBinShare.delete().where((SharedBinShare.shared_bin == shared) & (SharedBinShare.valid_from == since)).execute()
    SharedBinShare.insert_many([dict(shared_bin=shared, member=m, valid_from=since, share_percent=v)
                                for m, v in values.items()]).execute()


def hand_over(user, shared: SharedBin, new_contact: SharedBinMember, *, ip=None) -> None:
    own = _contact(user, shared)
    if new_contact.shared_bin_id != shared.id or new_contact.status != "confirmed" or new_contact.left_on:
        raise FieldError("member", "member_choice")
    with db.atomic():
        SharedBinMember.update(is_contact=False).where(SharedBinMember.id == own.id).execute()
        SharedBinMember.update(is_contact=True).where(SharedBinMember.id == new_contact.id).execute()
        AuditLog.record(user, "shared_bin_handover", shared, after={"contact": new_contact.id}, ip=ip)


def leave(user, member: SharedBinMember, *, last_day: dt.date, today: dt.date, ip=None) -> None:
    """A member leaves the shared bin; their last day is `last_day` (not in the past). The
    contact person hands the role over first."""
    if member.is_contact:
        raise FieldError("last_day", "contact_leaves")
    if member.status != "confirmed" or member.left_on is not None:
        raise FieldError("last_day", "already_decided")
    if last_day < today:
        raise FieldError("last_day", "date_past")
    with db.atomic():
        member.left_on = last_day
        member.save(only=[SharedBinMember.left_on])
        if member.shared_bin.split == "custom":  # the shares no longer sum to 100: equal ones again
            SharedBinMember.update(share_percent=None).where(SharedBinMember.shared_bin == member.shared_bin_id).execute()
            SharedBin.update(split="equal").where(SharedBin.id == member.shared_bin_id).execute()
            # …from the day after the last one: the emptyings up to it keep the custom shares.
            staying = [m.id for m in members(member.shared_bin_id) if m.status == "confirmed"]
            _record_shares(member.shared_bin, {m: None for m in staying}, last_day + dt.timedelta(days=1))
        AuditLog.record(user, "shared_bin_leave", member, after={"last_day": last_day}, ip=ip)


def decide(shared: SharedBin, staff, *, approve: bool, note: str = "", route_weekday: int = 2, ip=None) -> None:
    """Customer service approves (the bin's contract is made, the members' own contracts of
    that waste type end) or rejects a shared bin."""
    if shared.status != "pending":
        raise FieldError("", "already_decided")
    with db.atomic():
        shared.status, shared.decided_at, shared.decided_by = ("approved" if approve else "rejected"), utcnow(), staff
        shared.decision_note = note.strip()[:255]
        if approve:
            shared.contract = WasteContract.create(
                property=shared.host, waste_type=shared.waste_type, bin_size=shared.bin_size, bin_count=1,
                interval_weeks=shared.interval_weeks, route_weekday=route_weekday, start_date=shared.start_date)
            confirmed = [m.property_id for m in members(shared) if m.status == "confirmed"]
            own = (WasteContract.active_on(shared.start_date)
                   .where(WasteContract.property.in_(confirmed) & (WasteContract.waste_type == shared.waste_type) &
                          (WasteContract.id != shared.contract.id)))
            for contract in own:
                WasteOrder.create(property=contract.property_id, contract=contract, kind="termination",
                                  status="approved", effective_date=shared.start_date, decided_at=utcnow(),
                                  decided_by=staff, request_key=f"shared-bin:{shared.id}:{contract.id}",
                                  extra_info=f"shared bin {shared.id}")
        shared.save()
        AuditLog.record(staff, "shared_bin_approve" if approve else "shared_bin_reject", shared, ip=ip)


# -- calendars and billing ------------------------------------------------------------------

def shares_on(day: dt.date, shared: SharedBin, rows: list[SharedBinMember],
              history: list | None = None) -> dict[int, Fraction]:
    """{customer id: the exact share (0…1) of an emptying on `day`} among the members then
    in, in the order they joined, by the shares in force that day (`history`: the bin's
    SharedBinShare rows; without any, the members' current shares)."""
    active = sorted((m for m in rows if m.status == "confirmed" and (m.left_on is None or day <= m.left_on)),
                    key=lambda m: m.id)
    if not active:
        return {}
    percents = {m.id: m.share_percent for m in active} if shared.split == "custom" else {}
    if history:
        since = max((h.valid_from for h in history if h.valid_from <= day), default=None)
        percents = {h.member_id: h.share_percent for h in history if h.valid_from == since} if since else {}
    found: dict[int, Fraction] = {}
    custom = all(percents.get(m.id) is not None for m in active)
    for m in active:
        share = Fraction(percents[m.id]) / 100 if custom else Fraction(1, len(active))
        found[m.customer_id] = found.get(m.customer_id, Fraction(0)) + share
    return found


def share_history(shared) -> list[SharedBinShare]:
    return list(SharedBinShare.select().where(SharedBinShare.shared_bin == shared).order_by(SharedBinShare.valid_from))


def split_cents(amount: Decimal, shares: dict[int, Fraction], turn: int) -> dict[int, Decimal]:
    """`amount` in parts by `shares` (summing to 1), each to the cent, adding up to `amount`
    exactly: largest remainder, a tie going round the members from the `turn`-th."""
    keys = list(shares)
    if not keys:
        return {}
    start = turn % len(keys)
    order = keys[start:] + keys[:start]
    parts = largest_remainder([Fraction(amount) * shares[k] for k in order], amount, CENT)
    return dict(zip(order, parts))


def billed_shares(emptying_ids) -> set[tuple[int, int]]:
    """(emptying id, customer id) of the shares already on an invoice."""
    if not emptying_ids:
        return set()
    return set(SharedEmptyingBill.select(SharedEmptyingBill.emptying, SharedEmptyingBill.customer)
               .where(SharedEmptyingBill.emptying.in_(emptying_ids)).tuples())


def billing_split() -> dict[int, tuple[SharedBin, list[SharedBinMember], list[SharedBinShare]]]:
    """{contract id: (its approved shared bin, the members, the shares' history)} for the
    waste run."""
    found = {}
    rows = (SharedBinMember.select(SharedBinMember, SharedBin).join(SharedBin)
            .where((SharedBin.status == "approved") & SharedBin.contract.is_null(False)))
    for row in rows:
        found.setdefault(row.shared_bin.contract_id, (row.shared_bin, [], []))[1].append(row)
    by_bin = {shared.id: history for shared, _members, history in found.values()}
    for share in SharedBinShare.select().where(SharedBinShare.shared_bin.in_(list(by_bin))):
        by_bin[share.shared_bin_id].append(share)
    return found
