"""The Starlette application.

Run it with ``uvicorn server.app:app``, or ``uvicorn --factory
server.app:create_app`` to build a fresh app in each worker.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.db.engine import describe
from server.db.migrations import head_revision, known_revisions
from server.db.readiness import ReadinessCheck
from server.settings import Settings, configure_logging

log = logging.getLogger(__name__)


def _json(content: dict[str, Any], status_code: int = 200) -> JSONResponse:
    # Every answer describes one process at one moment; a cache in between
    # would hide which host answered, or report a stale readiness.
    return JSONResponse(content, status_code, headers={"Cache-Control": "no-store"})


async def index(request: Request) -> JSONResponse:
    """Who answered: the release, host and process. No database access, so it stays cheap."""
    settings: Settings = request.app.state.settings
    return _json(
        {
            "release": settings.release,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            # The peer as Uvicorn reports it: the proxy's address, unless Uvicorn
            # runs with --proxy-headers and trusts that proxy (--forwarded-allow-ips).
            "client": request.client.host if request.client else None,
        }
    )


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process is up and its event loop is serving."""
    return _json({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database is reachable and at the schema revision this code expects."""
    check: ReadinessCheck = request.app.state.readiness
    # The check does blocking I/O (and may wait for a connect timeout), so it
    # runs in a thread to keep the event loop free for other requests.
    result = await run_in_threadpool(check.check)
    if result.ready:
        return _json({"status": "ready", "revision": result.revision})
    return _json({"status": "not ready", "reason": result.reason}, 503)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build a new application; settings come from the environment unless given."""
    if settings is None:
        settings = Settings.from_env()
    configure_logging(settings)
    readiness = ReadinessCheck(settings.database_url, head_revision(), known_revisions())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info(
            "release %s starting; database %s, expecting schema revision %s",
            settings.release,
            describe(settings.database_url),
            readiness.expected,
        )
        yield
        readiness.close()

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.readiness = readiness
    return app


app = create_app()
