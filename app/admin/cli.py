"""`flask --app app users create|list|disable|enable|set-role|set-password`."""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

from ..auth import accounts
from ..models import ROLES

users_cli = AppGroup("users", help="Manage staff accounts.")


def cli_actor() -> str:
    """Audit entries from the CLI name the operating-system user who ran it."""
    try:
        return f"cli:{getpass.getuser()}"[:80]
    except Exception:  # noqa: BLE001 - getpass raises anything (OSError, KeyError) without a login name
        return "cli"


def _run(action, *args, **kwargs):
    try:
        return action(*args, actor=cli_actor(), **kwargs)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


def _describe(user) -> str:
    store = f" store={user.store}" if user.store else ""
    state = "active" if user.active else "disabled"
    return f"{user.username}\t{user.role}{store}\t{state}"


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--store", default=None, help="storeIntegrationId a manager is limited to.")
@click.option("--password", default=None,
              help="Avoid on shared machines (it lands in shell history); prompted when absent.")
def create(username: str, role: str, store: str | None, password: str | None) -> None:
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(accounts.create_user, username, password, role, store)
    click.echo(f"created {_describe(user)}")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in accounts.list_users():
        click.echo(_describe(user))


@users_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account and end its logins at once."""
    user = _run(accounts.disable_user, username)
    click.echo(f"disabled {user.username}")


@users_cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled account."""
    user = _run(accounts.enable_user, username)
    click.echo(f"enabled {user.username}")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--store", default=None, help="storeIntegrationId (managers only); omit for none.")
def set_role(username: str, role: str, store: str | None) -> None:
    """Change an account's role (and store)."""
    user = _run(accounts.set_role, username, role, store)
    click.echo(f"updated {_describe(user)}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted when absent.")
def set_password(username: str, password: str | None) -> None:
    """Set a new password; the account's logins end at once."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    user = _run(accounts.set_password, username, password)
    click.echo(f"password changed for {user.username}")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--password", default=None,
              help="A temporary password to give the user; a one-time password is generated "
                   "and printed once when absent.")
@click.option("--keep/--must-change", "keep", default=False,
              help="Whether the user keeps this password or must choose a new one at the next "
                   "login (the default; always so for a generated one).")
def reset_password(username: str, password: str | None, keep: bool) -> None:
    """Reset a password (the same as the /admin/users page); the account's logins end at once."""
    user, generated = _run(accounts.reset_password, username, password=password,
                           must_change=not keep)
    if generated:
        click.echo(f"one-time password for {user.username} (shown once): {generated}")
    click.echo(f"password reset for {user.username}"
               + ("; a new one is required at the next login" if accounts.must_change_password(user) else ""))


@users_cli.command("end-sessions")
@click.argument("username")
def end_sessions(username: str) -> None:
    """End every open login of an account (it stays enabled)."""
    ended = _run(accounts.end_sessions, username)
    click.echo(f"ended {ended} login(s) of {username}")
