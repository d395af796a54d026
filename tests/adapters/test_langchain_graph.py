"""unspool.langchain on streams made by the real langchain-core and langgraph.

A real ``StateGraph`` (``planner`` -> ``kitchen``, a subgraph whose ``writer`` node answers)
whose nodes call a chat model.  The only fake is the model: ``RecordedChatModel`` replays
recorded chunks (tests/fixtures/langchain_recipe_*.jsonl, one structured answer streamed as
text and as tool-call chunks) through langchain-core's own streaming machinery, so what
reaches the adapter is exactly what LangGraph emits for every stream mode.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel

import unspool
import unspool.langchain as ul

FIXTURES = Path(__file__).parents[1] / "fixtures"
QUESTION = {"question": "How do I make green tea?"}
PLAN = "Plan: a short recipe with timed steps."


class Step(BaseModel):
    text: str
    minutes: int


class Recipe(BaseModel):
    title: str
    servings: int
    steps: list[Step]


def recording(kind: str) -> list[dict[str, Any]]:
    lines = (FIXTURES / f"langchain_recipe_{kind}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in lines.splitlines()]


def _answer_text() -> str:
    rows = recording("tool")
    return "".join(c["args"] for row in rows for c in row.get("tool_call_chunks", ()))


ANSWER_TEXT = _answer_text()
EXPECTED = Recipe.model_validate_json(ANSWER_TEXT)
assert "".join(row["content"] for row in recording("text")) == ANSWER_TEXT


class RecordedChatModel(BaseChatModel):
    """A chat model that streams recorded ``AIMessageChunk`` fields, sync or async.

    ``streamed`` counts the chunks it gave out and ``finished`` says its stream was closed,
    so that tests can see how far a consumer let it run.
    """

    chunks: list[dict[str, Any]]
    streamed: int = 0
    finished: bool = False

    @property
    def _llm_type(self) -> str:
        return "recorded"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kw))

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        try:
            for fields in self.chunks:
                chunk = ChatGenerationChunk(message=AIMessageChunk(**fields))
                self.streamed += 1
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            self.finished = True

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        try:
            for fields in self.chunks:
                chunk = ChatGenerationChunk(message=AIMessageChunk(**fields))
                self.streamed += 1
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
                await asyncio.sleep(0)  # a network read between chunks lets others run
        finally:
            self.finished = True

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)


class State(TypedDict, total=False):
    question: str
    plan: str
    answer: Any


def _node(runnable: Runnable[Any, Any], key: str) -> RunnableLambda[Any, Any]:
    """A graph node that asks ``runnable`` the question, sync or async like the graph."""

    def run(state: State) -> dict[str, Any]:
        return {key: runnable.invoke(state["question"])}

    async def arun(state: State) -> dict[str, Any]:
        return {key: await runnable.ainvoke(state["question"])}

    return RunnableLambda(run, afunc=arun)


# How the writer asks for the structured answer.
KINDS = ["text", "structured", "bind_tools"]


def build(kind: str, *, nested: bool = False, model: RecordedChatModel | None = None) -> Any:
    """planner -> writer; ``nested``: planner -> kitchen, a subgraph whose node is writer.

    Both nodes stream from a recorded model: the planner prose, the writer the answer.
    """
    model = model or RecordedChatModel(chunks=recording("text" if kind == "text" else "tool"))
    writer: Runnable[Any, Any] = model
    if kind == "structured":
        writer = model.with_structured_output(Recipe)
    elif kind == "bind_tools":
        writer = model.bind_tools([Recipe])
    planner = RecordedChatModel(chunks=[{"content": word} for word in PLAN.split(" ")])
    graph = StateGraph(State)
    graph.add_node("planner", _node(planner, "plan"))
    graph.add_edge(START, "planner")
    if nested:
        kitchen = StateGraph(State)
        kitchen.add_node("writer", _node(writer, "answer"))
        kitchen.add_edge(START, "writer")
        kitchen.add_edge("writer", END)
        graph.add_node("kitchen", kitchen.compile())
        graph.add_edge("planner", "kitchen")
        graph.add_edge("kitchen", END)
    else:
        graph.add_node("writer", _node(writer, "answer"))
        graph.add_edge("planner", "writer")
        graph.add_edge("writer", END)
    return graph.compile()


# Every way LangGraph streams model output (astream_events is async only).
MODES: dict[str, dict[str, Any]] = {
    "messages": {"stream_mode": "messages"},
    "modes": {"stream_mode": ["updates", "messages", "values"]},
    "subgraphs": {"stream_mode": "messages", "subgraphs": True},
    "subgraphs-modes": {"stream_mode": ["updates", "messages"], "subgraphs": True},
    "v2": {"stream_mode": "messages", "version": "v2"},
    "v2-subgraphs-modes": {
        "stream_mode": ["values", "messages", "updates"],
        "subgraphs": True,
        "version": "v2",
    },
}
ASYNC_MODES = [*MODES, "events"]


def stream(kind: str, mode: str, model: RecordedChatModel | None = None) -> Iterator[Any]:
    """The graph's stream in ``mode``; the writer sits in a subgraph when the mode shows them."""
    options = MODES[mode]
    graph = build(kind, nested=options.get("subgraphs", False), model=model)
    return graph.stream(QUESTION, **options)  # type: ignore[no-any-return]


