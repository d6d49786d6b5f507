"""IPv4 helpers for the lab, on the standard library's ipaddress module.

ansible.utils has richer filters but needs netaddr and a collection install;
the lab only asks two questions of an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from ansible.errors import AnsibleFilterError


def _network(subnet: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(subnet, strict=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"{subnet!r} is not an IPv4 subnet in CIDR form: {exc}") from exc


def in_network(address: str, subnet: str) -> bool:
    """True when ADDRESS is a usable host address of SUBNET."""
    network = _network(subnet)
    try:
        ip = ipaddress.IPv4Address(str(address))
    except ValueError:
        return False
    return ip in network and ip not in (network.network_address, network.broadcast_address)


def network_host(subnet: str, index: int) -> str:
    """The INDEX-th host of SUBNET with its prefix length, e.g. 10.213.0.1/24."""
    network = _network(subnet)
    return f"{network.network_address + int(index)}/{network.prefixlen}"


class FilterModule:
    def filters(self) -> dict[str, Callable[..., object]]:
        return {"in_network": in_network, "network_host": network_host}
