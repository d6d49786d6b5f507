"""Import the app the way uvicorn will, and fail if that fails.

With two or more workers, uvicorn's supervisor replaces a worker that dies
at start, again and again, and never exits: systemd sees a running service,
the front's connections wait in the socket's backlog, and clients hang. Run
before uvicorn (ExecStartPre=) with the release's own Python, this check
makes an app that cannot even be imported (a bad setting read at import, a
missing dependency, a syntax error) fail its start instead, so systemd's
start limit ends the loop and the front answers 502 at once.

Usage: python import-check.py APP_MODULE [uvicorn's options]
Only --app-dir and --factory matter here; other options are ignored.
"""

from __future__ import annotations

import argparse
import sys

from uvicorn.importer import ImportFromStringError, import_from_string


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="import-check")
    parser.add_argument("app")
    parser.add_argument("--app-dir", default=".")
    parser.add_argument("--factory", action="store_true")
    options, _ = parser.parse_known_args(argv)
    # As uvicorn's command line does: the app directory first on the path.
    sys.path.insert(0, options.app_dir)
    try:
        app = import_from_string(options.app)
        if options.factory:
            app()
    except ImportFromStringError as error:
        print(f"cannot load the app {options.app!r}: {error}", file=sys.stderr)
        return 1
    # Any other exception propagates: its traceback in the journal says why.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
