"""The handover's readiness: read from what real uvicorn workers log."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
STATE_TOOL = load_script(ROOT / "roles/app/files/app-state.py", "app_state")

APPS = {
    # Starlette and FastAPI apps answer the lifespan protocol.
    "lifespan": """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
""",
    # Django's ASGI handler refuses it.
    "no lifespan": """
async def app(scope, receive, send):
    assert scope["type"] == "http", "Django only handles HTTP"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
""",
}


def uvicorn_log(tmp_path: Path, app: str, last_line: str, *args: str) -> list[str]:
    """What uvicorn with 2 workers logs until both have logged LAST_LINE."""
    (tmp_path / "myapp.py").write_text(APPS[app])
    socket = str(tmp_path / "app.sock")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "myapp:app", "--uds", socket, "--workers", "2", *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    # A uvicorn that never logs it is killed, and the test fails on its log.
    watchdog = threading.Timer(30, server.kill)
    watchdog.start()
    log: list[str] = []
    try:
        while sum(last_line in line for line in log) < 2:
            line = server.stderr.readline()
            if not line:
                break
            log.append(line.rstrip("\n"))
    finally:
        watchdog.cancel()
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert sum(last_line in line for line in log) == 2, log
    return log


# The last line each worker logs before it accepts, whatever the tool reads.
LIFESPAN_DONE = "Application startup complete."
IMPORTED = "Started server process"


@pytest.mark.parametrize(
    ("app", "last_line", "args"),
    [
        ("lifespan", LIFESPAN_DONE, ()),
        ("no lifespan", LIFESPAN_DONE, ()),
        ("lifespan", IMPORTED, ("--lifespan", "off")),
    ],
)
def test_both_started_workers_count_as_ready(
    tmp_path: Path, app: str, last_line: str, args: tuple[str, ...]
) -> None:
    log = uvicorn_log(tmp_path, app, last_line, *args)
    assert STATE_TOOL.workers_ready(log) == 2, log


def test_a_worker_still_in_its_lifespan_startup_does_not_count(tmp_path: Path) -> None:
    log = uvicorn_log(tmp_path, "lifespan", LIFESPAN_DONE)
    last_complete = max(i for i, line in enumerate(log) if STATE_TOOL.COMPLETE in line)
    assert STATE_TOOL.workers_ready(log[:last_complete]) == 1, log


def test_a_worker_that_has_not_imported_the_app_does_not_count(tmp_path: Path) -> None:
    log = uvicorn_log(tmp_path, "lifespan", IMPORTED, "--lifespan", "off")
    last_started = max(i for i, line in enumerate(log) if STATE_TOOL.STARTED in line)
    assert STATE_TOOL.workers_ready(log[:last_started]) == 1, log
