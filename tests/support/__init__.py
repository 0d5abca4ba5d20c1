"""Helpers the test suites share: the fakes (fakes.py: clocks, a Responder, indexes,
embedders), live servers, the browser, PostgreSQL databases, staff accounts.

Plain modules, not fixtures: tests/conftest.py hands out the fakes as fixtures, and each
suite's conftest.py keeps its own fixtures (their scopes differ for reasons said there) and
builds them from these. `servers` and `browser` import no pytest, so scripts/screenshots.py
can use them too.
"""
