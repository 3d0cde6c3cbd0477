"""The data of Kotipiha: peewee models that own their queries.

The schema itself is created and changed only by the numbered migrations in
`migrations/`; `tests/test_schema.py` checks that these models match it.
"""
from __future__ import annotations

import json

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    DeferredForeignKey,
    Model,
    TextField,
    fn,
)

from domain.clock import utcnow

db = DatabaseProxy()

LANGUAGES = ("fi", "sv", "en")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def visible_to(cls, user):
        """The rows `user` may see. Models a resident can open override this."""
        return cls.select().where(cls.id.is_null())

    @classmethod
    def of_customer_of(cls, user):
        """For models with a `customer`: staff see all, a resident their customer's rows."""
        if user.is_staff:
            return cls.select()
        if user.customer_id is None:
            return cls.select().where(cls.id.is_null())
        return cls.select().where(cls.customer == user.customer_id)


def money_field(**kwargs) -> DecimalField:
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, **kwargs)


def unit_price_field(**kwargs) -> DecimalField:
    return DecimalField(max_digits=12, decimal_places=4, auto_round=True, **kwargs)


class Customer(BaseModel):
    """A customer of the utility (asiakas), private person or business."""

    number = CharField(unique=True)  # 62-0000000-00
    kind = CharField(default="private")  # private | business
    name = CharField()
    business_id = CharField(null=True)  # Y-tunnus
    language = CharField(default="fi")
    email = CharField(null=True)
    phone = CharField(null=True)
    billing_name = CharField()
    billing_street = CharField()
    billing_postal_code = CharField()
    billing_post_office = CharField()
    created_at = DateTimeField(default=utcnow)

    def latest_invoice(self):
        return (Invoice.select().where(Invoice.customer == self)
                .order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).first())


class User(UserMixin, BaseModel):
    """A login. Residents are linked to a customer; staff and admins are not."""

    customer = ForeignKeyField(Customer, null=True, backref="users", on_delete="SET NULL")
    username = CharField(unique=True)  # stored case-folded
    email = CharField(unique=True)  # stored case-folded
    first_name = CharField()
    last_name = CharField()
    phone = CharField(default="")
    password_hash = CharField()
    role = CharField(default="resident")  # resident | staff | admin
    language = CharField(default="fi")
    session_version = IntegerField(default=0)
    active = BooleanField(default=True)
    terms_accepted_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    ROLES = ("resident", "staff", "admin")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_id(self) -> str:
        # The version makes every older session cookie invalid after a password change.
        return f"{self.id}.{self.session_version}"

    @classmethod
    def from_session_id(cls, session_id: str):
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        return cls.get_or_none((cls.id == int(user_id)) & (cls.session_version == int(version)))

    @classmethod
    def by_login(cls, login: str):
        """The user whose username or email is `login` (case-insensitive)."""
        key = login.strip().casefold()
        return cls.get_or_none((cls.username == key) | (cls.email == key))

    @classmethod
    def exists_for_customer(cls, customer) -> bool:
        return cls.select().where(cls.customer == customer).exists()

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.id == user.id)


class Property(BaseModel):
    """A property (kohde) served by the utility."""

    customer = ForeignKeyField(Customer, backref="properties", on_delete="RESTRICT")
    street = CharField()
    postal_code = CharField()
    post_office = CharField()
    municipality = CharField()
    collection_area = CharField()
    building_type = CharField()  # see BUILDING_TYPES
    occupancy = CharField(default="permanent")  # permanent | holiday
    created_at = DateTimeField(default=utcnow)
    calendar_token = CharField(null=True, unique=True)  # secret of the ICS feed

    BUILDING_TYPES = ("detached", "semi_detached", "terraced", "apartment", "holiday_home")

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.post_office}"

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)

    @classmethod
    def search(cls, text: str):
        """A condition matching the address (street, postal code or post office)."""
        term = f"%{text.strip().upper()}%"  # addresses are stored in capitals
        return (cls.street ** term) | (cls.postal_code ** term) | (cls.post_office ** term)

    @classmethod
    def of_user(cls, user):
        """The user's own properties with their owner, in address order."""
        return (cls.visible_to(user).select(cls, Customer).join(Customer)
                .order_by(cls.street, cls.id))


class WasteContract(BaseModel):
    """A continuing waste collection service (jatkuva palvelu) of a property."""

    property = ForeignKeyField(Property, backref="waste_contracts", on_delete="CASCADE")
    waste_type = CharField()  # mixed | bio
    bin_size = IntegerField()  # litres
    bin_count = IntegerField(default=1)
    interval_weeks = IntegerField()
    route_weekday = IntegerField()  # 0 = Monday
    start_date = DateField()
    end_date = DateField(null=True)

    @classmethod
    def visible_to(cls, user):
        return cls.select().join(Property).where(
            Property.id.in_(Property.visible_to(user).select(Property.id)))

    @classmethod
    def active_on(cls, day):
        return cls.select().where((cls.start_date <= day) &
                                  ((cls.end_date.is_null()) | (cls.end_date >= day)))


