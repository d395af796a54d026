"""The adapter examples run offline (no API key) on their recorded bodies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(name: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    cmd = [sys.executable, "-W", "error", str(EXAMPLES / name), "--delay", "0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout


def test_openai_stream_example() -> None:
    pytest.importorskip("openai")
    out = run("openai_stream.py")
    assert "item /items/2" in out and "stop reason: stop" in out
    out = run("openai_stream.py", "--stop-after", "1")
    assert "item /items/1" not in out and "HTTP response closed: True" in out


def test_anthropic_tool_stream_example() -> None:
    pytest.importorskip("anthropic")
    out = run("anthropic_tool_stream.py")
    assert out.count("done  ->") == 2 and "stop reason: tool_use" in out
