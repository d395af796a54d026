"""``examples/streamlit_app.py`` run by Streamlit's ``AppTest``: a chat whose answers stream
through a real LangGraph graph (``stream_mode="messages"``) from the recorded chat model."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

pytest.importorskip("streamlit")
pytest.importorskip("langgraph")

import streamlit as st
from streamlit.testing.v1 import AppTest

import unspool.streamlit
from unspool.streamlit import DONE, WRITING

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"
APP = EXAMPLES / "streamlit_app.py"
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "streamlit_invalid_recipe.json"
FENCED = FIXTURES / "streamlit_fenced_recipe.json"


def recording(path: pathlib.Path) -> list[list[str]]:
    answers: list[list[str]] = json.loads(path.read_text(encoding="utf-8"))["answers"]
    return answers


ANSWERS = recording(EXAMPLES / "streamlit_recording.json")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("UNSPOOL_REPLAY_DELAY", "0")
    monkeypatch.delenv("UNSPOOL_RECORDING", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def chat(at: AppTest) -> list[tuple[str, list[str]]]:
    """Each chat message: who, and its markdown."""
    return [(m.name, [md.value for md in m.markdown]) for m in at.chat_message]


def final_page(answer: list[str]) -> list[str]:
    """What a finished answer shows: every field and every item, each item marked done."""
    recipe = json.loads("".join(answer))
    return [
        f"**Title:** {recipe['title']}",
        f"**Summary:** {recipe['summary']}",
        f"**Servings:** {recipe['servings']}",
        "**Ingredients**",
        *(f"{DONE} {ingredient}" for ingredient in recipe["ingredients"]),
        "**Steps**",
        *(
            f"{DONE} **Instruction:** {step['instruction']}  \n**Minutes:** {step['minutes']}"
            for step in recipe["steps"]
        ),
        f"**Chef's tip:** {recipe['tip']}",
    ]


def test_two_turns_show_each_whole_answer_and_keep_the_history(app: AppTest) -> None:
    ask(app, "Pancakes for two, please")
    ask(app, "And a soup?")
    assert chat(app) == [
        ("user", ["Pancakes for two, please"]),
        ("assistant", final_page(ANSWERS[0])),
        ("user", ["And a soup?"]),
        ("assistant", final_page(ANSWERS[1])),
    ]
    assert not app.error
    # The history keeps each answer as the text the model sent.
    assert [m["content"] for m in app.session_state["messages"]] == [
        "Pancakes for two, please",
        "".join(ANSWERS[0]),
        "And a soup?",
        "".join(ANSWERS[1]),
    ]


def test_the_history_survives_a_rerun(app: AppTest) -> None:
    ask(app, "Pancakes for two, please")
    before = chat(app)
    app.run()
    assert not app.exception
    assert chat(app) == before
    assert len(app.session_state["messages"]) == 2


def stop_at_update(monkeypatch: pytest.MonkeyPatch, stop_at: int) -> None:
    """Make the app's ``write_model`` end the script run at its ``stop_at``-th update, so the
    page AppTest reads is the page as it was at that moment of the stream."""
    write_model = unspool.streamlit.write_model

    def stopping(chunks: Any, model: Any, **options: Any) -> Any:
        updates = 0

        def on_update(partial: Any) -> None:
            nonlocal updates
            updates += 1
            if updates == stop_at:
                st.stop()

        return write_model(chunks, model, on_update=on_update, **options)

    monkeypatch.setattr(unspool.streamlit, "write_model", stopping)


@pytest.mark.parametrize("stop_at", [44, 120])  # an ingredient, then the tip, half written
def test_the_answer_is_seen_partial_before_the_final(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, stop_at: int
) -> None:
    stop_at_update(monkeypatch, stop_at)
    ask(app, "Pancakes for two, please")
    (_, [question]), (_, page) = chat(app)
    assert question == "Pancakes for two, please"
    final = final_page(ANSWERS[0])
    # What arrived is the final page's beginning; its last line is still being written: an
    # item not yet marked done, or a text field that has not reached its end.
    assert 4 < len(page) <= len(final)
    assert page[:-1] == final[: len(page) - 1]
    last, last_final = page[-1], final[len(page) - 1]
    if last.startswith(WRITING):
        assert last_final.startswith(DONE + last.removeprefix(WRITING))
    else:
        assert last_final.startswith(last) and last_final != last
    assert len(app.session_state["messages"]) == 1  # the run ended before the answer


def test_a_validation_error_mid_stream_is_shown_not_raised(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSPOOL_RECORDING", str(INVALID))
    ask(app, "Pancakes for two, please")
    expected_error = [
        "ValidationError: invalid value at /steps/2/minutes: Input should be greater than 0"
    ]
    assert [e.value for e in app.error] == expected_error
    (_, page) = chat(app)[1]
    final = final_page(recording(INVALID)[0])
    # Everything before the bad value stays, the step it is in is not marked done.
    assert page == [*final[:13], WRITING + final[13].removeprefix(DONE).split("  \n")[0]]
    # The failed answer is kept; a rerun shows it and its error again, and the chat goes on.
    app.run()
    assert [e.value for e in app.error] == expected_error
    ask(app, "Something else?")
    assert not app.exception
    assert len(chat(app)) == 4


def test_prose_and_a_code_fence_around_the_json_are_skipped(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSPOOL_RECORDING", str(FENCED))
    ask(app, "And a soup?")
    assert chat(app)[1] == ("assistant", final_page(ANSWERS[1]))
    assert not app.error
    app.run()  # the kept text, fence and all, is drawn the same again
    assert chat(app)[1] == ("assistant", final_page(ANSWERS[1]))
