# IdeaSpace: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# setuptools explains editable installs to every new user on each install; we know.
PIP    := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip
export FLASK_APP := ideaspace

.PHONY: run test install install-test translations messages browsers pdf-libraries voikko render-programme serve serve-events bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(PIP) install --quiet -e .
	$(MAKE) --no-print-directory translations

install-test: $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	$(MAKE) --no-print-directory translations

translations:
	@$(BIN)/pybabel compile -d ideaspace/translations >/dev/null 2>&1

## messages: extract the strings and update the fi, sv and en catalogues
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o ideaspace/translations/messages.pot .
	$(BIN)/pybabel update -i ideaspace/translations/messages.pot -d ideaspace/translations --no-fuzzy-matching

## run: install, migrate SQLite under instance/, load the demo once, serve on http://127.0.0.1:5000
run: install pdf-libraries voikko
	$(BIN)/ideaspace init-db
	$(BIN)/ideaspace demo
	$(BIN)/ideaspace reindex --missing
	OUTBOX_WORKER=inline $(BIN)/flask run --host 127.0.0.1 --port 5000

## test: install everything the suite needs (Chromium too, where possible) and run it
test: install-test browsers pdf-libraries voikko
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

## browsers: Debian's Chromium for the browser tests (as root through apt; otherwise say what to install)
browsers:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "NOTE: Chromium is not installed, so the browser tests will be skipped."; \
		echo "      Install it with: sudo apt-get install -y chromium"; \
	fi

## pdf-libraries: Debian's Pango and a font for the PDF export (WeasyPrint), as root through apt;
## otherwise say what to install (without them the app runs, with no PDF in the Download menu)
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdf-libraries:
	@if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Pango for the PDF export (apt-get install $(PDF_PACKAGES))"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	else \
		echo "NOTE: Pango is not installed, so there is no PDF export (the Download menu leaves it out)."; \
		echo "      Install it with: sudo apt-get install -y $(PDF_PACKAGES)"; \
	fi

## voikko: Debian's Voikko and its Finnish dictionary for Finnish base forms and compound parts
## (ideaspace/text), as root through apt; otherwise say what to install (without them Finnish falls
## back to Snowball's much weaker stemmer: `ideaspace doctor` says which analysers are active)
VOIKKO_PACKAGES := libvoikko1 voikko-fi
voikko:
	@if ldconfig -p 2>/dev/null | grep -q 'libvoikko.so.1' && [ -e /usr/lib/voikko/5/mor-standard/mor.vfst ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Voikko for Finnish search and word clouds (apt-get install $(VOIKKO_PACKAGES))"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(VOIKKO_PACKAGES) >/dev/null; \
	else \
		echo "NOTE: Voikko is not installed, so Finnish is analysed with Snowball's stemmer (no base forms,"; \
		echo "      no compound parts: 'perehdytys' does not find 'perehdytysalustan'; the Voikko tests are skipped)."; \
		echo "      Install it with: sudo apt-get install -y $(VOIKKO_PACKAGES)"; \
	fi

## render-programme: the demo programme's Word document (through LibreOffice) and PDF as PNG pages
## in build/programme/<lang>/{docx,pdf}/, to look at (not part of make test)
RENDER_PACKAGES := libreoffice-writer-nogui python3-uno poppler-utils fonts-crosextra-carlito fonts-crosextra-caladea
render-programme: install pdf-libraries
	@if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && /usr/bin/python3 -c 'import uno' 2>/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing LibreOffice and poppler (apt-get install $(RENDER_PACKAGES))"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(RENDER_PACKAGES) >/dev/null; \
	else \
		echo "Rendering needs: sudo apt-get install -y $(RENDER_PACKAGES)"; exit 1; \
	fi
	$(BIN)/python bench/programme.py render --out build/programme

## serve: gunicorn with the production settings of gunicorn.conf.py (set SECRET_KEY and DATABASE_URL first)
serve: install
	$(BIN)/ideaspace init-db
	$(BIN)/gunicorn -c gunicorn.conf.py 'ideaspace:create_app()'

## serve-events: gunicorn (gevent) for the live workshops' event streams, beside `make serve`; the
## proxy sends /live/events and /present/<id>/events here (docs/deploy.md)
serve-events: install
	$(BIN)/gunicorn -c gunicorn.events.conf.py 'ideaspace:create_app()'

## bench: regenerate the city-scale data and run the load benchmark on SQLite, then on PostgreSQL
## (a scratch database, dropped afterwards), rate limits in Redis (REDIS_URL, database 15 by default);
## results in bench/results-*.json, see bench/RESULTS.md
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432
BENCH_PSQL = $(subst +psycopg,,$(BENCH_PG))# psql takes the URL without SQLAlchemy's driver name
bench: export REDIS_URL ?= redis://127.0.0.1:6379/15
bench: install
	$(PIP) install --quiet -e '.[bench]'
	rm -f instance/bench.sqlite3 instance/bench.sqlite3-wal instance/bench.sqlite3-shm
	$(BIN)/python bench/generate.py --database-url sqlite:///$(CURDIR)/instance/bench.sqlite3
	$(BIN)/python bench/load.py --database-url sqlite:///$(CURDIR)/instance/bench.sqlite3 --out bench/results-sqlite.json
	psql "$(BENCH_PSQL)/postgres" -qc 'DROP DATABASE IF EXISTS ideaspace_bench' -c 'CREATE DATABASE ideaspace_bench'
	$(BIN)/python bench/generate.py --database-url $(BENCH_PG)/ideaspace_bench
	$(BIN)/python bench/load.py --database-url $(BENCH_PG)/ideaspace_bench --out bench/results-postgresql.json
	psql "$(BENCH_PSQL)/postgres" -qc 'DROP DATABASE ideaspace_bench WITH (FORCE)'

lint: install-test
	$(BIN)/ruff check ideaspace tests

clean:
	rm -rf $(VENV) instance .pytest_cache
