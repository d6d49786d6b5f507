"""A plain ASGI app whose workers grow on request.

    GET /            {"pid": 1234, "kept_mb": 0}
    GET /grow?mb=N   allocates N MiB, keeps them for the worker's life, then
                     answers as / does

Run with `uvicorn grow:app`; it needs nothing but the standard library.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# What this worker keeps: it only ever grows.
_kept: list[mmap.mmap] = []


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/grow":
        query = parse_qs(scope["query_string"].decode())
        megabytes = int(query.get("mb", ["0"])[0])
        # All of it at once (MAP_POPULATE), in one system call. Memory that
        # grows page by page past the unit's MemoryHigh is throttled by the
        # kernel, without swap for ever, and never reaches MemoryMax.
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE
        _kept.append(mmap.mmap(-1, megabytes << 20, flags=flags))
    body = json.dumps({"pid": os.getpid(), "kept_mb": sum(map(len, _kept)) >> 20}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
