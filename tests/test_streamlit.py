"""``unspool.streamlit.write_model`` in a real Streamlit script run by ``AppTest``: what the
page shows while the answer streams (stopped at each update through the ``on_update`` hook),
at the end, and when the answer goes wrong."""

from __future__ import annotations

import asyncio
import enum
import itertools
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field, RootModel

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest

from unspool.streamlit import DONE, WRITING

ANSWER = (
    '{"title": "Pancakes for two", "ingredients": ["flour", "milk", "two eggs"], '
    '"steps": [{"text": "Whisk it all", "minutes": 5}, {"text": "Fry in butter", "minutes": 3}], '
    '"tip": "Rest the batter"}'
)


def chunked(text: str, size: int = 9) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class Step(BaseModel):
    text: str
    minutes: int = Field(gt=0)


class Recipe(BaseModel):
    title: str
    servings: int = 2
    ingredients: list[str]
    steps: list[Step]
    tip: str | None = Field(default=None, title="Chef's tip")


def model_app(chunks, model, stop_at, min_interval=None):  # no annotations: run as a script
    """The script AppTest runs (from its source, so it imports what it uses)."""
    import streamlit as st

    import unspool

    updates = []

    def on_update(partial):
        updates.append(partial)
        st.session_state.updates = len(updates)
        if len(updates) == stop_at:
            st.stop()  # what the page shows at this update is what the test reads

    st.session_state.final = "running"
    st.session_state.final = unspool.streamlit.write_model(
        chunks, model, on_update=on_update, min_interval=min_interval
    )


