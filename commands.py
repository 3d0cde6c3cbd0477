"""The `flask` commands: db, demo-data, translate, outbox, create-staff, scheduler, backup, restore,
import."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import current_app
from flask.cli import AppGroup, with_appcontext

import backup
import demo
import migrations
import scheduler
from domain.settings import in_force
from domain import billing_runs, invoicing, legacy_import
from domain.accounts import create_staff_user, deactivate
from domain.errors import FieldError
from models import JobRun, SchedulerLease, User, db
from models.clock import today
from outbound import push
from outbound.mail import send_due

ROOT = Path(__file__).resolve().parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"

db_cli = AppGroup("db", help="Database schema.")
translate_cli = AppGroup("translate", help="Translation catalogs (fi, sv, en).")
outbox_cli = AppGroup("outbox", help="Outgoing email.")
billing_cli = AppGroup("billing", help="Invoice runs.")
push_cli = AppGroup("push", help="Web Push to the installed app.")


@push_cli.command("keys")
@click.option("--renew", is_flag=True, help="Make a new pair (every device must subscribe again).")
def push_keys(renew):
    """Make the VAPID key pair in the instance folder (once) and print the public key."""
    click.echo(push.make_keys(force=renew))


@billing_cli.command("run")
@click.option("--date", "billing_date", type=click.DateTime(["%Y-%m-%d"]),
              help="Bill the water groups whose calendar bills on this date.")
@click.option("--period", help="YYYY-Qn: bill the waste emptyings of that quarter.")
@click.option("--batch-size", default=500, show_default=True, help="Points written per transaction.")
def billing_run(billing_date, period, batch_size):
    """Run the billing. Safe to repeat: nothing is billed twice."""
    if not billing_date and not period:
        raise click.UsageError("give --date, --period or both")
    day = billing_date.date() if billing_date else today()
    settings = invoicing.BillingSettings.from_config(in_force())
    with db.connection_context():
        runs = []
        if billing_date:
            runs.append(billing_runs.run_water(day, settings, batch_size=batch_size))
        if period:
            start, end = billing_runs.quarter(period)
            runs.append(billing_runs.run_waste(start, end, day, settings))
    for run in runs:
        click.echo(f"{run.kind} run {run.id}: {run.invoices} invoices, {run.total} €, {run.status}")


@db_cli.command("upgrade")
@click.option("--to", "target", type=int, default=None, help="Stop at this version.")
@click.option("--no-backup", is_flag=True, help="Do not back up an existing database first.")
def db_upgrade(target, no_backup):
    """Apply the numbered migrations that are not applied yet, after a backup of an
    existing database; refuse a database newer than this code."""
    cfg = current_app.config
    with db.connection_context():
        version = migrations.current_version(db)
        if version > migrations.latest_version():
            raise click.ClickException(f"the database is at schema version {version}, this code knows "
                                       f"{migrations.latest_version()}: upgrade the code (git pull) instead")
        if version > 0 and migrations.pending(db) and not no_backup:
            try:
                folder = backup.make_backup(db, current_app.instance_path, cfg["BACKUP_DIR"], int(cfg["BACKUP_KEEP"]))
            except backup.BackupError as error:
                raise click.ClickException(f"no backup, so no upgrade: {error} (or use --no-backup)") from None
            click.echo(f"backup before upgrading: {folder}")
        applied = migrations.upgrade(db, target)
        version = migrations.current_version(db)
    for migration in applied:
        click.echo(f"applied {migration.version:04d} {migration.name}")
    click.echo(f"database at version {version}")


@db_cli.command("version")
def db_version():
    """Print the applied and the latest schema version."""
    with db.connection_context():
        click.echo(f"applied {migrations.current_version(db)}, latest {migrations.latest_version()}")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@translate_cli.command("extract")
def translate_extract():
    """Collect the messages of code and templates into locales/messages.pot."""
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
             "--no-location", "--sort-output", "--project", "Kotipiha",
             "--ignore-dirs", ".* _* node_modules tests bench tools migrations static",
             "-o", str(POT), str(ROOT))


@translate_cli.command("update")
def translate_update():
    """Extract, then merge the new messages into each catalog."""
    translate_extract.callback()
    _pybabel("update", "-i", str(POT), "-d", str(LOCALES), "--no-fuzzy-matching", "--ignore-obsolete")
    _fill_english()


def _fill_english() -> None:
    """English is the source language: its catalog repeats the message ids."""
    path = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(strings):
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True)


@translate_cli.command("compile")
def translate_compile():
    """Compile the catalogs to .mo files."""
    _pybabel("compile", "-d", str(LOCALES))


@outbox_cli.command("send")
def outbox_send():
    """Send the mail that is due now."""
    with db.connection_context():
        sent, failed = send_due()
    click.echo(f"sent {sent}, failed {failed}")


@click.command("create-staff")
@with_appcontext
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--first-name", prompt=True)
@click.option("--last-name", prompt=True)
@click.option("--admin", is_flag=True, help="Give the admin role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff(username, email, first_name, last_name, admin, password_stdin):
    """Create a customer-service (or admin) account."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    try:
        with db.connection_context():
            user = create_staff_user(username=username, email=email, first_name=first_name,
                                     last_name=last_name, password=password,
                                     role="admin" if admin else "staff")
    except FieldError as error:
        raise click.ClickException(f"{error.field}: {error.code}") from None
    click.echo(f"created {user.role} {user.username}")


