"""A keyed digest, for values that must be compared but not guessed at.

The roles remember a digest of their inputs, secrets included, to skip
checks that already passed; Ansible prints it with -v. A plain hash of the
inputs would let whoever reads that output test guessed secrets offline; an
HMAC under a key that is never printed does not.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from ansible.errors import AnsibleFilterError


def hmac_sha256(value: object, key: object) -> str:
    """HMAC-SHA256 of VALUE (as UTF-8 text) under KEY, in hex."""
    if not isinstance(key, str) or not key:
        raise AnsibleFilterError("hmac_sha256 needs a key: a non-empty string")
    return hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()


class FilterModule:
    def filters(self) -> dict[str, Callable[..., object]]:
        return {"hmac_sha256": hmac_sha256}
