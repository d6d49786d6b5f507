"""Load the collection's modules and run them as Ansible would, without a host."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

ROOT = Path(__file__).resolve().parents[1]
# The modules import their helpers by the collection's name, as on a host:
# `make venv` links the checkout as plainvm.asgi in .venv/ansible_collections.
sys.path.insert(0, str(ROOT / ".venv"))


def collection(name: str) -> ModuleType:
    """The collection's plugin NAME, such as `modules.host_state`."""
    return importlib.import_module(f"ansible_collections.plainvm.asgi.plugins.{name}")


def run(
    module: ModuleType,
    args: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    check: bool = False,
) -> dict[str, Any]:
    """The JSON MODULE prints for ARGS, run through AnsibleModule (in check mode with CHECK)."""
    if check:
        args = {**args, "_ansible_check_mode": True}
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result
