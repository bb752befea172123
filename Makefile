# Two entry points, each self-sufficient on a fresh clone: `make main` and `make test`.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# Named by pyproject.toml's content, not its mtime: nbdev-export rewrites the file without changing it.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: main render test install sync-check readme bench

# (Re)create the environment when it is missing or pyproject.toml's content changed.
$(STAMP):
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# The main job: train the detector on the default data root (models/detect.pkl), then predict a gunshot clip from
# its validation fold, which it never trained on.
VALID_GUNSHOT = $(BIN)/python -c "from gunshot_fastai.data import task_frame; d = task_frame('detect'); \
	print(d[(d.fold == 1) & (d.label == 'gunshot')].path.iloc[0])" | tail -n 1
main: $(STAMP)
	$(BIN)/gunshot-train --task detect --out models/detect.pkl
	$(BIN)/gunshot-predict --model models/detect.pkl --json "$$($(VALID_GUNSHOT))"

# Compute the features of every clip under the data root into data/features/ (what training reads).
render: $(STAMP)
	$(BIN)/gunshot-render "$$($(BIN)/python -c 'from gunshot_fastai.core import data_root; print(data_root())')" --out data/features

# Every test: the notebooks (nbdev-test) and the pytest suite (CLIs, subprocesses, real-data integration).
# One OpenMP/BLAS thread per process: nbdev-test runs two notebooks at once (one per core), and a process that has
# started an OpenMP thread pool and then forks (the renderer's workers) can segfault in the child (seen once in CI).
test: export OMP_NUM_THREADS = 1
test: export MKL_NUM_THREADS = 1
test: export OPENBLAS_NUM_THREADS = 1
test: $(STAMP)
	$(BIN)/nbdev-test
	$(BIN)/pytest -q

readme: $(STAMP)
	$(BIN)/python tools/make_readme.py

# Fails if the notebooks are not clean, the library or README is out of sync with them, or the library uses a
# name its notebook only defined in a test cell (pyflakes on the generated modules).
sync-check: $(STAMP)
	$(BIN)/nbdev-clean
	$(BIN)/nbdev-export
	$(BIN)/python tools/make_readme.py
	$(BIN)/python -m pyflakes gunshot_fastai tests tools
	@changed=$$(git status --porcelain -- nbs gunshot_fastai README.md); \
	if [ -n "$$changed" ]; then \
	  echo "Out of sync: nbdev-clean / nbdev-export / tools/make_readme.py changed these files:"; echo "$$changed"; \
	  git --no-pager diff --stat -- nbs gunshot_fastai README.md; exit 1; \
	fi; echo "notebooks clean; library and README in sync"

# Speed and memory on this machine (rendering, training steps, inference, scanning, serving) → BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/gunshot-bench $$(test -f models/detect.pkl && echo --model models/detect.pkl)
