# The two commands a fresh clone needs: `make demo` and `make test`.
# Everything runs from .venv, which `make venv` builds from pyproject.toml.
SHELL := /bin/bash
VENV := .venv
BIN := $(abspath $(VENV))/bin
# Molecule calls ansible-playbook and ansible-config from PATH.
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(abspath ansible.cfg)

S ?= default

.PHONY: help venv lint unit scenario molecule test test-vm test-faults lab lab-down demo bench clean

help:
	@echo "make demo       set everything up, create a lab machine, run site.yml, print the HTTPS answer"
	@echo "make test       lint, unit tests and every Molecule scenario"
	@echo "make lint       yamllint, ansible-lint, ruff, mypy"
	@echo "make unit       pytest (the toolkit's and the server package's)"
	@echo "make scenario S=NAME   one Molecule scenario (default: $(S))"
	@echo "make test-vm    the Molecule scenario of a qemu VM (slow without KVM)"
	@echo "make test-faults  the fault suite: writes molecule/faults/results.json and the table in docs/faults.md"
	@echo "make lab-down   destroy the lab machines, bridge and NAT rules"
	@echo "make bench      measure serving, replication and provisioning"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml server/pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade 'pip>=25.1'
	$(BIN)/pip install --quiet --disable-pip-version-check --group dev --editable ./server
	# The checkout is the collection plainvm.asgi: its playbooks call its own
	# modules by their full names.
	mkdir -p $(VENV)/ansible_collections/plainvm
	ln -sfn ../../.. $(VENV)/ansible_collections/plainvm/asgi
	touch $@

lint: venv
	yamllint --strict .
	ansible-lint
	ruff check .
	ruff format --check .
	mypy

# One test file per worker: a file's fixtures (one ansible-playbook run for
# many cases) are then made once.
unit: venv
	pytest -q --numprocesses=auto --dist=loadfile

scenario: venv
	molecule test --scenario-name $(S)

# Every scenario but vm (see test-vm).
SCENARIOS := default deploy new fronts fleet

# Each scenario's duration is printed: CI's budget is kept by these figures.
molecule: venv
	set -e; for scenario in $(SCENARIOS); do \
	    start=$$(date +%s); molecule test --scenario-name $$scenario; \
	    echo "scenario $$scenario: $$(( $$(date +%s) - start )) s"; \
	done

test: lint unit molecule

# A qemu VM, under software emulation where KVM cannot run guests: far
# slower than the containers, so not part of `make test` (CI runs it after).
# Run once more when the emulated kernel crashed (see tools/test-vm).
test-vm: venv
	tools/test-vm

# Injects faults under load and rewrites the table in docs/faults.md from what it
# counts; it fails while any fault loses requests, data or the release.
test-faults: venv
	molecule test --scenario-name faults

lab: venv
	ansible-playbook playbooks/lab.yml

lab-down: venv
	ansible-playbook playbooks/lab.yml -e lab__state=absent

demo: venv lab
	ansible-playbook site.yml
	ansible-playbook playbooks/check.yml

# A lab host of its own (bench/inventory), made and removed; about 15 minutes.
bench: venv
	$(BIN)/python bench/bench.py

clean: lab-down
	rm -rf $(VENV) .cache
