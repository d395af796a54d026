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

import copy
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
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
    # def functions and methods become built-in functions, not Cython's function objects:
    # CPython 3.11 specialises the call of a built-in method (parser.feed) and not that of a
    # cyfunction, which also adds a layer per call.  Callgrind per pass (Parser, feed and
    # .value per LLM chunk): records 10 KB 4.659M -> 4.439M Ir, article 0.5 KB 0.360M ->
    # 0.306M; interleaved time 0.92x and 0.93x.
    "binding": False,
    # ... with their signatures in their docstrings in Argument Clinic's form, which
    # inspect.signature and help() read from a built-in (annotations are not kept).
    "embedsignature": True,
    "embedsignature.format": "clinic",
}


def directives_key() -> str:
    """A short digest of DIRECTIVES: Cython regenerates a module's C when its sources change,
    not when the directives do, so each set of directives gets a build directory of its own."""
    return hashlib.sha256(repr(sorted(DIRECTIVES.items())).encode()).hexdigest()[:8]


# Modules whose classes are public: compiled as heap types, which take the ``__module__`` the
# class body sets ("unspool"; a static type says unspool._parser and cannot be told otherwise).
# Not the others: Cython 3.3 cannot give a heap type a ``cdef dict __dict__``.
PUBLIC_CLASSES = ("_parser", "_splitter")
# gcc and clang: no debug information and a stripped link (the four .so files weigh about
# 7.5 MB with the -g that Python's own CFLAGS carry; the line tables are useless to a user).
UNIX_COMPILE_ARGS = ["-g0"]
UNIX_LINK_ARGS = ["-s"]
# ELF (Linux): call CPython's functions through the GOT, not through a PLT stub: one indirect
# jump less per C-API call, and the stubs no longer take instruction-cache lines (records 10 KB:
# I1 misses -4%, mispredicts -8%).
if sys.platform.startswith("linux"):
    UNIX_COMPILE_ARGS.append("-fno-plt")
# Profile-guided optimisation (gcc): an instrumented build first runs TRAINING, then the build
# that is installed lays its code out by that profile -- the hot path of a chunk together, error
# paths and cold branches apart.  A chunk of an LLM stream touches a lot of code for a few
# characters, so instruction-cache misses, not instructions, made most of its time (records
# 10 KB, callgrind: I1 misses -37% with the profile).  Code the training does not reach stays
# optimised as without it (-fprofile-partial-training).  UNSPOOL_PGO=0 builds without it.
PGO_USE = ["-fprofile-partial-training", "-Wno-missing-profile"]
# What a user's streams do, in small: snapshots and events over LLM-sized chunks (str and
# bytes) of records, prose with escapes and non-ASCII text, whole documents, the Splitter at a
# pointer and over NDJSON, model text around the JSON.  Deterministic; about a second.
TRAINING = r"""
import json, random, sys, unspool
assert unspool.BACKEND == "compiled" and unspool.__file__.startswith(sys.argv[1])
rng = random.Random(11)
names = ["data \u30c7\u30fc\u30bf", "Z\u00fcrich", 'a "quoted" name', "x"]
items = [
    {"id": i, "sku": f"SKU-{rng.randrange(10**5)}", "name": rng.choice(names),
     "price": round(rng.uniform(1, 500), 2), "qty": rng.randrange(500), "ok": i % 2 == 0,
     "discount": None, "rating": 4.5, "tags": ["llm", "ux"][: i % 3], "dims": [1.5, -2e3, 7]}
    for i in range(40)
]
words = "the model writes prose with\nescapes, \u00e9t\u00e9 and \U0001f600 emoji".split(" ")
prose = [" ".join(rng.choice(words) for _ in range(rng.randrange(5, 80))) for _ in range(30)]
article = {"title": prose[0], "sections": [{"heading": p[:30], "body": p} for p in prose]}
texts = [  # (text, the pointer to its array)
    (json.dumps({"items": items}, indent=2), "/items"),
    (json.dumps({"items": items}), "/items"),
    (json.dumps(article, indent=2, ensure_ascii=False), "/sections"),
    (json.dumps(article), "/sections"),
]

def chunks(text):
    i = 0
    while i < len(text):
        n = rng.randint(1, 12)
        yield text[i : i + n]
        i += n

for _ in range(3):
    for text, pointer in texts:
        for events in (False, True):
            parser = unspool.Parser(events=events)
            for chunk in chunks(text):
                parser.feed(chunk)
                parser.value
            parser.close()
        parser = unspool.Parser(events=False)
        for chunk in chunks(text):
            parser.feed(chunk.encode())
            parser.value
        parser.close()
        unspool.Parser().feed(text)
        line = text.replace("\n", "") + "\n"
        for at, stream in ((pointer, text), (None, line * 3)):
            splitter = unspool.Splitter(at=at)
            for chunk in chunks(stream):
                splitter.feed(chunk)
            splitter.close()
        list(unspool.iter_partial(chunks(f"Here:\n```json\n{text}\n```"), extract=True))
"""


