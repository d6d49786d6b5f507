"""A PostgreSQL SCRAM-SHA-256 password verifier, computed on the controller.

`ALTER ROLE name PASSWORD 'SCRAM-SHA-256$...'` stores a verifier as it is:
the server never sees the password itself, so it can log it nowhere (a
failed statement is logged with its text). The verifier is what PostgreSQL
computes itself (RFC 5802 and 7677, with its 16-byte salt):

    SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata
from collections.abc import Callable

from ansible.errors import AnsibleFilterError

# PostgreSQL's own defaults (scram_iterations, and the salt's length).
ITERATIONS = 4096
SALT_LENGTH = 16

_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c21,
    stringprep.in_table_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


def saslprep(password: str) -> str:
    """SASLprep (RFC 4013) as PostgreSQL applies it to a SCRAM password.

    Where the password cannot be prepared (a prohibited character, bad
    bidirectional text), PostgreSQL uses it unchanged, and so does this.
    """
    mapped = "".join(
        " " if stringprep.in_table_c12(char) else char
        for char in password
        if not stringprep.in_table_b1(char)
    )
    prepared = unicodedata.normalize("NFKC", mapped)
    if not prepared:
        return password
    if any(check(char) for char in prepared for check in _PROHIBITED):
        return password
    if any(stringprep.in_table_a1(char) for char in prepared):
        return password
    if any(stringprep.in_table_d1(char) for char in prepared):
        if any(stringprep.in_table_d2(char) for char in prepared):
            return password
        if not (stringprep.in_table_d1(prepared[0]) and stringprep.in_table_d1(prepared[-1])):
            return password
    return prepared


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def scram_sha256_verifier(
    password: str, salt: str | None = None, iterations: int = ITERATIONS
) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of PASSWORD.

    SALT is base64; without it a random one is made, as PostgreSQL does, so
    that each call gives another verifier of the same password.
    """
    if not isinstance(password, str) or not password:
        raise AnsibleFilterError("scram_sha256_verifier needs a non-empty password string")
    if int(iterations) < 1:
        raise AnsibleFilterError(
            f"scram_sha256_verifier: iterations must be positive, not {iterations}"
        )
    try:
        salt_bytes = (
            os.urandom(SALT_LENGTH) if salt is None else base64.b64decode(salt, validate=True)
        )
    except ValueError as exc:
        raise AnsibleFilterError(f"scram_sha256_verifier: the salt is not base64: {exc}") from exc
    salted = hashlib.pbkdf2_hmac(
        "sha256", saslprep(password).encode("utf-8"), salt_bytes, int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return (
        f"SCRAM-SHA-256${int(iterations)}:{_b64(salt_bytes)}${_b64(stored_key)}:{_b64(server_key)}"
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., object]]:
        return {"scram_sha256_verifier": scram_sha256_verifier}
