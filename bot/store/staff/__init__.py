"""The staff side of the store: what the console reads and marks (review.py over the queries of
queries.py), CSV export, staff accounts and retention (the operator's purge)."""
