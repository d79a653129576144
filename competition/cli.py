"""Command-line tools: ``flask --app wsgi demo``, ``audit verify``, ``backup [PATH]``, ``restore PATH``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from competition.extensions import db

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every row of the audit chain; exit 1 on the first break found."""
    from competition.services.audit import verify_chain
    problems = list(verify_chain())
    for problem in problems:
        click.echo(f"BROKEN seq={problem.seq}: {problem.problem}", err=True)
    if problems:
        raise SystemExit(1)
    from competition.models import AuditHead
    head = db.session.get(AuditHead, 1)
    click.echo(f"audit chain OK: {head.seq if head else 0} rows")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data set (idempotent: running it again changes nothing) and print the demo logins."""
    from competition.demo import DEMO_PASSWORD, load_demo
    from competition.services.judging import load_demo_judges
    logins = load_demo()
    load_demo_judges()  # the judge pool, declared ties and panels (commits itself; idempotent)
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in logins:
        click.echo(f"  {username:<14} {description}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler process (one per installation): queued print jobs, and later timed work."""
    from flask import current_app

    from competition import scheduler
    click.echo("SaiPing scheduler running (Ctrl+C to stop)")
    scheduler.run(current_app._get_current_object())


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str | None) -> None:
    """Back up the whole database to PATH (default: a new file in SAIPING_BACKUP_DIR) while it runs."""
    from competition.errors import DomainError
    from competition.services import backups
    try:
        made = backups.backup(path)
    except DomainError as error:
        raise click.ClickException(error.text()) from None
    click.echo(f"backup written: {made}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
@with_appcontext
def restore_command(path: str, force: bool) -> None:
    """Restore the backup at PATH into this (empty) database; --force replaces a non-empty one."""
    from competition.errors import DomainError
    from competition.services import backups
    try:
        backups.restore(path, force=force)
    except DomainError as error:
        raise click.ClickException(error.text()) from None
    click.echo(f"restored from {path}; check it with: flask --app wsgi audit verify")


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