@click.command("deactivate-user")
@with_appcontext
@click.argument("login")
def deactivate_user(login):
    """Close an account (username or email): it cannot log in, and its sessions, remember-me
    cookies and unused links end at once."""
    with db.connection_context():
        user = User.by_login(login.strip().casefold())
        if user is None:
            raise click.ClickException(f"no account {login!r}")
        deactivate(user, None)
    click.echo(f"deactivated {user.username}")


@click.command("demo-data")
@with_appcontext
@click.option("--properties", default=200, show_default=True, help="How many properties.")
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Only when the database has no customers.")
def demo_data(properties, seed, if_empty):
    """Load reproducible demo data and print the demo logins."""
    with db.connection_context():
        if if_empty and demo.has_data():
            click.echo("demo data already loaded")
        else:
            stats = demo.load(properties=properties, seed=seed)
            click.echo(", ".join(f"{v} {k}" for k, v in stats.items()))
        click.echo(demo.describe_logins())


scheduler_cli = AppGroup("scheduler", help="Background jobs.")


@scheduler_cli.command("run")
def scheduler_run():
    """Run the background jobs in this process (instead of inside the web server)."""
    scheduler.run_forever(current_app._get_current_object())


@scheduler_cli.command("status")
def scheduler_status():
    """Which process holds the lease, and each job's last run."""
    with db.connection_context():
        lease = SchedulerLease.get_or_none(SchedulerLease.name == "scheduler")
        click.echo(f"lease: {lease.holder} until {lease.expires_at}" if lease else "lease: nobody")
        for run in JobRun.select().order_by(JobRun.started_at.desc()).limit(20):
            click.echo(f"{run.job:20} {run.period_key} {run.status:8} {run.result or run.error or ''}")


@click.command("backup")
@with_appcontext
@click.option("--dir", "target", default=None, help="Where to write (default BACKUP_DIR).")
def backup_command(target):
    """Copy the database and the instance secrets, consistently, while the app runs."""
    cfg = current_app.config
    try:
        folder = backup.make_backup(db, current_app.instance_path, target or cfg["BACKUP_DIR"], int(cfg["BACKUP_KEEP"]))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {folder}")


@click.command("restore")
@with_appcontext
@click.argument("source")
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def restore_command(source, yes):
    """Replace the database with a backup (a folder from `flask backup` or a .sqlite3
    file) after checking it. Stop the app first."""
    if not yes:
        click.confirm(f"Replace the database {current_app.config['DATABASE_URL']} with {source}?", abort=True)
    try:
        found = backup.restore(source, db, current_app.instance_path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored schema version {found['schema_version']}, {sum(found['rows'].values())} rows; "
               f"database now at version {migrations.latest_version()}")


@click.command("import")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
def import_command(folder, dry_run):
    """Import the previous system's CSV files in FOLDER (README: "Importing from the
    previous system"). Run again with corrected files: it changes only what they change."""
    with db.connection_context():
        threshold = invoicing.BillingSettings.from_config(in_force()).credit_refund_threshold
        report = legacy_import.import_folder(folder, dry_run=dry_run, today=today(), refund_threshold=threshold)
    if not report.files:
        raise click.ClickException(f"no import files in {folder} "
                                   f"(expected e.g. {', '.join(t.files[0] for t in legacy_import.TABLES)})")
    for line in report.lines():
        click.echo(line)
    if report.rejected:
        sys.exit(1)


def register(app) -> None:
    for command in (db_cli, translate_cli, outbox_cli, billing_cli, push_cli, scheduler_cli, create_staff,
                    deactivate_user, demo_data, backup_command, restore_command, import_command):
        app.cli.add_command(command)
