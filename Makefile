# The two commands of the README: `make run` and `make test` (each sets up what is missing).
.PHONY: setup run test lint bench triage-model triage-report answer-model intent-model

export HF_HUB_OFFLINE := 1
export CLINICBOT_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/python app.py

test:
	@bash scripts/setup.sh --test
	.venv/bin/python -m ruff check .
	.venv/bin/python -m pytest

lint: setup
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .

# Triage (docs/TRIAGE.md): retrain the classifier from bot/triage/data/ after editing exemplars;
# print the cross-validated figures (exemplars + ../shared/eval/safety-dev.jsonl when present).
triage-model: setup
	.venv/bin/python -m bot.triage.train

triage-report: setup
	.venv/bin/python -m bot.triage.report

# Retrain the answerability model on bench/data/answerability-pairs.jsonl and regenerate its
# figures in docs/ANSWERING.md (needs ../shared/eval for the dev-set figures).
answer-model: setup
	.venv/bin/python bench/train_answerability.py

# The learned `asks` layer of the focus check (docs/ANSWERING.md): retrain it from
# bot/answer/data/intent-examples.jsonl, then retrain the answerability model (it reads it).
intent-model: setup
	.venv/bin/python bench/train_intents.py
