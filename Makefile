# One-command set-up and runs. `make run` regenerates every notebook's outputs and figures
# (default profile); `make test` runs the unit tests and nbval (quick profile), offline.
# Python 3.11, 3.12 or 3.13: the first one found (tools/find_python.sh), or PYTHON=/path/to/python3.x.
PYTHON ?= $(shell sh tools/find_python.sh)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbval runs copies of notebooks/ with the exercises solved (tools/sync_notebooks.py --solutions)
NOTEBOOKS ?= build/solutions
# the unit tests that `make test` runs (CI's second Python runs those that depend on the Python version)
TESTS ?= tests

# The AG News sample beside the repository (offline machines, CI); override with
# `make run AG_NEWS_DIR=/path/to/ag_news`, or `make run AG_NEWS_DIR=` to download with tfds.
AG_NEWS_DIR ?= $(if $(wildcard ../shared/data/ag_news/train.csv),../shared/data/ag_news,)
# Relative paths mean what they meant where `make` was typed (kernels start in notebooks/).
override AG_NEWS_DIR := $(if $(AG_NEWS_DIR),$(abspath $(AG_NEWS_DIR)),)
export AG_NEWS_DIR
ifneq ($(LESSON_BERT_DIR),)
export LESSON_BERT_DIR := $(abspath $(LESSON_BERT_DIR))
endif
ifneq ($(LESSON_CACHE_DIR),)
export LESSON_CACHE_DIR := $(abspath $(LESSON_CACHE_DIR))
endif
export TF_USE_LEGACY_KERAS := 1
export PYTHONHASHSEED := 0

.PHONY: setup run test lab bench sync test-colab clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@test -n "$(PYTHON)" || exit 1
	@command -v "$(PYTHON)" >/dev/null || { echo "PYTHON=$(PYTHON) was not found: give a Python 3.11, 3.12 or 3.13 interpreter, or leave PYTHON unset." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else "$(PYTHON) is Python %d.%d: this course needs Python 3.11, 3.12 or 3.13 (make ... PYTHON=/path/to/python3.12)." % v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Execute every notebook (default profile), write outputs and images/, print a summary table.
run: $(STAMP)
	$(BIN)/python -m tools.run_notebooks --profile default

# Unit tests of lesson_utils and nbval over the notebooks (copies with the exercises solved), quick profile,
# inside a network namespace with loopback only (tools/offline.sh; the Python guard in tests/sandbox reports
# any attempt).
test: $(STAMP)
	$(BIN)/python -m tools.sync_notebooks --solutions build/solutions
	LESSON_PROFILE=quick LESSON_ASSETS=offline LESSON_NETWORK_GUARD=1 LESSON_STRICT_CLAIMS=1 \
	PYTHONPATH=tests/sandbox tools/offline.sh \
	$(BIN)/python -m pytest $(TESTS) $(NOTEBOOKS) --nbval-lax --sanitize-with tests/nbval_sanitize.cfg

# Regenerate the notebooks' set-up cells and badges and the package's saved lesson code (tools/sync_notebooks.py).
sync: $(STAMP)
	$(BIN)/python -m tools.sync_notebooks

# Google Colab's stack in .venv-colab (Python 3.13), each notebook's set-up cell run as a student would,
# then every notebook in the quick profile, offline (tools/colab_check.py).
test-colab: $(STAMP)
	$(BIN)/python tools/colab_check.py

# Measure the lessons' speed-ups side by side; writes bench/results.json and the README table.
# Run after `make run` (it reads the default-profile notebook times and metrics from that run).
bench: $(STAMP)
	$(BIN)/python -m tools.bench

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .venv-colab build *.egg-info .pytest_cache
