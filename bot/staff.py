"""`python -m bot.staff`: manage staff console accounts and purge old data.

    python -m bot.staff add NAME --role staff|editor   # password prompted twice
    python -m bot.staff add NAME --role editor --password-stdin < secret.txt
    python -m bot.staff list
    python -m bot.staff disable NAME | enable NAME      # disable also ends NAME's sessions
    python -m bot.staff passwd NAME [--password-stdin]  # also ends NAME's sessions
    python -m bot.staff purge [--days N] [--appointment-days M] [--dry-run]

Every command takes --database-url (default: Settings().resolved_database_url). The schema
must be current (`python -m bot.store.migrate`). Exit codes: 0 done, 1 error (one line on
stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import tzinfo

from argon2 import PasswordHasher

from bot.localtime import format_local
from bot.settings import InvalidSettings, Settings, load_settings
from bot.store.db import DatabaseTimeouts, make_engine, require_current_schema
from bot.store.errors import StoreError
from bot.store.models import STAFF_ROLES, utcnow
from bot.store.repo import ChatLog
from bot.store.views import PurgeCounts, StaffView

AUDIT_NAME = "cli"  # who the audit trail says made changes from the command line


class CliError(Exception):
    """A problem with what the operator typed (not with the store)."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS lets the flag go before or after the subcommand without one resetting the other.
    common.add_argument(
        "--database-url", default=argparse.SUPPRESS, help="SQLAlchemy URL (default: settings)"
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot.staff",
        description="Manage staff accounts and retention.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)

    add = commands.add_parser("add", parents=[common], help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=STAFF_ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    commands.add_parser("list", parents=[common], help="list accounts")
    for name, text in (
        ("disable", "stop an account logging in and end its sessions"),
        ("enable", "re-enable one"),
    ):
        command = commands.add_parser(name, parents=[common], help=text)
        command.add_argument("name")

    passwd = commands.add_parser(
        "passwd", parents=[common], help="set a new password and end the account's sessions"
    )
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")

    purge = commands.add_parser("purge", parents=[common], help="delete data past retention")
    purge.add_argument("--days", type=int, help="conversation retention (default: settings)")
    purge.add_argument(
        "--appointment-days", type=int, help="appointment request retention (default: settings)"
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    return parser


def main(
    argv: Sequence[str] | None = None, *, password_hasher: PasswordHasher | None = None
) -> int:
    """Run one command; returns the exit code. `password_hasher`: argon2 parameters (tests
    pass cheap ones; the default is argon2's)."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        url = getattr(args, "database_url", None) or settings.resolved_database_url
        # An operator's command, not a visitor's request: a purge of a big table may run long.
        engine = make_engine(url, DatabaseTimeouts(round_trip_s=120.0))
        try:
            require_current_schema(engine)
            log = ChatLog(
                engine,
                max_failed_logins=settings.staff_max_failed_logins,
                password_hasher=password_hasher,
            )
            _run(args, log, settings)
        finally:
            engine.dispose()
    except (StoreError, CliError, InvalidSettings) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("error: cancelled", file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace, log: ChatLog, settings: Settings) -> None:
    if args.command == "add":
        user = log.create_staff(args.name, _password(args.password_stdin), args.role, by=AUDIT_NAME)
        print(f"created {user.role} account {user.username!r}")
    elif args.command == "list":
        _print_staff(log.list_staff(), settings.zone)
    elif args.command == "disable":
        log.disable_staff(args.name, by=AUDIT_NAME)
        print(f"disabled {args.name!r} and signed it out everywhere")
    elif args.command == "enable":
        log.enable_staff(args.name, by=AUDIT_NAME)
        print(f"enabled {args.name!r}")
    elif args.command == "passwd":
        log.set_password(args.name, _password(args.password_stdin), by=AUDIT_NAME)
        print(f"password changed for {args.name!r}, and signed it out everywhere")
    elif args.command == "purge":
        days = settings.retention_days if args.days is None else args.days
        appointment_days = (
            settings.appointment_retention_days
            if args.appointment_days is None
            else args.appointment_days
        )
        counts = log.purge(utcnow(), days, appointment_days, dry_run=args.dry_run, by=AUDIT_NAME)
        print(_describe_purge(counts, days, appointment_days))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on stdin")
        return password
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise CliError("the passwords do not match")
    return first


def _print_staff(users: list[StaffView], zone: tzinfo) -> None:
    if not users:
        print("no staff accounts yet: python -m bot.staff add NAME --role staff|editor")
        return
    now = utcnow()
    print(f"{'username':<24} {'role':<7} {'state':<22} last login")
    for u in users:
        if not u.active:
            state = "disabled"
        elif u.locked_until is not None and u.locked_until > now:
            state = f"locked until {u.locked_until.astimezone(zone):%H:%M %Z}"
        else:
            state = "active"
        last = format_local(u.last_login_at, zone) if u.last_login_at else "never"
        print(f"{u.username:<24} {u.role:<7} {state:<22} {last}")


def _describe_purge(counts: PurgeCounts, days: int, appointment_days: int) -> str:
    verb = "would delete" if counts.dry_run else "deleted"
    text = (
        f"{verb} {counts.conversations} conversation(s) ({counts.messages} message(s)) "
        f"inactive for over {days} days and {counts.appointment_requests} appointment "
        f"request(s) not updated for over {appointment_days} days"
    )
    if counts.new_requests_kept:
        text += (
            f"; kept {counts.new_requests_kept} request(s) past retention because they are "
            "still 'new'"
        )
    return text


if __name__ == "__main__":
    sys.exit(main())
