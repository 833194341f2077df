# Two entry points on a fresh machine (Python 3.11 + pip): `make demo` and `make test`.
PY ?= python3
SHARED ?= ../shared
DB ?= pantau-demo.duckdb

.PHONY: install demo test lint models bench

install:
	$(PY) -m pip install -q -e '.[dev]'

demo: install
	rm -f $(DB)
	pantau ingest --db $(DB) $(SHARED)/seeds/seeds.jsonl
	pantau summary --db $(DB)
	pantau stories --db $(DB)
	pantau alerts --db $(DB)

test: install
	$(PY) -m ruff check pantau tests scripts
	$(PY) -m pytest -q

models: install
	$(PY) -m pip install -q -e '.[train]'
	$(PY) scripts/train_nlp.py --shared $(SHARED)

bench: install
	$(PY) scripts/bench.py --shared $(SHARED)