def astream(kind: str, mode: str, model: RecordedChatModel | None = None) -> AsyncIterator[Any]:
    """The async twin of ``stream``, plus ``astream_events`` (which sees into subgraphs)."""
    if mode == "events":
        graph = build(kind, nested=True, model=model)
        return graph.astream_events(QUESTION, version="v2")  # type: ignore[no-any-return]
    graph = build(kind, nested=MODES[mode].get("subgraphs", False), model=model)
    return graph.astream(QUESTION, **MODES[mode])  # type: ignore[no-any-return]


def answer_deltas(kind: str, source: Any) -> ul.DeltaStream[str]:
    """The writer's structured answer as text: its content, or its tool call's arguments."""
    if kind == "text":
        return ul.text_deltas(source, node="writer")
    return ul.argument_text_deltas(source, node="writer")


def check_partials(partials: list[Recipe]) -> None:
    """The answer grew in view: titles only grow, steps only get appended, then it is whole."""
    assert len(partials) > 10
    titles = [p.title for p in partials if getattr(p, "title", None) is not None]
    assert titles[0] != EXPECTED.title
    assert all(b.startswith(a) for a, b in itertools.pairwise(titles))
    counts = [len(getattr(p, "steps", None) or []) for p in partials]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == len(EXPECTED.steps)


def first_call_chunk(items: list[Any]) -> Any:
    """The item that carries the writer's first tool-call chunk."""
    return next(item for item in items if "call_Qf3kZ8nW2pLx" in repr(item))


def test_the_shapes_langgraph_streams() -> None:
    """What the installed packages yield, as the adapter's docstring describes it."""
    print(f"\nlangchain-core {version('langchain-core')}, langgraph {version('langgraph')}")
    found = {mode: first_call_chunk(list(stream("structured", mode))) for mode in MODES}
    for mode, item in found.items():
        print(f"  {mode}: {type(item).__name__} {str(item)[:110]}")
    chunk, metadata = found["messages"]
    assert isinstance(chunk, AIMessageChunk) and metadata["langgraph_node"] == "writer"
    assert found["modes"][0] == "messages" and found["modes"][1][0].tool_call_chunks
    namespace, (chunk, metadata) = found["subgraphs"]
    assert namespace[0].startswith("kitchen:") and metadata["langgraph_node"] == "writer"
    namespace, mode, (chunk, metadata) = found["subgraphs-modes"]
    assert namespace[0].startswith("kitchen:") and mode == "messages"
    assert {**found["v2"], "data": None} == {"type": "messages", "ns": (), "data": None}
    part = found["v2-subgraphs-modes"]
    assert part["type"] == "messages" and part["ns"][0].startswith("kitchen:")
    assert isinstance(part["data"][0], AIMessageChunk)


