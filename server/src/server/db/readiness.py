"""The readiness check: is the database reachable and at the expected schema?"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from server.db.engine import describe_error, make_readonly_engine, sqlite_file
from server.db.migrations import current_revision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    revision: str | None = None
    reason: str | None = None


class ReadinessCheck:
    """Whether the database is reachable and its schema is the one this code expects.

    A process that serves requests against a schema it was not written for
    fails in confusing ways; saying "not ready" lets the load balancer and
    the deploy tool hold traffic until ``migrate`` has run.
    """

    def __init__(self, url: str, expected: str, known: frozenset[str] | None = None) -> None:
        self.url = url
        self.expected = expected
        # The revisions this code's migrations contain. A database at a
        # revision outside them was migrated by a newer release: during a
        # rolling deploy, or after a rollback. Migrations are written to
        # expand first (old code works on the new schema), so that is ready.
        # Without them, only the expected revision is.
        self.known = known
        self._path = sqlite_file(url)
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._last: Readiness | None = None

    def check(self) -> Readiness:
        result = self._check()
        if result != self._last:
            # Log changes only: load balancers ask every few seconds.
            self._last = result
            if result.ready:
                log.info("ready: database at revision %s", result.revision)
            else:
                log.warning("not ready: %s", result.reason)
        return result

    def _check(self) -> Readiness:
        if self._path is not None and not self._path.exists():
            return Readiness(False, reason=f"database file {self._path} does not exist")
        try:
            with self._get_engine().connect() as connection:
                revision = current_revision(connection)
        except Exception as exc:  # anything, from a missing driver to DNS, must become a 503
            log.debug("readiness check failed", exc_info=True)
            return Readiness(False, reason=f"cannot read database revision: {describe_error(exc)}")
        if self.known is not None and revision is not None and revision not in self.known:
            return Readiness(True, revision=revision)
        if revision != self.expected:
            return Readiness(
                False,
                revision=revision,
                reason=f"database at revision {revision}, expected {self.expected}",
            )
        return Readiness(True, revision=revision)

    def _get_engine(self) -> Engine:
        # Built on first use so that a missing database driver shows up as a
        # failed check instead of a worker that will not start.
        with self._lock:
            if self._engine is None:
                self._engine = make_readonly_engine(self.url)
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
