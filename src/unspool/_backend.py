"""Which build of the core runs: ``BACKEND`` is ``"compiled"`` or ``"python"``.

setup.py compiles the core modules with Cython from their unchanged ``.py`` source, and puts each
extension (``_tokenizer.cpython-311-x86_64-linux-gnu.so``) next to its source, where the import
system prefers it.  The pure-Python modules are the reference and the fallback.  They are used
instead of every extension when:

- ``UNSPOOL_PURE_PYTHON=1`` is set (tests and benchmarks run both backends this way);
- an extension is stale: its source no longer has the SHA-256 that setup.py recorded in
  ``_compiled.json`` when it compiled it (a developer edited ``_parser.py`` in an editable
  install and did not rebuild).  The old build must never silently win, so this warns.

Selecting is one listing of this directory and a ``stat`` of each compiled source: a source
with the size and modification time recorded at build is the one compiled (the test CPython
uses for .pyc files; any edit moves the time).  Only a source whose size or time moved (an
edit, a copy, a wheel's fresh files) is hashed, so that a touched but unchanged file still
counts as built and an edited one never does.  Then, for Python, a finder ahead of the import
system's that loads ``NAME.py``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from types import ModuleType

_PACKAGE = __name__.rpartition(".")[0]
_DIR = os.path.dirname(os.path.abspath(__file__))
_RECORD = "_compiled.json"  # written by setup.py


def compiled_modules() -> list[str]:
    """The modules of this package that have both a ``.py`` source and a loadable extension."""
    files = set(os.listdir(_DIR))
    return sorted(
        name[: -len(suffix)]
        for name in files
        for suffix in EXTENSION_SUFFIXES
        if name.endswith(suffix) and name[: -len(suffix)] + ".py" in files
    )


def source_path(module: str) -> str:
    return os.path.join(_DIR, module + ".py")


def _stale(modules: Sequence[str]) -> list[str]:
    try:
        with open(os.path.join(_DIR, _RECORD), encoding="utf-8") as file:
            record = json.load(file)
    except (OSError, ValueError):
        record = {}
    return [m for m in modules if not _built_from(source_path(m), record.get(m))]


def _built_from(path: str, entry: object) -> bool:
    """Whether the source at ``path`` is the one its ``_compiled.json`` entry describes."""
    if not isinstance(entry, dict):
        return False
    stat = os.stat(path)
    if (stat.st_size, stat.st_mtime_ns) == (entry.get("size"), entry.get("mtime_ns")):
        return True  # untouched since the build
    return bool(entry.get("sha256") == _sha256(path))


def _sha256(path: str) -> str:
    import hashlib  # only here: importing it (OpenSSL) costs more than the stat checks

    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


class PureFinder:
    """Finds ``package.NAME`` at ``NAME.py`` for the compiled modules (a meta path finder).

    ``package`` is this one; tests/test_backends.py also loads the Python core under another.
    """

    def __init__(self, modules: Sequence[str], package: str = _PACKAGE) -> None:
        self.sources = {f"{package}.{m}": source_path(m) for m in modules}

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        source = self.sources.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def _select() -> str:
    modules = compiled_modules()
    if not modules:
        return "python"
    if os.environ.get("UNSPOOL_PURE_PYTHON", "") in ("", "0"):
        stale = _stale(modules)
        if not stale:
            return "compiled"
        warnings.warn(
            f"unspool: the compiled {', '.join(stale)} was built from another version of the "
            "source; using the pure-Python core (rebuild: pip install -e .)",
            RuntimeWarning,
            stacklevel=2,
        )
    sys.meta_path.insert(0, PureFinder(modules))
    return "python"


class PureCython:
    """What the core modules use as ``cython`` when Cython is not installed (the pure-Python
    core): ``compiled`` is False, and the compiler directives they write as ``with``
    statements (``with cython.boundscheck(False):`` around a compiled-only character loop)
    do nothing, as in Cython's own pure-mode shadow module."""

    compiled = False

    @staticmethod
    def boundscheck(on: bool) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    wraparound = boundscheck


BACKEND = _select()
