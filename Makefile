# logmesh — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# native extensions (Rust, built by maturin from PyPI with the machine's cargo) install before the services that pin them
NATIVE := $(patsubst %/pyproject.toml,%,$(wildcard services/*/native/pyproject.toml))
PACKAGES := contracts[asyncapi] services/common[test] $(NATIVE) $(sort $(patsubst %/pyproject.toml,%[test],$(filter-out services/common/pyproject.toml,$(wildcard services/*/pyproject.toml))))
STAMP := $(VENV)/.installed
DEV_TOOLS := ruff==0.17.5 mypy==2.4.1 types-PyYAML==6.0.12.20261122 uv==0.13.9

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): Makefile contracts/pyproject.toml $(wildcard services/*/pyproject.toml services/*/native/pyproject.toml services/*/native/Cargo.* services/*/native/src/*.rs)
	@command -v cargo >/dev/null || { echo "make install builds the native extensions (the runtime, template-matching, ingestion) and needs Rust's cargo (>= 1.78): install it with rustup (https://rustup.rs), then re-run"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(foreach p,$(PACKAGES),-e '$(p)') $(DEV_TOOLS)
	touch $(STAMP)

install: $(STAMP) ## create .venv with every package (editable) and test tools

# openjdk-17 + maven: the real Apache Kafka tier (deploy/kafka); prometheus: promtool checks the alert rules
DEBIAN_PACKAGES := prometheus-alertmanager docker-compose rsyslog rsyslog-kafka chromium openjdk-17-jre-headless maven prometheus

system-deps: ## install the Debian packages tests drive for real (Alertmanager, compose validator, rsyslog+omkafka, Chromium for the console, JDK+Maven for Kafka, promtool)
	@command -v prometheus-alertmanager >/dev/null && command -v docker-compose >/dev/null && \
	  command -v chromium >/dev/null && ls /usr/lib/*/rsyslog/omkafka.so >/dev/null 2>&1 && \
	  command -v java >/dev/null && command -v mvn >/dev/null && command -v promtool >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; fi; }

run: install ## bring up the whole mesh on embedded defaults and feed the demo scenario through it
	$(VENV)/bin/logmesh up --demo

up: install ## bring up the whole mesh on embedded defaults and keep it running
	$(VENV)/bin/logmesh up

test: install system-deps ## install everything and run the whole test suite
	$(VENV)/bin/pytest

# the broker contract: the same tests pass on Tansu (make test) and on Apache Kafka (make test-kafka)
BROKER_CONTRACT_TESTS := services/common/tests/test_delivery.py services/ingestion/tests/test_kafka_path.py \
	services/llm-analysis/tests/test_replicas.py services/template-matching/tests/test_delivery.py

test-kafka: install system-deps ## real-Kafka tier: 3 Apache Kafka brokers from Maven Central (no Docker): failover, SASL_SSL, rebalance, broker contract
	$(PY) deploy/kafka/cluster.py fetch
	LOGMESH_REQUIRE_KAFKA=1 LOGMESH_KAFKA_TIER=full $(VENV)/bin/pytest tests/kafka
	$(PY) deploy/kafka/cluster.py run -- $(VENV)/bin/pytest -m broker $(BROKER_CONTRACT_TESTS)

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

lock: install ## re-resolve uv.lock (the whole workspace's dependency tree) after a pin changes
	$(VENV)/bin/uv lock --python 3.11

lock-check: install ## fail when uv.lock is out of date with the pyproject.toml files
	$(VENV)/bin/uv lock --check --python 3.11

LLM_VENV ?= .venv-llm
LLM_MODEL ?= smollm2
LLM_WHEELS ?= $(HOME)/.cache/logmesh/wheels

bench-llm: install ## the LLM tier with a real CPU model (LLM_MODEL=smollm2|gemma3-270m; first run compiles llama.cpp)
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	mkdir -p $(LLM_WHEELS)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$${CMAKE_BUILD_PARALLEL_LEVEL:-1} \
	  $(LLM_VENV)/bin/pip install --quiet --find-links $(LLM_WHEELS) -r bench/requirements-llm.txt
	$(PY) bench/llm_eval_model.py --model $(LLM_MODEL) --llama-python $(LLM_VENV)/bin/python

clean: ## remove the virtualenv and local state
	rm -rf $(VENV) .logmesh

.PHONY: help install system-deps run up test test-kafka lint schemas lock lock-check clean bench-llm