class WasteOrder(BaseModel):
    """An order or a request of a resident: an extra emptying, a contract change, a new service.

    Customer service decides each one (status pending -> approved | rejected); the schedule
    engine reads approved changes from their effective date.
    """

    property = ForeignKeyField(Property, backref="orders", on_delete="CASCADE")
    contract = ForeignKeyField(WasteContract, null=True, backref="orders", on_delete="CASCADE")
    kind = CharField()  # see KINDS
    status = CharField(default="pending")  # pending | approved | rejected | cancelled
    effective_date = DateField()  # desired date, or the date a change takes effect
    end_date = DateField(null=True)  # last day of a suspension
    bin_count = IntegerField(null=True)
    interval_weeks = IntegerField(null=True)
    waste_type = CharField(null=True)
    bin_size = IntegerField(null=True)
    extra_info = TextField(default="")
    price = money_field(null=True)  # price per emptying shown when ordering
    request_key = CharField(unique=True)  # one order per submitted form, however often sent
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = TextField(null=True)

    KINDS = ("extra_emptying", "bin_count", "interval", "suspension", "termination",
             "new_service", "change_bin")
    CHANGES = ("bin_count", "interval", "change_bin")

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.property.in_(Property.visible_to(user).select(Property.id)))

    @classmethod
    def in_effect(cls):
        """Orders the calendar shows: approved ones, and extra emptyings still pending."""
        return cls.select().where((cls.status == "approved") |
                                  ((cls.status == "pending") & (cls.kind == "extra_emptying")))


class Emptying(BaseModel):
    """An emptying the truck has done (reported by the route system)."""

    contract = ForeignKeyField(WasteContract, backref="emptyings", on_delete="CASCADE")
    emptied_on = DateField()
    bin_count = IntegerField()
    extra = BooleanField(default=False)
    invoice = DeferredForeignKey("Invoice", null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("contract", "emptied_on"), True),)


class PriceListRow(BaseModel):
    """One published unit price, VAT included, valid for a date range."""

    component = CharField()  # waste_treatment | bin_emptying | water | wastewater | basic_fee
    waste_type = CharField(null=True)
    bin_size = IntegerField(null=True)
    meter_size = CharField(null=True)
    unit = CharField()  # emptying | m3 | month
    unit_price = unit_price_field()
    vat_rate = DecimalField(max_digits=5, decimal_places=2)
    valid_from = DateField()
    valid_to = DateField(null=True)

    @classmethod
    def in_force(cls, day):
        return cls.select().where((cls.valid_from <= day) &
                                  ((cls.valid_to.is_null()) | (cls.valid_to >= day)))


class ConsumptionPoint(BaseModel):
    """A water consumption point (kulutuspaikka).

    Besides a resident's properties, a point is visible in a limited session opened with
    its number and meter number (`water_point_id` of the anonymous user)."""

    number = CharField(unique=True)
    property = ForeignKeyField(Property, backref="consumption_points", on_delete="CASCADE")
    customer_class = CharField(default="small")  # small | large | industry
    billing_group = CharField()
    persons = IntegerField(default=2)
    annual_estimate_m3 = IntegerField(null=True)

    @classmethod
    def visible_to(cls, user):
        point_id = getattr(user, "water_point_id", None)
        if point_id is not None:
            return cls.select().where(cls.id == point_id)
        return cls.select().join(Property).where(
            Property.id.in_(Property.visible_to(user).select(Property.id)))


class Meter(BaseModel):
    """A water meter of a consumption point."""

    point = ForeignKeyField(ConsumptionPoint, backref="meters", on_delete="CASCADE")
    number = CharField(unique=True)
    size = CharField()  # nominal size, e.g. "DN20"
    kind = CharField(default="mechanical")  # mechanical | remote
    installed_on = DateField()
    removed_on = DateField(null=True)
    start_reading = IntegerField(default=0)

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.point.in_(ConsumptionPoint.visible_to(user).select(ConsumptionPoint.id)))


