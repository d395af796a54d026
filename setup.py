"""unspool's build: the pure-Python package, plus its core compiled by Cython when it can be.

The compiled modules are built from the very same ``.py`` files (Cython compiles plain Python;
an optional ``NAME.pxd`` next to ``NAME.py`` adds C types without touching the source), so the
pure-Python modules stay the reference and the fallback.  Without Cython or a working C
compiler, or with ``UNSPOOL_PURE_PYTHON=1`` set, the build warns and installs pure Python only:
it never fails for that reason.  Next to the extensions it writes ``_compiled.json``, the
SHA-256 of each source it compiled; ``unspool._backend`` uses an extension only while its
source still has that hash (an edited editable install falls back to the source, with a warning).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The modules compiled (src/unspool/NAME.py): the tokenizer's hot loop, its consumers, and
# stream_model's builder above the parser.
COMPILED = ("_events", "_tokenizer", "_parser", "_splitter", "_extract", "_builder")
SOURCE_DIR = Path(__file__).parent / "src" / "unspool"
RECORD = "_compiled.json"  # read by src/unspool/_backend.py
DIRECTIVES = {
    "language_level": 3,
    # Annotations stay hints, as in CPython: `str` must not start rejecting str subclasses.
    # The C types come from the NAME.pxd files instead.
    "annotation_typing": False,
    # The source is Python and relies on Python's indexing (`stack[-1]`, IndexError), so
    # boundscheck and wraparound stay on: they cost a compare where the index is a C integer.
    "emit_code_comments": False,  # a smaller .c (the source lines are not copied into it)
}
# Modules whose classes are public: compiled as heap types, which take the ``__module__`` the
# class body sets ("unspool"; a static type says unspool._parser and cannot be told otherwise).
# Not the others: Cython 3.3 cannot give a heap type a ``cdef dict __dict__``.
PUBLIC_CLASSES = ("_parser", "_splitter")
# gcc and clang: no debug information and a stripped link (the four .so files weigh about
# 7.5 MB with the -g that Python's own CFLAGS carry; the line tables are useless to a user).
UNIX_COMPILE_ARGS = ["-g0"]
UNIX_LINK_ARGS = ["-s"]


def warn(reason: str) -> None:
    print(f"WARNING: unspool: {reason}; installing the pure-Python core only", file=sys.stderr)


def source_record(name: str) -> dict[str, str | int]:
    """What ``unspool._backend`` checks: the source's size and mtime (the cheap test, as for
    .pyc files), and its SHA-256 (the truth, when the file was touched or copied)."""
    path = SOURCE_DIR / f"{name}.py"
    stat = path.stat()
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


class OptionalBuildExt(build_ext):
    """Cythonize at build time (an sdist needs no Cython) and treat every failure as optional."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:  # compile the modules side by side
            self.parallel = os.cpu_count() or 1

    def build_extension(self, ext: Extension) -> None:
        if ext.name.rpartition(".")[2] in PUBLIC_CLASSES:
            ext.define_macros = [*ext.define_macros, ("CYTHON_USE_TYPE_SPECS", "1")]
        symbols = os.environ.get("UNSPOOL_DEBUG_SYMBOLS", "") not in ("", "0")  # callgrind
        if self.compiler.compiler_type == "unix" and not symbols:  # MSVC takes other flags
            ext.extra_compile_args = [*ext.extra_compile_args, *UNIX_COMPILE_ARGS]
            ext.extra_link_args = [*ext.extra_link_args, *UNIX_LINK_ARGS]
        super().build_extension(ext)

    def run(self) -> None:
        if os.environ.get("UNSPOOL_PURE_PYTHON", "") not in ("", "0"):
            warn("UNSPOOL_PURE_PYTHON is set")
            return
        try:
            from Cython.Build import cythonize
        except ImportError:
            warn("Cython is not installed")
            return
        hashes = {name: source_record(name) for name in COMPILED}
        try:
            # .py -> .c; setuptools keeps its own Extension objects, with the C sources.
            done = cythonize(
                self.extensions,
                build_dir="build/cython",
                compiler_directives=DIRECTIVES,
                nthreads=os.cpu_count() or 1,
            )
            c_sources = {ext.name: ext.sources for ext in done}
            for ext in self.extensions:
                ext.sources = c_sources[ext.name]
            super().run()
        except Exception as err:  # no compiler, no Python.h, a source Cython rejects, ...
            warn(f"could not compile the core ({type(err).__name__}: {err})")
            for ext in self.extensions:  # all or none: never a half-compiled core
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            return
        self.write_record(hashes)

    def write_record(self, hashes: dict[str, dict[str, str | int]]) -> None:
        # One record per output directory (src/unspool for an editable install, else build/lib).
        for folder in {Path(self.get_ext_fullpath(ext.name)).parent for ext in self.extensions}:
            (folder / RECORD).write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")


setup(
    ext_modules=[
        Extension(
            f"unspool.{name}",
            [f"src/unspool/{name}.py"],
            # The tokenizer's hand-written C (_whole_scan.h): the .c is generated elsewhere.
            include_dirs=["src/unspool"],
            depends=["src/unspool/_whole_scan.h"],
        )
        for name in COMPILED
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
