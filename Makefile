# Two entry points on a fresh machine (Python 3.11 + pip): `make demo` and `make test`.
PY ?= python3
SHARED ?= ../shared
DB ?= pantau-demo.duckdb

.PHONY: install demo test lint models teacher bench event-model

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

# the teacher parser ensemble for up-training (needs PyTorch): TEACHER_DEVICE=cuda on a GPU machine takes
# about 6 minutes; on a CPU it takes many hours
TEACHER_DEVICE ?= cpu

teacher: install
	$(PY) -m pip install -q -e '.[train,teacher]'
	$(PY) scripts/teacher_parser.py export --shared $(SHARED)
	$(PY) scripts/teacher_parser.py train --device $(TEACHER_DEVICE)

models: install
	$(PY) -m pip install -q -e '.[train]'
	test -f training/teacher/out/silver.jsonl.gz || $(MAKE) teacher
	$(PY) scripts/train_nlp.py --shared $(SHARED) --silver training/teacher --parser-steps 16000

# the learned event coder (pantau/events/model/data/events.npz): 5-fold CV table, then trains on all of
# shared/eval/gold/train.jsonl and ships; a few minutes on a CPU
event-model: install
	$(PY) scripts/train_events.py --shared $(SHARED) --ship

bench: install
	$(PY) scripts/bench.py --shared $(SHARED)