def run(chunks: Any, stop_at: int = 0, model: type[BaseModel] = Recipe) -> AppTest:
    at = AppTest.from_function(model_app, args=(chunks, model, stop_at), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


FINAL_PAGE = [
    "**Title:** Pancakes for two",
    "**Servings:** 2",  # the default, shown with the final model only
    "**Ingredients**",
    f"{DONE} flour",
    f"{DONE} milk",
    f"{DONE} two eggs",
    "**Steps**",
    f"{DONE} **Text:** Whisk it all  \n**Minutes:** 5",
    f"{DONE} **Text:** Fry in butter  \n**Minutes:** 3",
    "**Chef's tip:** Rest the batter",
]


def test_the_final_page_shows_every_field_and_item_once_and_returns_the_model() -> None:
    at = run(chunked(ANSWER))
    assert shown(at) == FINAL_PAGE
    assert not at.error
    assert at.session_state["final"] == Recipe.model_validate_json(ANSWER)


def test_a_whole_answer_in_one_chunk_draws_the_same_page() -> None:
    assert shown(run([ANSWER])) == FINAL_PAGE


def item_lines(page: list[str], mark: str) -> list[str]:
    return [line for line in page if line.startswith(mark)]


def test_while_streaming_text_grows_in_place_and_items_appear_once_then_are_marked_done() -> None:
    chunks = chunked(ANSWER, 14)
    updates = run(chunks).session_state["updates"]
    pages = [shown(run(chunks, stop_at=k)) for k in range(1, updates + 1)]
    assert len(pages) >= 8
    for before, after in itertools.pairwise(pages):
        # Nothing stacks: a page never has more title lines or item lines than the answer.
        assert sum(line.startswith("**Title:**") for line in after) == 1
        assert len(after) >= len(before)
        # The title only grows; an item marked done never changes again.
        assert after[0].startswith(before[0])
        done_before = item_lines(before, DONE)
        assert item_lines(after, DONE)[: len(done_before)] == done_before
        # At most one item is still being written, and it is the last one shown.
        writing = [i for i, line in enumerate(after) if line.startswith(WRITING)]
        assert len(writing) <= 1
    # The stream was seen in between: a title half written, an item still arriving.
    assert any(page[0] not in ("**Title:** ", FINAL_PAGE[0]) for page in pages)
    assert any(f"{WRITING} two eg" in page for page in pages)  # an ingredient half written
    assert any(f"{WRITING} **Text:** Wh" in page for page in pages)  # a step half written
    assert pages[-1] == [line for line in FINAL_PAGE if line != "**Servings:** 2"]


def test_a_page_stopped_mid_stream_shows_what_arrived_and_no_final() -> None:
    at = run(chunked(ANSWER, 14), stop_at=5)
    page = shown(at)
    assert page[0] == "**Title:** Pancakes for two"
    assert f"{DONE} flour" in page
    assert not any(line.startswith("**Steps**") for line in page)
    assert at.session_state["final"] == "running"  # st.stop() in the hook ended the run


BAD_STEP = ANSWER.replace('"minutes": 3', '"minutes": 0')


def test_a_validation_error_mid_stream_is_shown_with_its_path_under_what_arrived() -> None:
    at = run(chunked(BAD_STEP))
    assert [e.value for e in at.error] == [
        "ValidationError: invalid value at /steps/1/minutes: Input should be greater than 0"
    ]
    page = shown(at)
    # Everything before the bad value, and the step it is in, still open.
    assert page == [*FINAL_PAGE[:1], *FINAL_PAGE[2:8], f"{WRITING} **Text:** Fry in butter"]
    assert at.session_state["final"] is None


def test_invalid_json_is_shown_with_its_position_and_path() -> None:
    at = run(chunked('{"title": "Soup", "ingredients": ["leek" "potato"]}'))
    assert [e.value for e in at.error] == [
        "ParseError: expected ',' or ']' after array value, found '\"': "
        "line 1 column 42 (char 41) at /ingredients/0"
    ]
    assert shown(at) == ["**Title:** Soup", "**Ingredients**", f"{WRITING} leek"]


def test_an_answer_cut_short_is_shown_as_incomplete() -> None:
    at = run(chunked(ANSWER[:60]))
    assert [e.value for e in at.error] == [
        "IncompleteJSONError: input ended inside the string that began at char 55: "
        "line 1 column 61 (char 60) at /ingredients/1"
    ]
    assert shown(at)[-1] == f"{WRITING} milk"  # the open string, not marked done
    assert at.session_state["final"] is None


def test_the_source_is_closed_when_the_hook_stops_the_script() -> None:
    closed = []

    def source() -> Iterator[str]:
        try:
            yield from chunked(ANSWER)
        finally:
            closed.append(True)

    run(source(), stop_at=2)
    assert closed == [True]


async def async_chunks(chunks: list[str], closed: list[str]) -> AsyncIterator[str]:
    try:
        for chunk in chunks:
            await asyncio.sleep(0)  # a real suspension, as a network read has
            yield chunk
    finally:
        await asyncio.sleep(0)  # the source's own cleanup awaits too
        closed.append("closed")


def test_an_async_source_draws_the_same_page_and_returns_the_model() -> None:
    closed: list[str] = []
    at = run(async_chunks(chunked(ANSWER), closed))
    assert shown(at) == FINAL_PAGE
    assert at.session_state["final"] == Recipe.model_validate_json(ANSWER)
    assert closed == ["closed"]


def test_an_async_source_is_closed_on_its_loop_when_the_hook_stops_the_script() -> None:
    closed: list[str] = []
    at = run(async_chunks(chunked(ANSWER), closed), stop_at=2)
    assert at.session_state["final"] == "running"
    assert closed == ["closed"]  # its finally ran to the end, awaits included


def test_an_async_source_that_fails_shows_its_error_under_what_arrived() -> None:
    at = run(async_chunks(chunked(BAD_STEP), []))
    assert [e.value for e in at.error] == [
        "ValidationError: invalid value at /steps/1/minutes: Input should be greater than 0"
    ]
    assert at.session_state["final"] is None


def test_a_langgraph_graph_streamed_with_astream_draws_the_page() -> None:
    pytest.importorskip("langgraph")
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph

    import unspool.langchain

    # The recorded model: langchain-core's fake streams the answer a word at a time.
    model = GenericFakeChatModel(messages=iter([AIMessage(content=ANSWER)]))

    def chatbot(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("chatbot", chatbot)
    graph.add_edge(START, "chatbot")
    stream = graph.compile().astream({"messages": [("user", "pancakes")]}, stream_mode="messages")
    at = run(unspool.langchain.text_deltas(stream, node="chatbot"))
    assert shown(at) == FINAL_PAGE
    assert at.session_state["updates"] > 5  # it streamed: many redraws, not one at the end


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("sent", [ANSWER[:100], ANSWER], ids=["cut", "whole"])
def test_an_async_adapter_stream_at_the_token_limit_ends_as_the_sync_one(
    sent: str, strict: bool
) -> None:
    """The adapter's ``strict`` and ``truncated`` reach the driver through the async path:
    JSON whole at the limit is no error, cut-off JSON is the limit's error when strict."""
    pytest.importorskip("langchain_core")
    from langchain_core.messages import AIMessageChunk

    import unspool.langchain

    def messages() -> list[AIMessageChunk]:
        text = [AIMessageChunk(chunk) for chunk in chunked(sent)]
        return [*text, AIMessageChunk("", response_metadata={"finish_reason": "length"})]

    async def async_messages() -> AsyncIterator[AIMessageChunk]:
        for message in messages():
            yield message

    sync = run(unspool.langchain.text_deltas(messages(), strict=strict))
    at = run(unspool.langchain.text_deltas(async_messages(), strict=strict))
    assert shown(at) == shown(sync)
    assert [e.value for e in at.error] == [e.value for e in sync.error]
    assert at.session_state["final"] == sync.session_state["final"]
    # Whole: the model.  Cut: the limit when strict, else the loop ended quietly, incomplete.
    kind = [] if sent == ANSWER else ["TokenLimitError" if strict else "IncompleteJSONError"]
    assert [e.value.partition(":")[0] for e in at.error] == kind


def test_a_missing_streamlit_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['streamlit'] = None\n"
        "import unspool\n"
        "try:\n"
        "    unspool.streamlit\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = "unspool.streamlit needs streamlit: pip install 'unspool[streamlit]'"
    assert out.stdout.strip() == expected


def test_importing_unspool_does_not_import_streamlit() -> None:
    code = "import sys, unspool, unspool.langchain; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class Kind(enum.Enum):
    ESSAY = "essay"


class Author(BaseModel):
    name: str
    born: int


class Section(BaseModel):
    heading: str
    points: list[str]


class Article(BaseModel):
    title: str
    author: Author
    sections: list[Section]
    kind: Kind


ARTICLE = (
    '{"title": "Engines", "author": {"name": "Ada", "born": 1815}, "sections": ['
    '{"heading": "Notes", "points": ["numbers", "symbols"]}, {"heading": "Loops", "points": []}'
    '], "kind": "essay"}'
)


def sidebar_app(chunks, model):
    import streamlit as st

    import unspool

    st.title("Main")
    unspool.streamlit.write_model(chunks, model, container=st.sidebar)


def test_the_container_argument_says_where_the_placeholder_goes() -> None:
    at = AppTest.from_function(
        sidebar_app, args=(chunked(ANSWER), Recipe), default_timeout=30
    ).run()
    assert not at.exception
    assert [m.value for m in at.sidebar.markdown] == FINAL_PAGE
    assert [m.value for m in at.main.markdown] == []


def test_min_interval_redraws_less_often_and_the_end_shows_everything() -> None:
    at = AppTest.from_function(
        model_app, args=(chunked(ANSWER), Recipe, 0, 3600.0), default_timeout=30
    ).run()
    assert not at.exception
    assert at.session_state["updates"] == 1  # the first change; the rest waited for the end
    assert shown(at) == FINAL_PAGE


def test_nested_objects_get_a_box_and_enums_show_their_value() -> None:
    at = run(chunked(ARTICLE), model=Article)
    assert shown(at) == [
        "**Title:** Engines",
        "**Author**",
        "**Name:** Ada",
        "**Born:** 1815",
        "**Sections**",
        DONE,
        "**Heading:** Notes",
        "**Points**",
        "- numbers",
        "- symbols",
        DONE,
        "**Heading:** Loops",
        "**Points**",
        "**Kind:** essay",
    ]
    assert len(at.main.children[0].children) == 5  # one placeholder: a slot per field, the error
    assert at.session_state["final"] == Article.model_validate_json(ARTICLE)


STEPS = '[{"text": "Whisk it all", "minutes": 5}, {"text": "Fry in butter", "minutes": 3}]'


class Steps(RootModel[list[Step]]):
    pass


@pytest.mark.parametrize("model", [list[Step], Steps], ids=["list", "rootmodel"])
def test_a_list_target_gets_a_slot_per_item(model: Any) -> None:
    chunks = chunked(STEPS, 11)
    final_page = [
        f"{DONE} **Text:** Whisk it all  \n**Minutes:** 5",
        f"{DONE} **Text:** Fry in butter  \n**Minutes:** 3",
    ]
    at = run(chunks, model=model)
    assert shown(at) == final_page and not at.error
    final = at.session_state["final"]
    assert (final.root if isinstance(final, Steps) else final) == [
        Step(text="Whisk it all", minutes=5),
        Step(text="Fry in butter", minutes=3),
    ]
    updates = at.session_state["updates"]
    pages = [shown(run(chunks, stop_at=k, model=model)) for k in range(1, updates + 1)]
    # The first item grows under its mark, is marked done when the second begins.
    assert [f"{WRITING} **Text:** Whisk it al"] in pages
    assert [final_page[0], f"{WRITING} **Text:** Fry"] in pages
    assert pages[-1] == final_page


def test_a_dict_target_is_drawn_whole() -> None:
    at = run(chunked('{"eggs": 2, "milk": 250}', 5), model=dict[str, int])
    assert shown(at) == ["**Eggs:** 2", "**Milk:** 250"]
    assert at.session_state["final"] == {"eggs": 2, "milk": 250}
