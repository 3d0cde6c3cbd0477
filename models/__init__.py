"""The data of Kotipiha: peewee models that own their queries, one module per area.

The schema itself is created and changed only by the numbered migrations in
`migrations/`; `tests/test_schema.py` checks that these models match it.
"""
from models.base import LANGUAGES, BaseModel, db, money_field, unit_price_field
from models.accounts import (AuditLog, Customer, EmailChange, LoginAttempt, Outbox, PasswordReset, User,
                             UserSession)
from models.properties import CollectionPoint, PriceListRow, Property
from models.water import BillingCalendar, ConsumptionPoint, Meter, Reading
from models.waste import CompostNotice, Emptying, WasteContract, WasteOrder
from models.guide import SortingItem
from models.imports import ImportRecord
from models.municipal import CalendarException, CollectionArea, Setting
from models.joining import JoinApplication, PublicRequest
from models.shared import SharedBin, SharedBinMember, SharedBinShare, SharedEmptyingBill
from models.sludge import SludgeOrder, WastewaterSystem
from models.support import DisruptionNotice, SupportMessage, SupportThread
from models.billing import BasicFeeBill, BillingRun, Credit, Invoice, InvoiceRow, Payment, Reminder
from models.scheduling import (JobRun, NotificationLog, NotificationPref, PushMessage, PushSubscription,
                               SchedulerLease)

ALL_MODELS = (Customer, User, Property, WasteContract, WasteOrder, Emptying, PriceListRow,
              ConsumptionPoint, Meter, Reading, BillingCalendar, CompostNotice, SupportThread,
              SupportMessage, BillingRun, Invoice, InvoiceRow, BasicFeeBill, Payment, Reminder, Credit, Outbox,
              AuditLog, LoginAttempt, PasswordReset, JobRun, SchedulerLease, NotificationPref,
              NotificationLog, PushSubscription, PushMessage, UserSession, EmailChange, DisruptionNotice,
              WastewaterSystem, SludgeOrder, CollectionPoint, SortingItem, JoinApplication,
              PublicRequest, SharedBin, SharedBinMember, SharedBinShare, SharedEmptyingBill, ImportRecord, Setting,
              CollectionArea, CalendarException)

__all__ = ["ALL_MODELS", "LANGUAGES", "BaseModel", "db", "money_field", "unit_price_field",
           *(model.__name__ for model in ALL_MODELS)]
