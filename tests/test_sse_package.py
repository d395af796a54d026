"""The wheel ships the browser client next to unspool.sse."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def build_wheel(out: Path) -> Path:
    """Build the wheel with the project's PEP 517 backend: called in-process when it is
    installed (a second), else through pip in an isolated environment (it downloads)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    backend = re.search(r'^build-backend\s*=\s*"([^"]+)"', pyproject, re.M).group(1)  # type: ignore[union-attr]
    try:
        hooks = importlib.import_module(backend)
    except ImportError:
        args = ["wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
        subprocess.run([sys.executable, "-m", "pip", *args], check=True, capture_output=True)
        (wheel,) = out.glob("unspool-*.whl")
        return wheel
    cwd = os.getcwd()
    os.chdir(ROOT)
    saved = os.environ.get("UNSPOOL_PURE_PYTHON")
    os.environ["UNSPOOL_PURE_PYTHON"] = "1"  # the package data only: compiling takes a minute
    try:
        return out / hooks.build_wheel(str(out))
    finally:
        os.chdir(cwd)
        if saved is None:
            del os.environ["UNSPOOL_PURE_PYTHON"]
        else:
            os.environ["UNSPOOL_PURE_PYTHON"] = saved


def test_the_wheel_contains_the_js_client(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        assert "unspool/sse.py" in wheel.namelist()
        shipped = wheel.read("unspool/static/unspool.js")
        names = set(wheel.namelist())
    assert shipped == (ROOT / "src/unspool/static/unspool.js").read_bytes()
    # Every file of the package ships (the CLI demo's recording, py.typed, ...), not only .py.
    source = ROOT / "src"
    built = {"__pycache__", "_compiled.json"}  # what a build or a run leaves in the tree
    files = [p for p in (source / "unspool").rglob("*") if p.is_file() and p.suffix != ".so"]
    package = {p.relative_to(source).as_posix() for p in files if not built & {p.name, *p.parts}}
    assert package <= names, package - names
