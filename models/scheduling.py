"""The scheduler's bookkeeping and what residents want to be told."""
from __future__ import annotations

import datetime as dt
import json

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.clock import utcnow
from models.accounts import User
from models.base import BaseModel


class JobRun(BaseModel):
    """One run of a job for one period: unique, so a period is never run twice."""

    job = CharField()
    period_key = CharField()
    started_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)
    status = CharField(default="running")  # queued | running | done | failed
    result = TextField(null=True)
    error = TextField(null=True)
    alive_until = DateTimeField(null=True)  # renewed while its process works on it

    class Meta:
        indexes = ((("job", "period_key"), True),)

    @classmethod
    def last_for(cls, job_id: str):
        return cls.select().where(cls.job == job_id).order_by(cls.started_at.desc()).first()

    @classmethod
    def failures_of(cls, job_id: str) -> int:
        return cls.select().where((cls.job == job_id) & (cls.status == "failed")).count()

    @property
    def shown_status(self) -> str:
        """"interrupted" for a run whose process stopped renewing it (it died)."""
        return interrupted_or(self.status, self.alive_until)

    @property
    def outcome(self) -> dict:
        """What the run did, as counts by what was counted: {"first_reminders": 3, …}."""
        try:
            counts = json.loads(self.result or "{}")
        except ValueError:
            return {}
        return counts if isinstance(counts, dict) else {}


# A running job or billing run renews its alive_until while it works; one not renewed for
# this long died with its process and shows as interrupted.
ALIVE_FOR = dt.timedelta(seconds=60)


def alive_until() -> dt.datetime:
    return utcnow() + ALIVE_FOR


def interrupted_or(status: str, alive_until) -> str:
    if status == "running" and alive_until is not None and alive_until < utcnow():
        return "interrupted"
    return status


class SchedulerLease(BaseModel):
    """Who runs the jobs now; another process takes over when the lease expires."""

    name = CharField(primary_key=True)
    holder = CharField()
    expires_at = DateTimeField()


class NotificationPref(BaseModel):
    """A resident's choice for one kind of notification on one channel."""

    user = ForeignKeyField(User, backref="notification_prefs", on_delete="CASCADE")
    kind = CharField()
    channel = CharField()  # email | push
    enabled = BooleanField()

    KINDS = ("pickup", "reading", "composting", "sludge", "decisions", "invoices", "disruptions")
    DEFAULTS = {"pickup": False, "reading": True, "composting": True, "sludge": True, "decisions": True,
                "invoices": True, "disruptions": True}

    class Meta:
        indexes = ((("user", "kind", "channel"), True),)

    CHANNELS = ("email", "push")

    @classmethod
    def default(cls, kind: str, channel: str) -> bool:
        """Email is on by default (pickup reminders off); push only when asked for."""
        return cls.DEFAULTS.get(kind, True) if channel == "email" else False

    @classmethod
    def wants(cls, user, kind: str, channel: str = "email") -> bool:
        pref = cls.get_or_none((cls.user == user) & (cls.kind == kind) & (cls.channel == channel))
        return pref.enabled if pref is not None else cls.default(kind, channel)

    @classmethod
    def choices(cls, user_ids, kind: str) -> dict[int, dict[str, bool]]:
        """Every channel's choice of `kind` for many users, in one query."""
        chosen = {uid: {ch: cls.default(kind, ch) for ch in cls.CHANNELS} for uid in user_ids}
        for pref in cls.select().where(cls.user.in_(list(chosen)) & (cls.kind == kind)):
            chosen[pref.user_id][pref.channel] = pref.enabled
        return chosen


class NotificationLog(BaseModel):
    """A reminder that went out, by a key such as 'pickup:<contract>:<date>'."""

    key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)


class PushSubscription(BaseModel):
    """A browser's Web Push subscription (the installed app on a phone)."""

    user = ForeignKeyField(User, backref="push_subscriptions", on_delete="CASCADE")
    endpoint = CharField(max_length=1000, unique=True)
    p256dh = CharField()
    auth = CharField()
    created_at = DateTimeField(default=utcnow)


class PushMessage(BaseModel):
    """A push notification waiting to be sent, written with the change it tells about."""

    subscription = ForeignKeyField(PushSubscription, backref="messages", on_delete="CASCADE")
    title = CharField()
    body = TextField()
    url = CharField(max_length=1000)
    status = CharField(default="pending", index=True)  # pending | sent | failed
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
