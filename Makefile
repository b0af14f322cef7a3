PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

CHAIN_FIXTURES := tests/chain/fixtures
ANVIL := $(CHAIN_FIXTURES)/node_modules/.bin/anvil

.PHONY: install run test lint typecheck unit bench clean chain-tools browser messages

install: $(STAMP)

# pip is upgraded first (the pip 23.2 of a fresh venv fails to resolve this stack), and the
# CPU build of torch is pinned before sentence-transformers can pull CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[dev,server,finetune]'
	touch $(STAMP)

run: install
	$(BIN)/cryptorag serve --seed-sample

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# anvil (the test chain), solc-js and OpenZeppelin, pinned by the fixtures' package-lock.json.
# `npm install`, not `npm ci`: the lock lists anvil's binaries for every platform as optional
# packages, and `npm ci` fails where the registry lacks the other platforms' ones.
chain-tools: $(ANVIL)

$(ANVIL): $(CHAIN_FIXTURES)/package-lock.json
	npm install --prefix $(CHAIN_FIXTURES) --no-audit --no-fund
	touch $(ANVIL)

# Debian's chromium for the chat page's browser tests (Playwright drives it; Playwright's own
# browser download is not used), with an emoji font so the 👍/👎 buttons show in screenshots.
# sudo only when not root.
browser:
	@{ test -x /usr/bin/chromium && test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf; } || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y chromium fonts-noto-color-emoji; }

# The service's own words: extract every message from the code, the page and the prompts people
# read (app/i18n/babel.cfg) and merge them into each language's .po; then translate what is new
# or marked fuzzy (tests/i18n/test_catalog.py fails until every message is translated).
messages: install
	$(BIN)/pybabel extract -F app/i18n/babel.cfg -o app/i18n/locale/messages.pot \
		--no-wrap --sort-by-file --omit-header --project cryptorag .
	$(BIN)/pybabel update -i app/i18n/locale/messages.pot -d app/i18n/locale -D messages \
		-l zh_Hans --no-wrap --ignore-obsolete

# Everything, with the slowest tests listed at the end, on WORKERS pytest-xdist processes: the
# suite waits on `cryptorag` processes, anvil and chromium much of the time. Each worker loads
# the model; the ingested stores are built once for all (tests/support/shared.py). --dist
# loadfile keeps a module on one worker, so its module fixtures are built once.
WORKERS ?= 2
test: lint typecheck chain-tools browser
	$(BIN)/pytest -q -n $(WORKERS) --dist loadfile --durations=15

# The unit tests alone: no embedding model, anvil, chromium, PostgreSQL, Redis or `cryptorag`
# process (a test that needs one is marked integration; tests/support/integration.py).
unit: install
	$(BIN)/pytest -q -m "not integration"

bench: install chain-tools
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.chat
	$(BIN)/python -m bench.retrieval
	$(BIN)/python -m bench.load --seconds 15 --floor
	$(BIN)/python -m bench.load --seconds 15 --mode extractive --floor
	$(BIN)/python -m bench.contracts
	$(BIN)/python -m bench.guard
	$(BIN)/python -m bench.attacks
	$(BIN)/python -m bench.answers --requests 60
	$(BIN)/python -m bench.embeddings --chunks 300
	$(BIN)/python -m bench.ingest_large --mb 1
	$(BIN)/python -m bench.scale --points 10000
	$(BIN)/python -m bench.dataset
	$(BIN)/python -m bench.finetune
	$(BIN)/python -m bench.gpu

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(CHAIN_FIXTURES)/node_modules
