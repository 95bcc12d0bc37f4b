# Two commands run the product: `make demo` and `make test`. Everything else is a step of those.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install migrate seed serve lint clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py ensure_demo_login

serve: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/uvicorn billing_admin.asgi:application --host 127.0.0.1 --port 8000

demo: seed serve
# The demo is local and plain HTTP: development mode (a built-in key, no HTTPS redirect) unless the
# environment says otherwise. Production sets DEBUG=false and SECRET_KEY (README, "Deployment").
demo seed serve: export DEBUG ?= true

# Two workers: the suite is mostly waiting on databases, live servers and Chromium.
# PYTEST_ARGS= (empty) runs it in one process.
PYTEST_ARGS ?= -n 2

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: migrate
	$(BIN)/python -m bench $(BENCH_ARGS)
# Benchmarks measure production settings (DEBUG off) over plain HTTP on loopback, with a throwaway key.
bench: export SECRET_KEY ?= bench-only-key-never-used-to-sign-anything-real-0123456789
bench: export SECURE_SSL_REDIRECT ?= false

# Lint, formatting and types; CI runs this before the tests. Settings load with DEBUG on (no SECRET_KEY needed).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy billing_admin dashboard mcp_bridge

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
