"""The app's databases on a host: backups of its SQLite databases, and its restarts.

Installed root-owned as /srv/NAME/app-state.py (stdlib only, Python 3.9+,
self-contained: it imports nothing of the collection).

    backup ...           as the app's user: copy the databases into a new backup
    verify ...           as the app's user: check that a backup can be restored
    prune ...            as the app's user: remove the backups not named
    restore-pending ...  as the app, in its unit's sandbox (ExecStartPre=):
                         put back the backup that a rollback asked for
    wait-ready ...       as root: wait until every worker of a started unit
                         accepts connections (a restart's handover)

Each command prints one JSON document, or one line, and exits 1 with a
one-line message on stderr when it cannot do its work.

What the role reads of the host and root's record of switches are Ansible
modules (plainvm.asgi.app_state, plainvm.asgi.switch_record). These
commands stay a program on the host because Ansible cannot run them as
they must run: restore-pending runs at every start of the app, by systemd,
with no Ansible anywhere; backup, verify and prune run as the app's user
through runuser, with Python's isolated mode, which a module run by become
as root would not be; and wait-ready, the restart's wait between the
handover's start and the app's, reads the journal of units that start under
it with a deadline of its own, and is tested as it runs, against real
uvicorn workers, without Ansible.

Whatever reads or writes the state directory or the backups runs as the
app's user, never as root: a link that the app's user plants there can then
only lead it where that user may go anyway, and a backup holds only what
the app itself could read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

# 20261128T201500Z-<release>: when it was taken, and the release it was taken for.
BACKUP_NAME = re.compile(r"\A\d{8}T\d{6}Z-[A-Za-z0-9][A-Za-z0-9-]*\Z")
# A file directly in the state directory.
DATABASE_NAME = re.compile(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
RECORD = "backup.json"
# In the state directory: the backup the last restore put back.
STAMP = ".restored-backup"


DESCRIPTION = "The app's databases on a host: backups of its SQLite databases, and its restarts."


class StateError(Exception):
    """Something the command cannot do; its message is for the operator."""


# What a command reports as its one-line error; anything else is a bug, with a traceback.
FAILURES = (StateError, OSError, sqlite3.Error, subprocess.SubprocessError, LookupError, ValueError)


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise StateError(f"not a {what}: {value!r}")
    return value


def read_only(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """A connection that cannot write, nor create a missing database."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    return sqlite3.connect(f"file:{quote(str(path))}?{flags}", uri=True)


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup: consistent even while the app writes."""
    writer = sqlite3.connect(str(target))
    try:
        source.backup(writer)
        # A copy in rollback-journal mode opens read-only anywhere; a WAL one
        # needs to write beside itself.
        writer.execute("PRAGMA journal_mode = DELETE").fetchall()
    finally:
        writer.close()


def intact(path: Path) -> None:
    """Raise unless path is a regular file holding a sound SQLite database."""
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise StateError(f"{path} is not a regular file")
    connection = read_only(path, immutable=True)
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        connection.close()
    if verdict != "ok":
        raise StateError(f"{path} is damaged: {verdict}")


def backup(args: argparse.Namespace) -> dict[str, Any]:
    name = checked(BACKUP_NAME, args.name, "backup name")
    names = [checked(DATABASE_NAME, n, "database file name") for n in args.databases]
    os.umask(0o077)
    target = Path(args.backups) / name
    try:
        target.mkdir(mode=0o700)
    except FileExistsError:
        raise StateError(f"backup {name} exists already; a backup is never overwritten") from None
    copied: list[str] = []
    skipped: list[str] = []
    try:
        for database in names:
            source = Path(args.state) / database
            try:
                is_file = stat.S_ISREG(source.stat().st_mode)
            except OSError:
                # Missing, or not the app's to read: not backed up.
                skipped.append(database)
                continue
            if not is_file:
                raise StateError(f"{source} is not a regular file")
            reader = read_only(source)
            try:
                copy_database(reader, target / database)
            finally:
                reader.close()
            copied.append(database)
        record = {
            "name": name,
            "from": args.from_release,
            "to": args.to_release,
            "time": utc_now(),
            "databases": copied,
            "skipped": skipped,
        }
        (target / RECORD).write_text(json.dumps(record, indent=2) + "\n")
    except BaseException:
        # Half a backup is no backup: the next attempt takes a new one.
        shutil.rmtree(target, ignore_errors=True)
        raise
    return {"backup": name, "databases": copied, "skipped": skipped}


def verify(args: argparse.Namespace) -> dict[str, Any]:
    name = checked(BACKUP_NAME, args.name, "backup name")
    folder = Path(args.backups) / name
    if not folder.is_dir() or folder.is_symlink():
        raise StateError(f"backup {name} is not in {args.backups}")
    for database in args.databases:
        intact(folder / checked(DATABASE_NAME, database, "database file name"))
    return {"backup": name, "databases": args.databases}


def prune(args: argparse.Namespace) -> dict[str, Any]:
    keep = set(args.keep)
    removed = []
    for entry in sorted(os.listdir(args.backups)):
        if entry in keep or not BACKUP_NAME.match(entry):
            continue
        path = Path(args.backups) / entry
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)
        removed.append(entry)
    return {"removed": removed}


def restore_pending(args: argparse.Namespace) -> str:
    """Put back the backup that a rollback left in the pending file, once.

    Runs before the app starts, so no process of the app has the databases
    open. Each database is copied from the backup into a new file beside
    the live one, then renamed over it: a link planted in its place is
    replaced, never followed.
    """
    try:
        pending = json.loads(Path(args.pending).read_text())
    except FileNotFoundError:
        return ""
    name = checked(BACKUP_NAME, str(pending["backup"]), "backup name")
    release = os.environ.get("APP_RELEASE", "")
    if pending["release"] != release:
        return f"Backup {name} is to be restored for release {pending['release']}, not {release}"
    state = Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    stamp = state / STAMP
    if not stamp.is_symlink() and stamp.is_file() and stamp.read_text().strip() == name:
        return f"Backup {name} was restored already"
    names = [checked(DATABASE_NAME, str(n), "database file name") for n in pending["databases"]]
    folder = Path(args.backups) / name
    for database in names:
        intact(folder / database)
    copies: list[tuple[Path, str]] = []
    try:
        for database in names:
            handle, made = tempfile.mkstemp(dir=state, prefix=f".{database}.restore-")
            os.close(handle)
            copies.append((Path(made), database))
            reader = read_only(folder / database, immutable=True)
            try:
                copy_database(reader, Path(made))
            finally:
                reader.close()
        for temporary, database in copies:
            # The mode the app gave the file it replaces; not through a link.
            with contextlib.suppress(FileNotFoundError):
                live = os.lstat(state / database)
                if stat.S_ISREG(live.st_mode):
                    os.chmod(temporary, stat.S_IMODE(live.st_mode))
            # The live database's journals belong to the file being replaced.
            for suffix in ("-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    (state / (database + suffix)).unlink()
            os.replace(temporary, state / database)
    finally:
        for leftover, _ in copies:
            if leftover.exists():
                leftover.unlink()
    handle, made = tempfile.mkstemp(dir=state, prefix=f"{STAMP}.")
    with os.fdopen(handle, "w") as out:
        out.write(name + "\n")
    os.replace(made, stamp)
    return f"Restored backup {name}: {', '.join(names) or 'no database'}"


def systemd_properties(unit: str, names: list[str]) -> dict[str, str]:
    result = subprocess.run(
        ["systemctl", "show", unit, *(f"--property={name}" for name in names)],
        check=True,
        capture_output=True,
        text=True,
    )
    pairs = (line.partition("=") for line in result.stdout.splitlines())
    return {name: value for name, _, value in pairs}


# What uvicorn logs in each worker: after importing the app, when its lifespan
# startup begins, and once the worker is about to accept connections.
STARTED = "Started server process"
WAITING = "Waiting for application startup."
COMPLETE = "Application startup complete."
FAILED = "Application startup failed."


def workers_ready(log: list[str]) -> int:
    """How many workers of one start of uvicorn accept connections.

    With the app's lifespan on (uvicorn's default is auto), a worker is ready
    when its startup completes; with --lifespan off uvicorn says nothing after
    "Started server process", which the caller then confirms on a second look.
    """
    if any(WAITING in line for line in log):
        return sum(COMPLETE in line for line in log)
    return sum(STARTED in line for line in log)


def unit_log(invocation: str) -> list[str]:
    match = "_SYSTEMD_INVOCATION_ID=" + invocation
    result = subprocess.run(
        ["journalctl", "--quiet", "--no-pager", "--output=cat", match],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.splitlines()


def wait_ready(args: argparse.Namespace) -> str:
    """Wait until --workers workers of the unit's current start are ready."""
    deadline = time.monotonic() + args.timeout
    seen_ready = False
    while True:
        properties = systemd_properties(args.unit, ["InvocationID", "ActiveState", "SubState"])
        log = unit_log(properties["InvocationID"]) if properties.get("InvocationID") else []
        state = f"{properties.get('ActiveState')}/{properties.get('SubState')}"
        running = properties.get("ActiveState") in ("active", "activating")
        if not running or any(FAILED in line for line in log):
            raise StateError(f"{args.unit} is {state}: " + " | ".join(log[-5:]))
        ready = workers_ready(log)
        if ready >= args.workers:
            # Without lifespan lines, one more look: a worker may be between its lines.
            if seen_ready or any(WAITING in line for line in log):
                return f"{args.unit}: {ready} of {args.workers} worker(s) ready"
            seen_ready = True
        else:
            seen_ready = False
        if time.monotonic() > deadline:
            waited = f"after {args.timeout:g} s ({state})"
            raise StateError(f"{args.unit}: {ready} of {args.workers} worker(s) ready {waited}")
        time.sleep(0.1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app-state.py", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("backup", help="as the app: back up the databases")
    command.add_argument("--state", required=True)
    command.add_argument("--backups", required=True)
    command.add_argument("--name", required=True)
    command.add_argument("--from", dest="from_release", required=True)
    command.add_argument("--to", dest="to_release", required=True)
    command.add_argument("databases", nargs="*")

    command = commands.add_parser("verify", help="as the app: check a backup")
    command.add_argument("--backups", required=True)
    command.add_argument("--name", required=True)
    command.add_argument("databases", nargs="*")

    command = commands.add_parser("prune", help="as the app: remove every backup not kept")
    command.add_argument("--backups", required=True)
    command.add_argument("--keep", nargs="*", default=[])

    command = commands.add_parser("restore-pending", help="as the app, before it starts")
    command.add_argument("--pending", required=True, help="root's file naming the backup")
    command.add_argument("--backups", required=True)

    command = commands.add_parser("wait-ready", help="as root: wait for a unit's workers")
    command.add_argument("--unit", required=True)
    command.add_argument("--workers", type=int, required=True)
    command.add_argument("--timeout", type=float, required=True, help="seconds")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "backup":
            print(json.dumps(backup(args)))
        elif args.command == "verify":
            print(json.dumps(verify(args)))
        elif args.command == "prune":
            print(json.dumps(prune(args)))
        elif args.command == "wait-ready":
            print(wait_ready(args))
        else:
            message = restore_pending(args)
            if message:
                print(message)
    except FAILURES as error:
        print(f"app-state.py {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
