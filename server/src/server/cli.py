"""Command line: ``python -m server migrate`` and ``python -m server current``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from server import __version__
from server.db.engine import describe_error
from server.db.migrations import MigrationLocked, read_revision, upgrade
from server.settings import Settings, SettingsError, configure_logging

log = logging.getLogger(__name__)

# sysexits.h's EX_TEMPFAIL: another migration holds the lock, and the same
# command may succeed once it has finished. Other failures exit with 1.
EXIT_LOCKED = 75


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    result = upgrade(settings.database_url, args.revision)
    if result.changed:
        for revision, description in result.applied:
            print(f"Applied {revision}: {description}")
        print(f"Migrated {result.database} from revision {result.before} to {result.after}")
    else:
        print(f"{result.database} is already at revision {result.after}; nothing to do")
    return 0


def _current(settings: Settings, args: argparse.Namespace) -> int:
    # Printed alone so scripts can compare it; "None" before the first migration.
    print(read_revision(settings.database_url))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m server",
        description="Manage the server's database. Settings come from the environment "
        "(DATABASE_URL, STATE_DIRECTORY, LOG_LEVEL).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database schema",
        description="Upgrade the database to the newest schema revision, or to --revision. "
        "Creates a SQLite database (and its directory) if missing. "
        "Does nothing when the database is already there. On PostgreSQL, exits with "
        f"status {EXIT_LOCKED} at once when another migration of the database is running.",
    )
    migrate.add_argument(
        "--revision",
        default="head",
        metavar="REV",
        help="revision to upgrade to (default: head, the newest)",
    )
    migrate.set_defaults(func=_migrate)

    current = commands.add_parser(
        "current",
        help="print the database's schema revision",
        description="Print the database's schema revision, or None if it has not been "
        "migrated yet. Never creates or changes the database.",
    )
    current.set_defaults(func=_current)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    configure_logging(settings)
    try:
        return int(args.func(settings, args))
    except MigrationLocked as exc:
        # Not a fault of this host: say so, and let a deploy tool tell it apart.
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except Exception as exc:
        # Operators and deploy tools read stderr; a traceback is for debugging.
        log.debug("%s failed", args.command, exc_info=True)
        print(f"{parser.prog} {args.command}: error: {describe_error(exc)}", file=sys.stderr)
        return 1
