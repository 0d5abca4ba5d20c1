"""Answering a visitor's message: safety triage, retrieval, composition of the cited reply."""
