# logmesh — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PACKAGES := contracts[asyncapi] services/common[test] $(sort $(patsubst %/pyproject.toml,%[test],$(filter-out services/common/pyproject.toml,$(wildcard services/*/pyproject.toml))))
STAMP := $(VENV)/.installed
DEV_TOOLS := ruff==0.17.5 mypy==2.4.1 types-PyYAML==6.0.12.20261122

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): Makefile contracts/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(foreach p,$(PACKAGES),-e '$(p)') $(DEV_TOOLS)
	touch $(STAMP)

install: $(STAMP) ## create .venv with every package (editable) and test tools

DEBIAN_PACKAGES := prometheus-alertmanager docker-compose rsyslog rsyslog-kafka chromium

system-deps: ## install the Debian packages tests drive for real (Alertmanager, compose validator, rsyslog+omkafka, Chromium for the console)
	@command -v prometheus-alertmanager >/dev/null && command -v docker-compose >/dev/null && \
	  command -v chromium >/dev/null && ls /usr/lib/*/rsyslog/omkafka.so >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; fi; }

run: install ## bring up the whole mesh on embedded defaults and feed the demo scenario through it
	$(VENV)/bin/logmesh up --demo

up: install ## bring up the whole mesh on embedded defaults and keep it running
	$(VENV)/bin/logmesh up

test: install system-deps ## install everything and run the whole test suite
	$(VENV)/bin/pytest

lint: install ## ruff, the mypy type check and the contract/schema drift checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m logmesh_contracts.schemas check
	$(PY) -m logmesh_contracts.asyncapi check
	$(PY) deploy/tools/openapi.py check

schemas: install ## regenerate committed JSON Schemas, examples, the AsyncAPI and OpenAPI documents
	$(PY) -m logmesh_contracts.schemas export
	$(PY) -m logmesh_contracts.asyncapi export
	$(PY) deploy/tools/openapi.py export

clean: ## remove the virtualenv and local state
	rm -rf $(VENV) .logmesh

.PHONY: help install system-deps run up test lint schemas clean