class Reading(BaseModel):
    """A meter reading in whole cubic metres."""

    meter = ForeignKeyField(Meter, backref="readings", on_delete="CASCADE")
    read_on = DateField()
    value = IntegerField()
    source = CharField(default="resident")  # resident | utility | remote | card
    status = CharField(default="accepted", index=True)  # accepted | flagged | rejected
    created_at = DateTimeField(default=utcnow)
    reported_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    review_reason = CharField(null=True)  # why staff should look at it
    reviewed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    review_note = TextField(null=True)

    class Meta:
        indexes = ((("meter", "read_on"), True),)

    @classmethod
    def visible_to(cls, user):
        return cls.select().join(Meter).where(
            Meter.point.in_(ConsumptionPoint.visible_to(user).select(ConsumptionPoint.id)))


class BillingCalendar(BaseModel):
    """One billing period of a billing group: report by, billed on, due on."""

    billing_group = CharField()
    period_start = DateField()
    period_end = DateField()
    report_by = DateField()
    billing_date = DateField()
    due_date = DateField()

    class Meta:
        indexes = ((("billing_group", "period_start"), True),)

    @classmethod
    def next_billing(cls, group: str, after):
        """The first period of the group billed on or after `after`."""
        return (cls.select().where((cls.billing_group == group) & (cls.billing_date >= after))
                .order_by(cls.billing_date).first())


class CompostNotice(BaseModel):
    """A composting notification (kompostointi-ilmoitus) for the waste authority's register."""

    property = ForeignKeyField(Property, backref="compost_notices", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    first_name = CharField()
    last_name = CharField()
    street = CharField()
    postal_code = CharField()
    post_office = CharField()
    phone = CharField()
    email = CharField()
    building_type = CharField()
    occupancy = CharField()
    persons = IntegerField()
    composter_type = CharField()  # see COMPOSTER_TYPES
    composter_other = CharField(null=True)
    volume_l = IntegerField()
    composted = TextField()
    extra_info = TextField(default="")
    confirm_disuse = BooleanField()
    confirm_correct = BooleanField()
    notified_on = DateField()
    valid_until = DateField(index=True)
    renews = ForeignKeyField("self", null=True, backref="renewals", on_delete="SET NULL")
    request_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)

    COMPOSTER_TYPES = ("insulated_food", "non_insulated", "bokashi", "other")

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.property.in_(Property.visible_to(user).select(Property.id)))


class SupportThread(BaseModel):
    """A conversation between a resident and customer service (asiakastuki)."""

    customer = ForeignKeyField(Customer, null=True, backref="threads", on_delete="SET NULL")
    user = ForeignKeyField(User, null=True, backref="threads", on_delete="SET NULL")
    property = ForeignKeyField(Property, null=True, backref="+", on_delete="SET NULL")
    point = ForeignKeyField(ConsumptionPoint, null=True, backref="+", on_delete="SET NULL")
    category = CharField()  # see CATEGORIES
    subject = CharField()
    contact_method = CharField()  # phone | email | none
    email = CharField(null=True)
    phone = CharField(null=True)
    language = CharField(default="fi")
    status = CharField(default="open")  # open | answered | closed
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    request_key = CharField(unique=True)

    CATEGORIES = ("emptying", "bins_contracts", "invoices", "water", "composting", "other")

    class Meta:
        indexes = ((("status", "updated_at"), False),)

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)


class SupportMessage(BaseModel):
    thread = ForeignKeyField(SupportThread, backref="messages", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    from_staff = BooleanField(default=False)
    internal = BooleanField(default=False)  # a staff note the resident never sees
    body = TextField()
    created_at = DateTimeField(default=utcnow)


class BillingRun(BaseModel):
    """One run of the billing: what it made and how it ended."""

    kind = CharField()  # water | waste
    billing_date = DateField()
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    status = CharField(default="running")  # running | done | failed
    invoices = IntegerField(default=0)
    total = DecimalField(max_digits=14, decimal_places=2, default=0)
    error = TextField(null=True)


class Invoice(BaseModel):
    """An invoice with its Finnish reference number and rows.

    `billing_key` (kind, point or customer, period) is unique: a billing run that is
    killed and started again can never bill the same thing twice."""

    customer = ForeignKeyField(Customer, backref="invoices", on_delete="RESTRICT")
    number = CharField(unique=True)
    reference = CharField(unique=True)
    kind = CharField()  # waste | water
    invoice_date = DateField()
    due_date = DateField()
    period_start = DateField(null=True)
    period_end = DateField(null=True)
    total = money_field()
    status = CharField(default="open")  # open | paid | cancelled | credit
    point = ForeignKeyField(ConsumptionPoint, null=True, backref="invoices", on_delete="SET NULL")
    billing_key = CharField(null=True, unique=True)
    rf_reference = CharField(null=True)
    balanced_reading = ForeignKeyField(Reading, null=True, backref="+", on_delete="SET NULL")
    run = ForeignKeyField(BillingRun, null=True, backref="invoice_set", on_delete="SET NULL")
    paid_amount = money_field(default=0)

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)


