"""A plain ASGI app whose workers grow on request.

    GET /            {"pid": 1234, "kept_mb": 0}
    GET /grow?mb=N   allocates N MiB, keeps them for the worker's life, then
                     answers as / does

Run with `uvicorn grow:app`; it needs nothing but the standard library.
"""

from __future__ import annotations

import ctypes
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

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
]
_MAP_FAILED = ctypes.c_void_p(-1).value

# Bytes this worker keeps: it only ever grows.
_kept = 0


def _grow(size: int) -> None:
    """Map `size` bytes and write every page of it in one system call.

    Through ctypes, which lets go of the GIL meanwhile: past the unit's
    MemoryHigh the kernel slows the allocation down, and uvicorn's supervisor
    must still hear from the worker (its health check runs in a thread), so
    that it is the kernel that ends the worker, at MemoryMax.
    """
    global _kept
    address = _libc.mmap(
        None,
        size,
        mmap.PROT_READ | mmap.PROT_WRITE,
        mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE,
        -1,
        0,
    )
    if address in (None, _MAP_FAILED):
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    # Never unmapped: the worker keeps it.
    _kept += size


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
        _grow(int(query.get("mb", ["0"])[0]) << 20)
    body = json.dumps({"pid": os.getpid(), "kept_mb": _kept >> 20}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
