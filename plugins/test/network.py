"""IPv4 tests for the roles' input checks, on the standard library's ipaddress module.

A regular expression such as (\\d{1,3}\\.){3}\\d{1,3} lets 999.1.1.1 through;
ipaddress knows what an address is. Only the dotted-quad form is accepted:
no leading zeros (which some tools read as octal), no spaces or newlines,
no integers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

# Decimal digits only: int() would also take "+80", " 80" or "٨٠".
_DIGITS = re.compile(r"[0-9]+\Z", re.ASCII)


def ipv4_address(value: object) -> bool:
    """True for an IPv4 address in dotted-quad form, e.g. 10.0.0.5."""
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    # ipaddress refuses leading zeros and white space; this keeps it so.
    return str(address) == value


def ipv4_network(value: object) -> bool:
    """True for an IPv4 address or ADDRESS/PREFIX with a prefix of 0 to 32, e.g. 10.0.0.0/24."""
    if not isinstance(value, str):
        return False
    address, slash, prefix = value.partition("/")
    if not slash:
        return ipv4_address(address)
    if not ipv4_address(address) or not _DIGITS.match(prefix) or str(int(prefix)) != prefix:
        return False
    return int(prefix) <= 32


def ipv4_endpoint(value: object) -> bool:
    """True for ADDRESS:PORT with an IPv4 address and a port of 1 to 65535, e.g. 10.0.0.11:8000."""
    if not isinstance(value, str):
        return False
    address, colon, port = value.rpartition(":")
    if not colon or not ipv4_address(address):
        return False
    if not _DIGITS.match(port) or str(int(port)) != port:
        return False
    return 1 <= int(port) <= 65535


class TestModule:
    def tests(self) -> dict[str, Callable[..., bool]]:
        return {
            "ipv4_address": ipv4_address,
            "ipv4_network": ipv4_network,
            "ipv4_endpoint": ipv4_endpoint,
        }
