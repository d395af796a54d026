"""examples/fastapi_app in a real browser: uvicorn on a free localhost port, the page driven in
headless Chromium (Debian's ``chromium`` through Playwright), the model replayed through the
real openai client.

It checks what a person sees: the answer growing (a partial state before the final one), the
exact final page, a validation error shown in the page, and that Stop closes the model's HTTP
stream on the server.  A screenshot of the finished page is saved under the test's tmp dir.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai")
pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).parents[1]
APP_DIR = ROOT / "examples" / "fastapi_app"
EXPECTED = json.loads((APP_DIR / "recorded" / "answer.json").read_text(encoding="utf-8"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN_DELAY = 0.008  # seconds per recorded event: ~2 s per answer, slow enough to see it grow


def load_app_module() -> Any:
    spec = importlib.util.spec_from_file_location("fastapi_app_example", APP_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    os.environ.pop("OPENAI_API_KEY", None)  # the recorded answer, never the network
    app = load_app_module().create_app(token_delay=TOKEN_DELAY)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    page.set_default_timeout(20_000)
    yield page
    page.close()


# Records what the page showed after every change: (title, summary, cards, writing, status).
WATCH = """() => {
  window.__states = [];
  const take = () => {
    const state = JSON.stringify([
      document.getElementById("title").textContent,
      document.getElementById("summary").textContent,
      document.querySelectorAll("#sections .card").length,
      !document.getElementById("writing").hidden,
      document.getElementById("status").textContent,
    ]);
    if (window.__states.at(-1) !== state) window.__states.push(state);
  };
  new MutationObserver(take).observe(document.body, {subtree: true, childList: true,
                                                     characterData: true, attributes: true});
}"""


def replays(base_url: str) -> list[dict[str, Any]]:
    import httpx

    return list(httpx.get(f"{base_url}/replays").json())


def test_the_answer_grows_live_and_ends_exactly(base_url: str, page: Any, tmp_path: Path) -> None:
    page.goto(base_url)
    page.evaluate(WATCH)
    page.click("#go")
    page.wait_for_function("document.getElementById('status').textContent === 'done'")

    states = [json.loads(s) for s in page.evaluate("window.__states")]
    final = states[-1]
    assert final == [EXPECTED["title"], EXPECTED["summary"], 3, False, "done"]
    partial = [s for s in states if s[4] == "streaming…" and s[0]]
    assert partial, "the page showed no partial answer before the final one"
    # The title is a few tokens: on a loaded machine the browser may read them in one go, so
    # any text field seen part-written shows the growth (the summary takes many more reads).
    assert any(
        0 < len(s[0]) < len(EXPECTED["title"]) or 0 < len(s[1]) < len(EXPECTED["summary"])
        for s in partial
    ), "no text field was shown growing"
    assert any(s[3] for s in partial), "no section was shown while it was being written"
    assert [s[2] for s in states] == sorted(s[2] for s in states), "cards only ever added"

    cards = page.eval_on_selector_all(
        "#sections .card",
        "cards => cards.map(c => ({heading: c.querySelector('h2').textContent,"
        " body: c.querySelector('p').textContent}))",
    )
    assert cards == EXPECTED["sections"]
    assert page.inner_text("#error") == ""
    shot = tmp_path / "fastapi_app.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_a_validation_error_shows_in_the_page(base_url: str, page: Any) -> None:
    page.goto(f"{base_url}/?replay=invalid")
    page.click("#go")
    page.wait_for_selector("#error.shown")
    error = page.inner_text("#error")
    assert error.startswith("validation:"), error
    assert "body" in error
    assert page.inner_text("#status") == "failed"
    # The first section was valid and stays; the bad one never became a card.
    headings = page.eval_on_selector_all("#sections .card h2", "hs => hs.map(h => h.textContent)")
    assert headings == [EXPECTED["sections"][0]["heading"]]


def test_stop_closes_the_model_stream(base_url: str, page: Any) -> None:
    before = len(replays(base_url))
    page.goto(base_url)
    page.click("#go")
    page.wait_for_function("document.getElementById('summary').textContent.length > 10")
    page.click("#stop")
    page.wait_for_function("document.getElementById('status').textContent === 'stopped'")
    deadline = time.monotonic() + 10
    while True:
        state = replays(base_url)[before]
        if state["closed"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert state["closed"], "the server did not close the model's HTTP stream"
    assert state["sent"] < state["total"], "the recorded answer was read to its end"
    time.sleep(0.2)
    assert replays(base_url)[before]["sent"] == state["sent"], "read after it was closed"
    assert page.inner_text("#status") == "stopped"
