# Two entry points, each self-sufficient on a fresh clone: `make main` and `make test`.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# Named by pyproject.toml's content, not its mtime: nbdev-export rewrites the file without changing it.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: main continuous render test install sync-check readme bench

# (Re)create the environment when it is missing or pyproject.toml's content changed.
$(STAMP):
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[train,dev,scale]"
	@# librosa's numba code, compiled once before tests start processes in parallel (numba/numba#10128; see 02_audio)
	$(BIN)/python -c "from gunshot_fastai.audio import compile_librosa; compile_librosa()"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# The main job: fine-tune the AudioSet network into a gunshot detector on the default data root (models/detect.pkl),
# store its FNR ≤ 1 % threshold from its validation fold, predict a gunshot from that fold, which it never trained on,
# and compare the fold's figures with the committed reference (results/detect/main.json, 20b_guard): exit 1 if the
# detector is worse than the reference beyond the run-to-run spread measured for it, or if re-encoding the fold's
# clips in the other codec (FLAC <-> Opus) flips more decisions or moves a probability further than its limits allow
# (guard.CODEC_LIMITS). Each phase says what it does and
# how long it took; the README gives the duration measured on an idle 2-core CPU.
VALID_GUNSHOT = $(BIN)/python -c "from gunshot_fastai.data import task_frame; d = task_frame('detect'); \
	print(d[(d.fold == 1) & (d.label == 'gunshot')].path.iloc[0])" | tail -n 1
main: $(STAMP)
	@start=$$(date +%s); \
	echo "== 1/4 train: mn04 from AudioSet, fine-tuned on detect (features, probe head, three stages at detection's fixed rates, clips under recording conditions, the network answering beside its probe, export)"; \
	$(BIN)/gunshot-train --task detect --arch mn04 --weights audioset --epochs 6 --out models/detect.pkl || exit $$?; \
	t1=$$(date +%s); echo "== 1/4 train: done in $$((t1 - start)) s"; \
	echo "== 2/4 evaluate on fold 1, store the FNR <= 1 % threshold, score the fold re-encoded in the other codec -> models/detect-eval/"; \
	$(BIN)/gunshot-evaluate --model models/detect.pkl --out models/detect-eval --save-threshold --conditions other_codec > models/detect-eval.txt || exit $$?; \
	grep -E "^stored threshold|^ *(condition|original|other_codec) " models/detect-eval.txt; \
	t2=$$(date +%s); echo "== 2/4 evaluate: done in $$((t2 - t1)) s"; \
	echo "== 3/4 predict a held-out gunshot"; \
	$(BIN)/gunshot-predict --model models/detect.pkl --json "$$($(VALID_GUNSHOT))" || exit $$?; \
	echo "== 4/4 compare with the reference (results/detect/main.json)"; \
	$(BIN)/gunshot-compare models/detect-eval/metrics.json --reference results/detect/main.json --conditions models/detect-eval/conditions.json || exit $$?; \
	echo "== make main: done in $$(($$(date +%s) - start)) s"

# The detector for listening (gunshot-listen, gunshot-scan): mn04 from AudioSet fine-tuned on stream-like windows, real shots
# and other sounds at random places and levels over real backgrounds (20a_continuous), with a listening threshold chosen by
# listening to mixtures of its training folds -> models/continuous.pkl. Measured: see README.
continuous: $(STAMP)
	$(BIN)/gunshot-train --task continuous --arch mn04 --weights audioset --epochs 6 --out models/continuous.pkl

# Compute the features of every clip under the data root into data/features/ (what training reads).
render: $(STAMP)
	$(BIN)/gunshot-render "$$($(BIN)/python -c 'from gunshot_fastai.core import data_root; print(data_root())')" --out data/features

# Every test: the notebooks (nbdev-test, each notebook named as it finishes, with its time) and the pytest suite (CLIs,
# subprocesses, hostile input, real-data integration). No thread settings: tests run as users run the code.
test: $(STAMP)
	$(BIN)/nbdev-test --do-print --timing
	$(BIN)/pytest -q --durations=15

# README.md from nbs/index.ipynb, run first so that its results tables are regenerated from results/.
readme: $(STAMP)
	$(BIN)/python tools/make_readme.py --execute

# Fails if the notebooks are not clean, the library or README is out of sync with them (the README's results tables
# regenerated from results/), or the library uses a name its notebook only defined in a test cell (pyflakes on the
# generated modules).
sync-check: $(STAMP)
	$(BIN)/nbdev-clean
	$(BIN)/nbdev-export
	$(BIN)/python tools/make_readme.py --execute
	$(BIN)/python -m pyflakes gunshot_fastai tests tools
	@changed=$$(git status --porcelain -- nbs gunshot_fastai README.md); \
	if [ -n "$$changed" ]; then \
	  echo "Out of sync: nbdev-clean / nbdev-export / tools/make_readme.py changed these files:"; echo "$$changed"; \
	  git --no-pager diff --stat -- nbs gunshot_fastai README.md; exit 1; \
	fi; echo "notebooks clean; library and README in sync"

# Speed and memory on this machine -> BENCHMARKS.md. A runtime-only environment (.venv-runtime: `pip install .`, no
# extras, no torch) is made first, for the installed-size comparison. Listening compares models/continuous.pkl (make
# continuous), when there is one, with the clip detector.
bench: $(STAMP)
	@test -x .venv-runtime/bin/python || (python3 -m venv .venv-runtime && .venv-runtime/bin/pip install --quiet .)
	$(BIN)/gunshot-bench --runtime-env .venv-runtime $$(test -f models/detect.pkl && echo --model models/detect.pkl) \
	  $$(test -f models/detect.pkl && test -f models/continuous.pkl && echo --listen-model models/continuous.pkl)
