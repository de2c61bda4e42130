# Talon Desk. The two commands of the README:
#   make run    the console and the sandbox (Talon.One emulator) with demo data on 127.0.0.1
#   make test   the whole test suite
#   make check  the linter and the quick tier, for every change (no long matrices, no browser)
# Both create .venv on first use, and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
SANDBOX_PORT ?= 9100
# Tests run in parallel processes (pytest-xdist), one per core by default, each with its own
# sandbox, console apps and databases; PYTEST_WORKERS=N sets how many.
# Their temporary files (the consoles' SQLite databases among them) sit on tmpfs where there is
# one: on a busy disk SQLite's sync at each commit was a third of what a login cost.
TEST_TMPDIR ?= $(if $(wildcard /dev/shm/.),/dev/shm)
# Test processes keep their compiled modules (__pycache__, gitignored) even where the environment
# sets PYTHONDONTWRITEBYTECODE: each worker imports app/, sandbox/ and tests/ and pytest rewrites
# the asserts of ~150 test modules, ~6 s of CPU a worker at collection when nothing is kept
# (make check's collection: 11.3/13.3 s -> 5.6/5.8 s of CPU once the first run has kept them).
TEST_ENV = PYTHONDONTWRITEBYTECODE= $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR))

.PHONY: run test check lint parity bench venv permissions clean

venv: $(STAMP)

# Debian's python3 lacks the venv module until python3-venv is installed; as root we install it.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Talon Desk needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	@if [ ! -x $(BIN)/python ]; then \
		$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
			rm -rf $(VENV); \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
				echo "installing python3-venv with apt-get"; \
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
				&& $(PYTHON) -m venv $(VENV); \
			else \
				echo "cannot create $(VENV): install python3-venv (apt-get install python3-venv)"; exit 1; \
			fi; }; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,scale,bench]'
	@touch $@

run: $(STAMP)
	$(BIN)/python scripts/run_demo.py --host $(HOST) --port $(PORT) --sandbox-port $(SANDBOX_PORT)

test: $(STAMP)
	$(TEST_ENV) scripts/run_tests.sh $(PYTEST_ARGS)

# The linter (ruff, rules in pyproject.toml), then everything but the long generated matrices
# (`slow`: faults, bad-input fuzz, contract fuzz, the property run) and the browser tests
# (`e2e`), which `make test` runs: --quick is -m "not slow and not e2e" without collecting the
# slow paths (tests/support/tiers.py).
check: lint
	$(TEST_ENV) $(BIN)/pytest -n $(or $(PYTEST_WORKERS),auto) --dist loadgroup --quick $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# The parity suite against a real Talon.One test Application (README, "Parity with Talon.One"):
# needs TALON_PARITY_BASE_URL, TALON_PARITY_INTEGRATION_KEY and TALON_PARITY_MANAGEMENT_KEY.
parity: $(STAMP)
	@test -n "$$TALON_PARITY_BASE_URL" || { echo "set TALON_PARITY_BASE_URL and the keys (README, Parity with Talon.One)"; exit 2; }
	$(BIN)/pytest tests/parity -rs $(PYTEST_ARGS)

# Benchmarks never run in `make test`. Issue 8's three, in one sitting; results in bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The permission table for the README, printed from app/permissions.py.
permissions: $(STAMP)
	@$(BIN)/python -m app.permissions

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

# Several console instances sharing PostgreSQL and Redis (README, "Operating Talon Desk"):
# installs both from Debian's packages when missing, runs them on loopback ports with throwaway
# data, and runs tests/scale against two gunicorn instances (Procfile) and one sandbox.
.PHONY: test-scale
test-scale: $(STAMP)
	scripts/scale/test.sh $(PYTEST_ARGS)