class InvoiceRow(BaseModel):
    """One row of an invoice: quantity × unit price (VAT included) = amount, to the cent."""

    invoice = ForeignKeyField(Invoice, backref="rows", on_delete="CASCADE")
    position = IntegerField()
    code = CharField()  # what the row is; the invoice page explains each code
    period_start = DateField(null=True)
    period_end = DateField(null=True)
    quantity = DecimalField(max_digits=14, decimal_places=3, auto_round=True)
    unit = CharField()  # m3 | month | emptying | pcs
    unit_price = unit_price_field()
    vat_rate = DecimalField(max_digits=5, decimal_places=2)
    amount = money_field()
    meta_json = TextField(null=True)


class Payment(BaseModel):
    """A payment seen on the utility's bank account, matched to an invoice by reference."""

    paid_on = DateField()
    amount = money_field()
    reference = CharField()
    payer = CharField(null=True)
    source = CharField()  # csv | camt054
    source_id = CharField()  # the bank's archive id: importing a file twice adds nothing
    invoice = ForeignKeyField(Invoice, null=True, backref="payments", on_delete="SET NULL")
    status = CharField(default="unmatched", index=True)  # matched | unmatched
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("source", "source_id"), True),)


class Reminder(BaseModel):
    """A payment reminder (maksumuistutus): at most two per invoice."""

    invoice = ForeignKeyField(Invoice, backref="reminders", on_delete="CASCADE")
    number = IntegerField()  # 1 | 2
    sent_on = DateField()
    fee = money_field()
    open_amount = money_field()
    cutoff_date = DateField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("invoice", "number"), True),)


class Credit(BaseModel):
    """Money owed to a customer: carried to the next invoice, or refunded above a threshold."""

    customer = ForeignKeyField(Customer, backref="credits", on_delete="CASCADE")
    source_invoice = ForeignKeyField(Invoice, unique=True, backref="+", on_delete="CASCADE")
    amount = money_field()
    used_invoice = ForeignKeyField(Invoice, null=True, backref="+", on_delete="SET NULL")
    refund_due = BooleanField(default=False)
    refund_iban = CharField(null=True)
    refunded_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Outbox(BaseModel):
    """An email waiting to be sent, written in the same transaction as its cause."""

    recipient = CharField()
    subject = CharField()
    body_text = TextField()
    body_html = TextField()
    message_id = CharField(unique=True)
    kind = CharField()
    language = CharField(default="fi")
    status = CharField(default="pending")  # pending | sent | failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    MAX_ATTEMPTS = 8

    @classmethod
    def due(cls, moment):
        return (cls.select().where((cls.status == "pending") & (cls.next_attempt_at <= moment))
                .order_by(cls.id))


class AuditLog(BaseModel):
    """Who did what and when, with the state before and after."""

    created_at = DateTimeField(default=utcnow)
    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField()
    object_type = CharField()
    object_id = CharField(null=True)
    before_json = TextField(null=True)
    after_json = TextField(null=True)
    ip = CharField(null=True)

    @classmethod
    def record(cls, actor, action, obj=None, *, before=None, after=None, ip=None):
        return cls.create(
            actor=actor, action=action,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.id) if obj is not None else None,
            before_json=json.dumps(before, default=str, ensure_ascii=False) if before else None,
            after_json=json.dumps(after, default=str, ensure_ascii=False) if after else None,
            ip=ip)


class LoginAttempt(BaseModel):
    """Every login attempt, kept for throttling."""

    created_at = DateTimeField(default=utcnow, index=True)
    login = CharField(index=True)
    ip = CharField(index=True)
    success = BooleanField(default=False)

    @classmethod
    def failures_since(cls, since, *, login=None, ip=None):
        query = cls.select(fn.COUNT(cls.id)).where((cls.created_at >= since) & (cls.success == False))  # noqa: E712
        if login is not None:
            query = query.where(cls.login == login)
        if ip is not None:
            query = query.where(cls.ip == ip)
        return query.scalar()


class PasswordReset(BaseModel):
    """A single-use password reset link; only the token's hash is stored."""

    user = ForeignKeyField(User, backref="password_resets", on_delete="CASCADE")
    token_hash = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


ALL_MODELS = (Customer, User, Property, WasteContract, WasteOrder, Emptying, PriceListRow,
              ConsumptionPoint, Meter, Reading, BillingCalendar, CompostNotice, SupportThread,
              SupportMessage, BillingRun, Invoice, InvoiceRow, Payment, Reminder, Credit, Outbox,
              AuditLog, LoginAttempt, PasswordReset)
