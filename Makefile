# One-command set-up and runs. `make run` regenerates every notebook's outputs and
# figures (default profile); `make test` runs the unit tests and nbval (quick profile).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The AG News sample beside the repository (offline machines, CI); override with
# `make run AG_NEWS_DIR=/path/to/ag_news`, or `make run AG_NEWS_DIR=` to download with tfds.
AG_NEWS_DIR ?= $(if $(wildcard ../shared/data/ag_news/train.csv),$(abspath ../shared/data/ag_news),)
export AG_NEWS_DIR
export TF_USE_LEGACY_KERAS := 1
export PYTHONHASHSEED := 0

.PHONY: setup run test unit nbval lab bench clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Execute every notebook (default profile), write outputs and images/, print a summary table.
run: $(STAMP)
	$(BIN)/python -m lesson_utils.run_notebooks --profile default

# Unit tests of lesson_utils and nbval over every notebook, quick profile, offline.
test: $(STAMP)
	LESSON_PROFILE=quick LESSON_ASSETS=offline LESSON_NETWORK_GUARD=1 \
	$(BIN)/python -m pytest tests notebooks --nbval-lax --sanitize-with tests/nbval_sanitize.cfg

# Measure the lessons' speed-ups side by side; writes bench/results.json and the README table.
# Run after `make run` (it reads the default-profile notebook times and metrics from that run).
bench: $(STAMP)
	$(BIN)/python -m lesson_utils.bench

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
