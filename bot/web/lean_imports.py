"""Import Gradio without the work a server never needs: at load 8 on 2 cores, `import gradio`
took 5.2 s and 117 MB; with the measures below 1.8 s and 84 MB (docs/BENCHMARKS.md).

- Gradio 6 regenerates its components' type stubs (`.pyi` files, for editors) at every import:
  it reads each component's source, parses it with `ast`, renders a template and rewrites the
  stub in site-packages when it differs. That is half of its import time, and a server should
  not write into its installed packages. `create_or_modify_pyi` becomes a no-op as soon as
  `gradio.component_meta` is executed, before any component class is defined.
- It also renders every event listener's docstring as a Jinja template at import (216 template
  compilations, ~0.5 s at load 9): the docstrings keep their `{{ component }}` placeholders.
- `gradio.caching` imports pandas (~40 MB, 0.4 s on a quiet machine) for `isinstance` checks
  on values this app never passes. `pandas` is a stand-in module until some code uses one of
  its attributes; then the real pandas is imported and used, so nothing behaves differently.
- After every event Gradio's queue rebuilds a pandas DataFrame of up to 10,000 past events for
  its monitoring dashboard, which this app turns off (`enable_monitoring=False`): that summary
  is never computed (`GRADIO_ANALYTICS_CACHE_FREQUENCY`) and one past event is kept
  (`GRADIO_ANALYTICS_MAX_EVENTS`), unless the environment sets them.

`prepare()` must run before Gradio is first imported (bot/web/__init__.py calls it); if Gradio
or pandas is already imported, it leaves them alone.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from collections.abc import Callable, Sequence
from typing import Any

STUBS_MODULE = "gradio.component_meta"
EVENTS_MODULE = "gradio.events"
DEFERRED = ("pandas",)
NO_ANALYTICS = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(2**62), "GRADIO_ANALYTICS_MAX_EVENTS": "1"}


class _PatchAfterExec(importlib.abc.MetaPathFinder):
    """Finds `name` like the normal path finder does, and runs `patch(module)` right after the
    module's own code (once; the finder then leaves sys.meta_path)."""

    def __init__(self, name: str, patch: Callable[[types.ModuleType], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            self.patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _skip_stub_writing(module: types.ModuleType) -> None:
    if hasattr(module, "create_or_modify_pyi"):
        module.create_or_modify_pyi = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def _skip_doc_rendering(module: types.ModuleType) -> None:
    listener = getattr(module, "EventListener", None)
    if listener is not None and hasattr(listener, "set_doc"):
        listener.set_doc = lambda self, component: None


class DeferredModule(types.ModuleType):
    """Stands in for a module in sys.modules; the first attribute it lacks imports the real
    module (which replaces it there) and is read from that."""

    _lock = threading.Lock()

    def __getattr__(self, attr: str) -> Any:
        with DeferredModule._lock:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def defer(name: str) -> None:
    """Put a stand-in for the top-level module `name` in sys.modules (if it is installed and
    not imported yet)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = DeferredModule(name)
    stand_in.__spec__ = spec  # what the import system reads; `__path__` loads the real one
    sys.modules[name] = stand_in


def prepare() -> None:
    """Make the next `import gradio` skip stub writing and docstring rendering, leave pandas
    unimported, and turn the unused event analytics off."""
    waiting = {f.name for f in sys.meta_path if isinstance(f, _PatchAfterExec)}
    for name, patch in ((STUBS_MODULE, _skip_stub_writing), (EVENTS_MODULE, _skip_doc_rendering)):
        if name not in sys.modules and name not in waiting:
            sys.meta_path.insert(0, _PatchAfterExec(name, patch))
    for name in DEFERRED:
        defer(name)
    for key, value in NO_ANALYTICS.items():
        os.environ.setdefault(key, value)
