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
    try:
        return out / hooks.build_wheel(str(out))
    finally:
        os.chdir(cwd)


def test_the_wheel_contains_the_js_client(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        assert "unspool/sse.py" in wheel.namelist()
        shipped = wheel.read("unspool/static/unspool.js")
    assert shipped == (ROOT / "src/unspool/static/unspool.js").read_bytes()
