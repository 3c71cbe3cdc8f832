# Two commands: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit benchmarks clean lock

# Installs exactly what requirements/dev.lock pins (hash-checked), then the project itself.
$(STAMP): requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-pin after changing dependencies in pyproject.toml (needs pip-tools; not part of demo/test).
lock:
	$(PYTHON) -m venv .lock-tools
	.lock-tools/bin/pip install --quiet pip-tools
	.lock-tools/bin/pip-compile -q --strip-extras --generate-hashes --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements/runtime.lock pyproject.toml
	.lock-tools/bin/pip-compile -q --strip-extras --generate-hashes --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --extra dev --extra demo --all-build-deps \
		-o requirements/dev.lock pyproject.toml

demo: $(STAMP)
	$(VENV)/bin/earshot demo

test: $(STAMP)
	$(PY) scripts/ensure_redis.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit -q

benchmarks: $(STAMP)
	$(PY) scripts/ensure_redis.py
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .lock-tools .mypy_cache .pytest_cache .ruff_cache
