import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.network import in_network, network_host


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("10.213.0.10", True),
        ("10.213.0.254", True),
        ("10.213.1.10", False),
        ("10.213.0.0", False),
        ("10.213.0.255", False),
        ("web1.example.org", False),
    ],
)
def test_in_network(address, expected):
    assert in_network(address, "10.213.0.0/24") is expected


def test_network_host():
    assert network_host("10.213.0.0/24", 1) == "10.213.0.1/24"


def test_bad_subnet_names_itself():
    with pytest.raises(AnsibleFilterError, match="10.213.0.1/24"):
        in_network("10.213.0.10", "10.213.0.1/24")
