"""Settings: defaults here, overridden by the environment, then by the caller of create_app.

Every variable is documented in the README's configuration table.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS: dict[str, object] = {
    "SECRET_KEY": None,  # read from the environment or instance/secret_key
    "DATABASE_URL": None,  # default: SQLite file in instance/
    "BASE_URL": "http://127.0.0.1:8000",
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_SECURITY": "starttls",  # starttls | ssl | none
    "SMTP_TIMEOUT": 20,
    "MAIL_FROM": "Kotipiha <noreply@kotipiha.invalid>",
    "MAIL_DIR": None,  # where mail goes without SMTP: instance/mail
    "SCHEDULER_ENABLED": False,
    "SCHEDULER_LEASE_SECONDS": 120,  # another process takes over this long after the holder dies
    "SCHEDULER_HEARTBEAT_SECONDS": 30.0,
    "PICKUP_REMINDER_TIME": "18:00",  # the evening before an emptying
    "VAPID_PRIVATE_KEY_FILE": "",  # default: instance/vapid.pem
    "SW_VERSION_SALT": "1",  # change to make every installed app fetch its shell again
    # Push endpoints must be https on public hosts; origins listed here are accepted too
    # (only for a test push service on this machine: "http://127.0.0.1:8123").
    "PUSH_ALLOWED_ORIGINS": "",
    "TRUSTED_PROXIES": 0,  # number of reverse proxies whose X-Forwarded-* to trust
    "UTILITY_NAME": "Kymen Vesi ja Jäte (demo)",
    "UTILITY_EMAIL": "asiakaspalvelu@kotipiha.invalid",
    "UTILITY_PHONE": "020 123 4567",
    "UTILITY_ADDRESS": "Jätekuja 1, 45100 Kouvola",
    "LOGIN_MAX_FAILURES": 10,  # per account within LOGIN_WINDOW_MINUTES
    "LOGIN_MAX_FAILURES_PER_IP": 30,  # per client address within the same window
    "LOGIN_WINDOW_MINUTES": 15,
    "PASSWORD_RESET_MINUTES": 60,
    "REMEMBER_DAYS": 30,  # "keep me logged in": a single-use token, renewed at each use
    # A request at most 9 MB (a phone photo of a collection point, 8 MB, with its form); a
    # form's text fields at most 500 kB (Flask's MAX_FORM_MEMORY_SIZE).
    "MAX_CONTENT_LENGTH": 9 * 1024 * 1024,
    # Waste self-service rules
    "EXTRA_EMPTYING_LEAD_WORKING_DAYS": 1,  # an extra emptying this many working days ahead
    "CONTRACT_CHANGE_LEAD_DAYS": 7,  # a contract change takes effect this many days ahead
    "SUSPENSION_MIN_DAYS": 28,
    "SUSPENSION_MAX_DAYS": 365,
    "BIOWASTE_AREAS": "Kouvola keskusta,Kotka keskusta",  # collection areas with biowaste
    # Which recycling bins each collection area's route takes, and the intervals (weeks) each
    # waste type may be ordered with: "plastic,glass:Kouvola keskusta,Kotka;paper:Kotka"
    # and "mixed,bio:1,2,3,4;glass,metal:8,12,16". Types not named keep the defaults of
    # domain/waste.py (packaging and paper 4-12 weeks, in the Kouvola and Kotka areas).
    "RECYCLING_AREAS": "",
    "WASTE_INTERVALS": "",
    "SHARED_BIN_MAX_KM": 0.5,  # a shared bin's members at most this far apart (when their coordinates are known)
    # Septic and holding tanks: an emptying is ordered for a week at least this many days
    # ahead, from this many weeks; a septic tank or treatment plant is emptied at least every
    # SLUDGE_YEARS, one of washing water only every SLUDGE_GREYWATER_YEARS, a holiday home's
    # with a dry toilet every SLUDGE_DRY_TOILET_YEARS (jätehuoltomääräykset).
    "SLUDGE_LEAD_DAYS": 7,
    "SLUDGE_WEEKS_AHEAD": 12,
    "SLUDGE_YEARS": 1,
    "SLUDGE_GREYWATER_YEARS": 3,
    "SLUDGE_DRY_TOILET_YEARS": 2,
    # The waste authority's own form for a composter shared by several properties
    "SHARED_COMPOSTER_FORM_URL": "https://www.kymenjatelautakunta.fi/",
    # Backups: `flask backup` and the nightly job (BACKUP_ENABLED, at BACKUP_TIME) write into
    # BACKUP_DIR (default instance/backups) and keep the newest BACKUP_KEEP.
    "BACKUP_DIR": "",
    "BACKUP_KEEP": 14,
    "BACKUP_ENABLED": True,
    "BACKUP_TIME": "02:30",
    # Serving: compress HTML, CSS and JS (off when the proxy compresses), one log line per
    # request as text or JSON, and who may read /metrics (comma-separated addresses; * all).
    "COMPRESS_RESPONSES": True,
    "LOG_FORMAT": "text",  # text | json
    "METRICS_ALLOW": "127.0.0.1,::1",
    "STAFF_IDLE_MINUTES": 30,  # a staff session ends after this long without a request
    # Billing
    "CREDIT_REFUND_THRESHOLD": 200,  # € from which a credit is refunded, not carried over
    "MINIMUM_INVOICE": 10,  # € below which waste emptyings wait for the next run
    "REMINDER_FEE_PRIVATE": 5,  # € per payment reminder
    "REMINDER_FEE_BUSINESS": 10,
    "CUTOFF_DEBT_LIMIT": 170,  # € from which water may be cut off 5 weeks after reminder 1
    "CUTOFF_WEEKS_LARGE_DEBT": 5,
    "CUTOFF_MONTHS_SMALL_DEBT": 3,  # for a smaller debt, months after reminder 1
    # Waste (and interest) invoices cannot cut anything off: the waste company passes them
    # to collection this many days after the one reminder.
    "COLLECTION_DAYS_AFTER_REMINDER": 14,
    # Per half-year the reference rate the Bank of Finland publishes, or the ECB main
    # refinancing rate before the half-year: it is rounded up to the next half point
    # (korkolaki 12 §). Late interest is it + 7 points (consumers) or + 8 (businesses).
    "LATE_INTEREST_REFERENCE_RATES": "2025-01-01:3.50,2025-07-01:2.50,2026-01-01:2.50,2026-07-01:2.50",
    "MINIMUM_INTEREST": 5,  # € of interest below which nothing is invoiced
    # Accounts that receive no camt.054 notifications: their camt.053 statements are imported
    # instead (a statement of any other account repeats notified money and is refused).
    "PAYMENT_STATEMENT_ACCOUNTS": "",
    # The areas each water billing group covers, as the utility names them
    # ("1:Kaleva, Sompio;2:Ahjo"); a group not named shows the municipalities of its points.
    "BILLING_GROUP_NAMES": "",
    # New password hashes: scrypt (memory-hard). Only a test suite sets a cheap method.
    "PASSWORD_HASH_METHOD": "scrypt",
    "WASTE_BASIC_FEE_BILLED_ON": "02-15",  # MM-DD: the year's waste basic fee goes out on its own invoice
    # … or, when true, on each customer's first waste invoice of the year instead
    "WASTE_BASIC_FEE_ON_WASTE_INVOICE": False,
    # A property that joins during the year pays the basic fee from the month it joins
    # (months / 12); false: the whole year's fee.
    "WASTE_BASIC_FEE_PRO_RATA": True,
    "UTILITY_IBAN": "FI4950009420028730",
    # The utility's business ID (Y-tunnus); its VAT number is FI + the digits. Both are
    # printed on every invoice (arvonlisäverolaki 209 e §).
    "UTILITY_BUSINESS_ID": "1234567-1",
    "UTILITY_BIC": "OKOYFIHH",
}

_TRUE = {"1", "true", "yes", "on"}


def _coerce(default, raw: str):
    if isinstance(default, bool):
        return raw.strip().lower() in _TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def from_environment(environ=os.environ) -> dict[str, object]:
    """Defaults overridden by environment variables of the same name."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if key in environ and environ[key] != "":
            settings[key] = _coerce(default, environ[key])
    return settings


def environment_keys(environ=os.environ) -> frozenset[str]:
    """The settings the environment sets: the admin pages show them and do not change them."""
    return frozenset(key for key in DEFAULTS if environ.get(key, "") != "")


def instance_secret_key(instance_path: str) -> str:
    """A random key kept in instance/secret_key, made on first use (single-server default)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
