"""The lab's VM program (roles/lab/files/lab-vm): the KVM probe and the stop.

A stand-in qemu-system-x86_64 on PATH plays each case: a guest whose kernel
boots, KVM failing as it does on some hosts, qemu ending at once. No real VM
runs and nothing needs root.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "roles/lab/files/lab-vm"

# What a Debian kernel says on its serial console when it has booted and
# finds no root file system.
BOOTED = "[    5.83] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"

# The stand-in qemu: writes $FAKE_CONSOLE to the serial file given with
# `-serial file:PATH`, $FAKE_STDERR to stderr, notes its pid, then either
# ends with $FAKE_RC or, with FAKE_HANG=1, waits as qemu does after a KVM
# internal error.
FAKE_QEMU = """#!/bin/bash
echo $$ >> "$FAKE_PIDS"
while (( $# )); do
    if [[ $1 == -serial ]]; then serial=${2#file:}; fi
    shift
done
[[ -n ${FAKE_CONSOLE:-} ]] && printf '%s\\n' "$FAKE_CONSOLE" >> "$serial"
[[ -n ${FAKE_STDERR:-} ]] && printf '%s\\n' "$FAKE_STDERR" >&2
if [[ ${FAKE_HANG:-0} == 1 ]]; then exec sleep 300; fi
exit "${FAKE_RC:-0}"
"""


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    qemu = bin_dir / "qemu-system-x86_64"
    qemu.write_text(FAKE_QEMU)
    qemu.chmod(0o755)
    kvm = tmp_path / "kvm"
    kvm.write_text("")
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_PIDS": str(tmp_path / "pids"),
        "LAB_VM_KVM_DEVICE": str(kvm),
    }


def probe(tmp_path: Path, env: dict[str, str]) -> tuple[str, list[str]]:
    """Run the probe; return its output and the verdict file's lines."""
    verdict = tmp_path / "accel"
    result = subprocess.run(
        [str(SCRIPT), "probe", str(tmp_path / "vmlinuz"), str(verdict)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip(), verdict.read_text().splitlines()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_a_guest_whose_kernel_boots_under_kvm_chooses_kvm(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    out, lines = probe(tmp_path, {**fake, "FAKE_CONSOLE": BOOTED})
    assert out == "kvm"
    assert lines[0] == "kvm"
    assert "booted its kernel under KVM" in lines[1]


def test_a_kvm_internal_error_chooses_software_emulation_and_ends_qemu(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    error = "KVM internal error. Suberror: 1\nemulation failure"
    out, lines = probe(tmp_path, {**fake, "FAKE_STDERR": error, "FAKE_HANG": "1"})
    assert out == "tcg"
    assert lines[0] == "tcg"
    assert "KVM internal error" in lines[1]
    # qemu waits after such an error: the probe must not leave it behind.
    pids = [int(p) for p in Path(fake["FAKE_PIDS"]).read_text().split()]
    assert pids
    assert not any(alive(pid) for pid in pids)


def test_qemu_ending_without_a_booted_guest_chooses_software_emulation(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    stderr = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nAssertion failed."
    out, lines = probe(tmp_path, {**fake, "FAKE_STDERR": stderr, "FAKE_RC": "134"})
    assert out == "tcg"
    # The reason stays on the verdict file's comment line.
    assert len(lines) == 2
    assert lines[1].startswith("# qemu with KVM ended before the test guest booted")
    assert "failed to set MSR" in lines[1]


def test_a_kvm_device_that_is_there_proves_nothing(tmp_path: Path, fake: dict[str, str]) -> None:
    # qemu starts, says nothing and ends: /dev/kvm opened, no guest booted.
    out, lines = probe(tmp_path, fake)
    assert out == "tcg"
    assert lines[0] == "tcg"


def test_no_kvm_device_chooses_software_emulation_without_starting_qemu(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    out, lines = probe(tmp_path, {**fake, "LAB_VM_KVM_DEVICE": str(tmp_path / "absent")})
    assert out == "tcg"
    assert "no usable" in lines[1]
    assert not Path(fake["FAKE_PIDS"]).exists()


def test_stop_kills_the_vm_by_its_pid_file_and_nothing_else(tmp_path: Path) -> None:
    machine = tmp_path / "machine"
    machine.mkdir()
    # A stand-in for the VM's qemu, whose command line names the VM's disk,
    # and another process, whose pid a stale pid file could hold.
    sleeper = ["python3", "-c", "import time; time.sleep(300)"]
    vm = subprocess.Popen([*sleeper, f"{machine}/disk.img"])
    other = subprocess.Popen(sleeper)
    try:
        tap = "labtest-none"
        (machine / "qemu.pid").write_text(f"{other.pid}\n")
        stop = [str(SCRIPT), "stop", str(machine), tap]
        assert run(stop) == "absent"
        assert other.poll() is None

        (machine / "qemu.pid").write_text(f"{vm.pid}\n")
        status = [str(SCRIPT), "status", str(machine)]
        assert run(status) == "running"
        assert run(stop) == "stopped"
        assert vm.wait(timeout=30) == -signal.SIGTERM
        assert other.poll() is None
        assert not (machine / "qemu.pid").exists()
        assert run(status) == "absent"
    finally:
        for process in (vm, other):
            process.kill()
            process.wait()


def run(argv: list[str]) -> str:
    return subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
