# Targets a Rasa user recognises. The two that matter most:
#   make run    install what is missing, train when the data changed, start the assistant
#   make test   the whole test suite (what CI runs)

PRIVACYBOT := .venv/bin/privacybot
RASA := .venv-rasa/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup test-deps run up train test lint validate rasa-test bench shell actions audit

setup:
	@scripts/setup.sh

run: setup
	@$(PRIVACYBOT) up

up: run

train: setup
	@$(PRIVACYBOT) train

validate: setup
	@$(RASA) data validate --domain bot/domain.yml --data data --config bot/config.yml --fail-on-warnings
	@$(PRIVACYBOT) check-corpus

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

rasa-test: train
	@$(RASA) test core --model models/privacy-assistant.tar.gz --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out var/rasa-test-results > var/log/rasa-test.log 2>&1 \
		|| (tail -30 var/log/rasa-test.log; exit 1)
	@grep -h "Correct:" var/log/rasa-test.log | tail -1

test-deps:
	@scripts/test-deps.sh

test: setup test-deps lint validate train rasa-test
	@.venv/bin/python -m pytest -ra

bench: setup
	@$(PRIVACYBOT) bench --json var/bench.json

shell: setup
	@$(PRIVACYBOT) rasa-shell

actions: setup
	@.venv/bin/python -m privacybot.action_server --port 5055

# Known vulnerabilities in both environments (pip-audit). Needs PyPI's JSON API or OSV, which
# the development machine's package mirror does not serve: not part of `make test` there.
audit: setup
	@.venv/bin/python -m pip install --quiet pip-audit
	@.venv/bin/python -m pip_audit --strict --skip-editable
	@.venv/bin/python -m pip_audit --strict --skip-editable --path .venv-rasa/lib/python3.10/site-packages