async def test_the_shape_of_astream_events() -> None:
    event = first_call_chunk([event async for event in astream("structured", "events")])
    print(f"\n  events: {str(event)[:110]}")
    assert event["event"] == "on_chat_model_stream"
    assert isinstance(event["data"]["chunk"], AIMessageChunk)
    assert event["metadata"]["langgraph_node"] == "writer"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_stream_model(mode: str, kind: str) -> None:
    with unspool.stream_model(answer_deltas(kind, stream(kind, mode)), Recipe) as s:
        partials = [p.model_copy(deep=True) for p in s]
        final = s.final()
    check_partials(partials)
    assert final == EXPECTED


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ASYNC_MODES)
async def test_astream_model(mode: str, kind: str) -> None:
    deltas = answer_deltas(kind, astream(kind, mode))
    async with unspool.astream_model(deltas, Recipe) as s:
        partials = [p.model_copy(deep=True) async for p in s]
        final = await s.final()
    check_partials(partials)
    assert final == EXPECTED
    expected_stop = "stop" if kind == "text" else "tool_calls"
    assert (deltas.stop_reason, deltas.usage) == (
        expected_stop,
        ul.Usage(80 + 16 * (kind != "text"), 75),
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_iter_models(mode: str, kind: str) -> None:
    source = answer_deltas(kind, stream(kind, mode))
    assert list(unspool.iter_models(source, Step, at="/steps")) == EXPECTED.steps


@pytest.mark.parametrize("mode", ASYNC_MODES)
async def test_aiter_models(mode: str) -> None:
    source = answer_deltas("structured", astream("structured", mode))
    assert [step async for step in unspool.aiter_models(source, Step, at="/steps")] == (
        EXPECTED.steps
    )


@pytest.mark.parametrize("kind", ["structured", "bind_tools"])
@pytest.mark.parametrize("mode", MODES)
def test_iter_tool_calls(mode: str, kind: str) -> None:
    calls = list(ul.iter_tool_calls(stream(kind, mode), models={"Recipe": Recipe}))
    assert {(c.index, c.id, c.name) for c in calls} == {(0, "call_Qf3kZ8nW2pLx", "Recipe")}
    assert [c.done for c in calls] == [False] * (len(calls) - 1) + [True]
    assert calls[-1].arguments == EXPECTED
    assert len(calls) > 20  # the arguments were seen growing, not only at the end


@pytest.mark.parametrize("mode", ASYNC_MODES)
async def test_aiter_tool_calls(mode: str) -> None:
    calls = ul.aiter_tool_calls(astream("structured", mode), models={"Recipe": Recipe})
    done = [call async for call in calls if call.done]
    assert [(c.name, c.arguments) for c in done] == [("Recipe", EXPECTED)]


def test_tool_argument_deltas_from_model_stream() -> None:
    """No graph: ``model.bind_tools(...).stream()`` yields the chunks themselves."""
    model = RecordedChatModel(chunks=recording("tool")).bind_tools([Recipe])
    deltas = list(ul.tool_argument_deltas(model.stream("tea?")))
    assert deltas[0] == ul.ToolCallDelta(0, "call_Qf3kZ8nW2pLx", "Recipe", "")
    assert "".join(d.delta for d in deltas) == ANSWER_TEXT


def test_node_filter() -> None:
    everything = "".join(ul.text_deltas(stream("text", "messages")))
    assert everything == PLAN.replace(" ", "") + ANSWER_TEXT
    assert "".join(ul.text_deltas(stream("text", "messages"), node="writer")) == (ANSWER_TEXT)
    assert "".join(ul.text_deltas(stream("text", "messages"), node="planner")) == (
        PLAN.replace(" ", "")
    )


def test_text_of_a_tool_call_stream_says_what_it_carried() -> None:
    deltas = ul.text_deltas(stream("structured", "messages"), node="writer")
    with pytest.raises(ul.NoContentError) as err, unspool.stream_model(deltas, Recipe) as s:
        list(s)
    message = str(err.value)
    assert "without any text" in message and "tool calls ['Recipe']" in message
    assert "argument_text_deltas" in message and "expected a JSON value" not in message
    assert isinstance(err.value, unspool.IncompleteJSONError)


def test_tool_calls_of_a_text_stream_say_what_it_carried() -> None:
    with pytest.raises(ul.NoContentError, match=r"without any tool calls .* text_deltas"):
        list(ul.iter_tool_calls(stream("text", "v2"), node="writer"))


def test_a_node_that_did_not_stream() -> None:
    with pytest.raises(ul.NoContentError, match=r"from node 'chef', only from 'planner', 'writer'"):
        list(unspool.iter_partial(ul.text_deltas(stream("text", "modes"), node="chef")))


def test_stream_modes_without_messages() -> None:
    source = build("text").stream(QUESTION, stream_mode=["updates", "values"])
    with pytest.raises(ul.NoContentError, match=r"'updates' items.*add 'messages' to stream_mode"):
        list(unspool.iter_partial(ul.text_deltas(source)))


@pytest.mark.parametrize(
    ("options", "shape"),
    [
        ({"stream_mode": "updates"}, r"a dict with keys \['planner'\]"),
        ({"stream_mode": "updates", "subgraphs": True}, r"a dict with keys \['planner'\]"),
    ],
)
def test_a_stream_without_model_chunks_is_a_type_error(options: dict[str, Any], shape: str) -> None:
    with pytest.raises(TypeError, match=shape + r".*add 'messages' to stream_mode"):
        list(ul.text_deltas(build("text").stream(QUESTION, **options)))


def test_structured_output_stream_itself_is_a_type_error() -> None:
    """``with_structured_output(...).stream()`` yields parsed objects, not chunks."""
    model = RecordedChatModel(chunks=recording("tool")).with_structured_output(Recipe)
    with pytest.raises(TypeError, match="cannot read a Recipe"):
        list(ul.text_deltas(model.stream("tea?")))


def test_break_closes_the_graph_stream() -> None:
    source = stream("structured", "messages")
    with unspool.stream_model(ul.argument_text_deltas(source), Recipe) as s:
        for partial in s:
            if partial.steps:
                break
    # LangGraph runs a sync node in a thread it cannot interrupt: it lets the node finish,
    # but the graph's generator is closed and yields nothing more.
    assert source.gi_frame is None  # type: ignore[attr-defined]
    assert list(source) == []


def test_leaving_iter_tool_calls_closes_the_graph_stream() -> None:
    source = stream("bind_tools", "subgraphs-modes")
    with ul.iter_tool_calls(source) as calls:
        for call in calls:
            if call.arguments is not unspool.MISSING and "servings" in call.arguments:
                break
    assert source.gi_frame is None  # type: ignore[attr-defined]


async def test_astream_model_block_cancels_the_model() -> None:
    model = RecordedChatModel(chunks=recording("text"))
    deltas = ul.text_deltas(astream("text", "v2", model), node="writer")
    async with unspool.astream_model(deltas, Recipe) as s:
        async for partial in s:
            if getattr(partial, "title", None):
                break
    assert model.finished and model.streamed < len(model.chunks)


@pytest.mark.parametrize("mode", ["messages", "v2-subgraphs-modes", "events"])
async def test_async_break_cancels_the_model(mode: str) -> None:
    model = RecordedChatModel(chunks=recording("tool"))
    source = astream("structured", mode, model)
    async with ul.aiter_tool_calls(source, models={"Recipe": Recipe}) as calls:
        async for call in calls:
            if call.arguments is not unspool.MISSING and call.arguments.get("steps"):
                break
    assert model.finished and model.streamed < len(model.chunks)


@pytest.mark.parametrize("kind", ["text", "bind_tools"])
def test_a_subgraph_without_subgraphs_true_sends_the_whole_message(kind: str) -> None:
    """Without ``subgraphs=True`` LangGraph hides a subgraph's tokens and sends the finished
    AIMessage from the parent node ("kitchen") instead: one chunk, still read in full."""
    source = build(kind, nested=True).stream(QUESTION, stream_mode="messages")
    if kind == "text":
        partials = list(unspool.iter_partial(ul.text_deltas(source, node="kitchen")))
        assert partials == [EXPECTED.model_dump()]
    else:
        calls = list(ul.iter_tool_calls(source, models={"Recipe": Recipe}, node="kitchen"))
        assert [(c.id, c.done, c.arguments) for c in calls][-1] == (
            "call_Qf3kZ8nW2pLx",
            True,
            EXPECTED,
        )


@pytest.mark.parametrize("mode", ["subgraphs", "v2-subgraphs-modes"])
def test_node_names_the_subgraph_too(mode: str) -> None:
    """``node="kitchen"`` keeps what the nodes of the kitchen subgraph stream."""
    for node in ("kitchen", "writer"):
        deltas = ul.argument_text_deltas(stream("structured", mode), node=node)
        assert "".join(deltas) == ANSWER_TEXT
    deltas = ul.text_deltas(stream("structured", mode), node="kitchen")
    with pytest.raises(ul.NoContentError, match="without any text"):
        list(deltas)


REFUSALS = {
    "additional_kwargs": [
        {"content": "", "additional_kwargs": {"refusal": part}} for part in ("I can't ", "help.")
    ],
    "content_block": [{"content": [{"type": "refusal", "refusal": "I can't help."}]}],
}


@pytest.mark.parametrize("shape", REFUSALS)
def test_a_refusal_is_loud(shape: str) -> None:
    model = RecordedChatModel(chunks=REFUSALS[shape])
    source = build("text", model=model).stream(QUESTION, stream_mode="messages")
    deltas = ul.text_deltas(source, node="writer")
    with pytest.raises(ul.RefusalError, match=r"the model refused: I can't help\.$"):
        list(unspool.iter_partial(deltas))
    assert deltas.refusal == "I can't help."


def test_a_refusal_of_structured_output() -> None:
    """langchain-core's own parser raises for a refusal block; additional_kwargs reach us."""
    model = RecordedChatModel(chunks=REFUSALS["additional_kwargs"])
    source = build("structured", model=model).stream(QUESTION, stream_mode="messages")
    with pytest.raises(ul.RefusalError, match=r"the model refused: I can't help\.$"):
        list(ul.iter_tool_calls(source, node="writer"))
