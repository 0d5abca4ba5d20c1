"""Gradio is imported without pandas and without rewriting its type stubs (bot.web.lean_imports),
and code that does use pandas still gets the real thing."""

from __future__ import annotations

from tests.support.commands import python_last_line


def test_the_web_app_imports_gradio_without_pandas_and_pandas_still_works() -> None:
    code = """
import sys
import bot.web.server, gradio.caching
before = "pandas.core" in sys.modules
import pandas
frame = pandas.DataFrame({"a": [1, 2, 3]})
print(before, int(frame["a"].sum()), isinstance(frame, gradio.caching.pd.DataFrame))
"""
    assert python_last_line(code) == "False 6 True"


def test_a_submodule_import_loads_the_real_pandas() -> None:
    code = """
import sys
import bot.web.server
from pandas.core.frame import DataFrame
import pandas
print(pandas.DataFrame is DataFrame, type(sys.modules["pandas"]).__name__)
"""
    assert python_last_line(code) == "True module"