def optimisation_level() -> list[str]:
    """-O3 when CFLAGS is set in the environment without an -O level: setuptools then uses it
    instead of Python's own CFLAGS (which carry -O3), and the core would build at gcc's -O0.
    A level the environment names is left alone (a packager's -O2 stays -O2)."""
    flags = os.environ.get("CFLAGS")
    if flags is None or any(flag.startswith("-O") for flag in flags.split()):
        return []
    return ["-O3"]


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

    profile_flags: tuple[str, ...] = ()  # this pass's PGO flags (see compile_all)

    def build_extension(self, ext: Extension) -> None:
        ext = copy.copy(ext)  # this pass's flags only: the profile-guided build has two
        if ext.name.rpartition(".")[2] in PUBLIC_CLASSES:
            ext.define_macros = [*ext.define_macros, ("CYTHON_USE_TYPE_SPECS", "1")]
        symbols = os.environ.get("UNSPOOL_DEBUG_SYMBOLS", "") not in ("", "0")  # callgrind
        if self.compiler.compiler_type == "unix":  # MSVC takes other flags
            unix = ([], []) if symbols else (UNIX_COMPILE_ARGS, UNIX_LINK_ARGS)
            compile_args = [*optimisation_level(), *unix[0], *self.profile_flags]
            ext.extra_compile_args = [*ext.extra_compile_args, *compile_args]
            ext.extra_link_args = [*ext.extra_link_args, *unix[1], *self.profile_flags]
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
                build_dir=f"build/cython-{directives_key()}",
                compiler_directives=DIRECTIVES,
                nthreads=os.cpu_count() or 1,
            )
            c_sources = {ext.name: ext.sources for ext in done}
            for ext in self.extensions:
                ext.sources = c_sources[ext.name]
            self.compile_all(hashes)
        except Exception as err:  # no compiler, no Python.h, a source Cython rejects, ...
            warn(f"could not compile the core ({type(err).__name__}: {err})")
            for ext in self.extensions:  # all or none: never a half-compiled core
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
                (Path(self.get_ext_fullpath(ext.name)).parent / RECORD).unlink(missing_ok=True)
            return
        self.write_record(hashes)

    def compile_all(self, hashes: dict[str, dict[str, str | int]]) -> None:
        """Compile the C sources: profile-guided with gcc, else (or if that fails) plainly."""
        self.compiler_name = self.compiler
        if self.with_profile():
            profile = (Path(self.build_temp) / "pgo").resolve()
            shutil.rmtree(profile, ignore_errors=True)
            try:
                self.compile_pass((f"-fprofile-generate={profile}",))
                self.write_record(hashes)  # the training imports the instrumented build
                self.train()
                self.compile_pass((f"-fprofile-use={profile}", *PGO_USE))
                return
            except Exception as err:  # an old gcc, a training that fails: build without
                print(f"unspool: no profile-guided build ({err})", file=sys.stderr)
        self.compile_pass(())

    def compile_pass(self, flags: tuple[str, ...]) -> None:
        self.profile_flags = flags
        self.force = True  # every pass compiles every module (a profile's pass has changed)
        self.compiler = self.compiler_name  # run() replaces the name by the compiler it made
        super().run()

    def with_profile(self) -> bool:
        # The C compiler as distutils picks it (CC, else Python's own; none on Windows).
        cc = os.environ.get("CC") or sysconfig.get_config_var("CC")
        if os.environ.get("UNSPOOL_PGO", "") == "0" or not cc:
            return False
        # gcc only: clang's profiles need llvm-profdata between the two passes.
        try:
            args = [*shlex.split(cc)[:1], "--version"]
            version = subprocess.run(args, capture_output=True, text=True, check=False).stdout
        except (OSError, ValueError):  # no such program, a CC that does not split
            return False
        return "Free Software Foundation" in version

    def train(self) -> None:
        """Run TRAINING on the instrumented build: its package folder, with the .py files."""
        folder = Path(self.get_ext_fullpath("unspool._parser")).parent.parent.resolve()
        if not (folder / "unspool" / "__init__.py").is_file():
            raise RuntimeError(f"no package to train in {folder}")
        env = {k: v for k, v in os.environ.items() if k != "UNSPOOL_PURE_PYTHON"}
        env["PYTHONPATH"] = str(folder)
        args = [sys.executable, "-c", TRAINING, str(folder)]
        done = subprocess.run(args, env=env, timeout=600, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"the training failed: {done.stderr.strip()[-400:]}")

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
            depends=["src/unspool/_whole_scan.h", "src/unspool/_snapshot.h"],
        )
        for name in COMPILED
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
