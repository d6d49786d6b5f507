"""roles/lab/files/lab-acme: the lab's ACME CA starts, listens only where it is
told, reports what it did, and leaves no process behind when stopped."""

import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAB_ACME = ROOT / "roles/lab/files/lab-acme"

pytestmark = pytest.mark.skipif(
    not (shutil.which("pebble") and shutil.which("pebble-challtestsrv") and shutil.which("ss")),
    reason="needs Debian's pebble package and ss",
)


def run(*args: str) -> str:
    return subprocess.run(
        [str(LAB_ACME), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def listening(pid: int) -> list[str]:
    """Local addresses of the sockets that process pid listens on."""
    out = subprocess.run(
        ["ss", "--listening", "--numeric", "--tcp", "--udp", "--processes", "--no-header"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split()[4] for line in out.splitlines() if f"pid={pid}," in line]


@pytest.fixture
def ca_dir(tmp_path):
    """A directory as the lab role leaves it, for a CA on a loopback address of its own."""
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "1", "-subj", f"/CN={address}",
            "-addext", f"subjectAltName=IP:{address}",
            "-keyout", tmp_path / "directory.key", "-out", tmp_path / "directory.pem",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    config = {
        "pebble": {
            "listenAddress": f"{address}:14000",
            "managementListenAddress": f"{address}:15000",
            "certificate": str(tmp_path / "directory.pem"),
            "privateKey": str(tmp_path / "directory.key"),
            "httpPort": 80,
            "tlsPort": 443,
            "certificateValidityPeriod": 7776000,
        }
    }
    (tmp_path / "pebble.json").write_text(json.dumps(config))
    yield tmp_path, address
    run("stop", str(tmp_path))


def wait_listening(pid: int, count: int) -> list[str]:
    for _ in range(100):
        sockets = listening(pid)
        if len(sockets) >= count:
            return sockets
        time.sleep(0.1)
    return listening(pid)


def test_starts_once_listens_only_on_its_address_and_stops_every_process(ca_dir):
    directory, address = ca_dir
    assert run("start", str(directory), address) == "started"
    assert run("status", str(directory)) == "running"
    assert run("start", str(directory), address) == "running"

    pids = {p: int((directory / f"{p}.pid").read_text()) for p in ("pebble", "pebble-challtestsrv")}
    # Pebble: the ACME directory and the management API; the name server:
    # DNS over TCP and UDP, and its management API.
    assert sorted(wait_listening(pids["pebble"], 2)) == [f"{address}:14000", f"{address}:15000"]
    assert sorted(wait_listening(pids["pebble-challtestsrv"], 3)) == [
        f"{address}:8053",
        f"{address}:8053",
        f"{address}:8055",
    ]

    assert run("stop", str(directory)) == "stopped"
    assert not any(alive(pid) for pid in pids.values())
    assert not list(directory.glob("*.pid"))
    assert run("status", str(directory)) == "absent"
    assert run("stop", str(directory)) == "absent"


def test_stop_leaves_alone_a_process_that_took_over_a_recorded_pid(tmp_path):
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "pebble.pid").write_text(str(other.pid))
        assert run("status", str(tmp_path)) == "absent"
        assert run("stop", str(tmp_path)) == "absent"
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
