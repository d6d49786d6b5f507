import pytest

from plugins.test.network import ipv4_address, ipv4_endpoint, ipv4_network


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.5", True),
        ("0.0.0.0", True),
        ("255.255.255.255", True),
        ("999.1.1.1", False),
        ("256.0.0.1", False),
        ("010.0.0.1", False),
        ("10.0.0", False),
        ("10.0.0.5 ", False),
        ("10.0.0.5\n", False),
        ("10.0.0.5/32", False),
        ("::1", False),
        ("", False),
        (None, False),
        (167772165, False),
    ],
)
def test_ipv4_address(value, expected):
    assert ipv4_address(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.5", True),
        ("10.0.0.0/24", True),
        ("10.0.0.5/32", True),
        ("0.0.0.0/0", True),
        # A host's address with its prefix: nft takes it as the network.
        ("10.0.0.5/24", True),
        ("10.0.0.0/33", False),
        ("999.1.1.1/8", False),
        ("10.0.0.0/", False),
        ("10.0.0.0/024", False),
        ("10.0.0.0/255.255.255.0", False),
        ("10.0.0.0/24\n", False),
    ],
)
def test_ipv4_network(value, expected):
    assert ipv4_network(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.11:8000", True),
        ("10.0.0.11:1", True),
        ("10.0.0.11:65535", True),
        ("10.0.0.11:0", False),
        ("10.0.0.11:65536", False),
        ("10.0.0.11:08000", False),
        ("999.1.1.1:8000", False),
        ("10.0.0.11", False),
        ("10.0.0.11:80:80", False),
        ("10.0.0.11:+80", False),
        ("10.0.0.11:8000\n", False),
        ("shop.example.org:8000", False),
    ],
)
def test_ipv4_endpoint(value, expected):
    assert ipv4_endpoint(value) is expected
