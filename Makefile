# Two commands do everything, on a fresh machine with only Python 3.11 and pip:
#   make book   build the HTML book into _build/html
#   make test   run every check (unit, data, notebook pairs, nbval, strict build, HTML)
# Also: make pdf (the whole book as one PDF), make serve (live preview while editing), make bench (build timings into bench/results.md), make data (validate the data, register
# respondent-level files, report what is registered), make clean.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help book test check lint format data rehash pdf serve bench clean section variants

# `make help` lists every target with the text after its `##`
help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/^([a-z]+):.*## (.*)/  make \1\t\2/' | expand -t 18

# $(call literal,NAME): the make variable NAME as one shell word, its text unexpanded by make and the shell
literal = '$(subst ','\'',$(value $(1)))'

# The environment is (re)built whenever the pins change.
$(STAMP): requirements.lock pyproject.toml
	@echo "[setup] creating $(VENV) with $(PYTHON) and installing pinned dependencies (a few minutes the first time) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, {sys.version.split()[0]} found: set PYTHON=/path/to/python3.11"'
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)
	@echo "[setup] done"

# make book [TIMEOUT=<seconds a cell may run, default 600>] [FULL=1]
# (kzopinion.book.build: answers "up to date" from kzopinion.book.stamps in under a second; FULL=1 checks everything)
book: $(STAMP) ## build the HTML book into _build/html (FULL=1 checks everything again)
	@$(PY) -m kzopinion.book.build $(if $(FULL),--full="$(FULL)") $(if $(TIMEOUT),--timeout "$(TIMEOUT)")

# on every core, in the order tests/conftest.py sorts them: a module's tests, and the tests over the repository's own
# book, each in one worker
test: $(STAMP) lint ## every check, as CI runs it (lint, unit, data, nbval, build, HTML, PDF, browser)
	@$(PY) -m pytest -n auto --dist loadscope --no-loadscope-reorder --durations=20

# ruff (lint and format) over the package, the tests and the bench; the rooms' import contracts
# ([tool.importlinter] in pyproject.toml); ruff over the code cells of the notebook sources (nbqa); the CI
# workflows against the GitHub workflow schema (check-jsonschema's copy: no network); the archive metadata
# (.zenodo.json) against the schema committed in src/kzopinion/book/schemas/, then against CITATION.cff
lint: $(STAMP) ## ruff (lint and format), import-linter's room contracts, nbqa, the CI workflows, .zenodo.json
	@$(VENV)/bin/ruff check src tests bench
	@$(VENV)/bin/ruff format --check --quiet src tests bench
	@$(VENV)/bin/lint-imports --no-cache --no-logo
	@$(VENV)/bin/nbqa ruff notebooks/[0-9]*.md
	@$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@$(VENV)/bin/check-jsonschema --schemafile=src/kzopinion/book/schemas/zenodo.schema.json .zenodo.json
	@$(PY) -m kzopinion.book.archive

# the fast tier: unit and data tests, no book build, no notebook execution (seconds)
check: $(STAMP) ## the fast tier: unit and data tests, nothing built or executed
	@$(PY) -m pytest -q -m "not slow" -n auto --dist loadscope tests

format: $(STAMP) ## apply ruff's formatting to the package, the tests and the bench
	@$(VENV)/bin/ruff format --quiet src tests bench

bench: $(STAMP) ## time the build and the fast tier into bench/results.md
	@$(PY) bench/run.py

pdf: $(STAMP) ## the whole book as one PDF (_build/pdf/book.pdf)
	@$(if $(TIMEOUT),KZOPINION_CELL_TIMEOUT="$(TIMEOUT)") $(PY) -m kzopinion.book.pdf

# make serve [PORT=8000]: live preview, rebuilt and reloaded when a source is saved
serve: $(STAMP) ## live preview on http://127.0.0.1:8000, rebuilt on save (PORT=...)
	@$(PY) -m kzopinion.book.serve $(if $(PORT),--port $(call literal,PORT))

# make data [CAB_DIR=<folder of CAB zips>] [GALLUP_DIR=<folder>] [WVS_FILE=<file>]
data: $(STAMP) ## validate the data; register microdata (CAB_DIR=, GALLUP_DIR=, WVS_FILE=, FORGET=)
	@$(PY) -m kzopinion.data check
	@$(PY) -m kzopinion.data.microdata $(if $(FORGET),--forget "$(FORGET)") $(if $(CAB_DIR),--cab-dir "$(CAB_DIR)") $(if $(GALLUP_DIR),--gallup-dir "$(GALLUP_DIR)") $(if $(WVS_FILE),--wvs-file "$(WVS_FILE)")

# make rehash TABLE=claims: after a reviewed edit of a table, record its new checksum (TABLE names one or more)
rehash: $(STAMP) ## record the checksum of an edited table: TABLE=claims (names in data/datapackage.json)
	@$(if $(TABLE),,echo "[data] say which table: make rehash TABLE=claims (its name in data/datapackage.json)" >&2; exit 2)
	@$(PY) -m kzopinion.data rehash $(TABLE)

# every chapter once per alternative analytic choice (data/coding/analysis_variants.csv), into _build/variants/
variants: $(STAMP) ## every chapter once per alternative analytic choice, into _build/variants/
	@$(PY) -m kzopinion.book.variants

# make section SLUG=media-use TITLE="Media use and views of the US" PREFIX=mu  (see CONTRIBUTING.md)
# The arguments reach Python literally: $, backticks and quotes are neither expanded nor executed.
section: $(STAMP) ## scaffold a section: SLUG=media-use TITLE="..." PREFIX=mu (CONTRIBUTING.md)
	@$(PY) -m kzopinion.book.scaffold $(call literal,SLUG) $(call literal,TITLE) --prefix $(call literal,PREFIX)

# everything the build wrote, under the build lock (refused while a build runs); runs without the environment too
clean: ## remove everything the build wrote (refused while a build runs)
	@PYTHONPATH=src $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m kzopinion.book.build --clean
