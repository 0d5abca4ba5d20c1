"""Patient-question chatbot for a clinic website: ingest pages, answer from them, log for staff."""
