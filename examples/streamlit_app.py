"""A Streamlit chat over a LangGraph graph whose assistant answers with a structured recipe,
drawn live as it streams::

    pip install -e '.[streamlit]'
    streamlit run examples/streamlit_app.py

The graph is the LangGraph chatbot of Streamlit's guide (a ``StateGraph`` over
``MessagesState`` with one ``chatbot`` node), streamed with ``stream_mode="messages"``; where
the guide writes prose with ``st.write_stream``, this app hands the model's text to
``unspool.streamlit.write_model``, which shows the ``Recipe`` growing in one placeholder and
returns it validated.

The model: with ``OPENAI_API_KEY`` set (and ``pip install langchain-openai``), ``ChatOpenAI``
(``OPENAI_MODEL``, default ``gpt-4o-mini``) in JSON mode.  Without it, an offline chat model
replays the answers recorded in ``examples/streamlit_recording.json``, one per question in
turn, a chunk every ``UNSPOOL_REPLAY_DELAY`` seconds (default 0.03);
``UNSPOOL_RECORDING=path`` replays another recording of the same form.

The history lives in ``st.session_state.messages``; an answer is kept as the text the model
sent, and drawn again on every rerun by ``write_model`` (a whole text is one chunk).
``extract=True`` skips what a model may put around its JSON (a sentence, a code fence).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import time
from collections.abc import Iterator
from typing import Any

import streamlit as st
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.graph import START, MessagesState, StateGraph
from pydantic import BaseModel, Field

import unspool

RECORDING = pathlib.Path(__file__).with_name("streamlit_recording.json")


class Step(BaseModel):
    instruction: str
    minutes: int = Field(gt=0)


class Recipe(BaseModel):
    title: str
    summary: str
    servings: int = Field(gt=0)
    ingredients: list[str]
    steps: list[Step]
    tip: str | None = Field(default=None, title="Chef's tip")


SYSTEM = (
    "You are a cook. Answer every message with one recipe: a JSON object of this JSON schema, "
    f"and nothing else.\n{json.dumps(Recipe.model_json_schema())}"
)


class RecordedChatModel(BaseChatModel):
    """A chat model that streams recorded answers: the n-th question gets answer n (cycling)."""

    answers: list[list[str]]
    delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "recorded"

    def _answer(self, messages: list[BaseMessage]) -> list[str]:
        questions = sum(message.type == "human" for message in messages)
        return self.answers[(questions - 1) % len(self.answers)]

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        text = "".join(self._answer(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        run_manager = kwargs.get("run_manager")
        for text in self._answer(messages):
            time.sleep(self.delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager is not None:  # what LangGraph's "messages" mode listens to
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk


def chat_model(recording: str, delay: float) -> Any:
    if os.environ.get("OPENAI_API_KEY"):
        from langchain_openai import ChatOpenAI  # pip install langchain-openai

        model = ChatOpenAI(model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
        return model.bind(response_format={"type": "json_object"})
    answers = json.loads(pathlib.Path(recording).read_text(encoding="utf-8"))["answers"]
    return RecordedChatModel(answers=answers, delay=delay)


@st.cache_resource
def chatbot_graph(recording: str, delay: float, openai: bool) -> Any:
    """The guide's graph: START -> chatbot, the model's reply added to the messages."""
    model = chat_model(recording, delay)

    def chatbot(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [model.invoke([SystemMessage(SYSTEM), *state["messages"]])]}

    graph = StateGraph(MessagesState)
    graph.add_node("chatbot", chatbot)
    graph.add_edge(START, "chatbot")
    return graph.compile()


def kept(chunks: Any, text: list[str]) -> Iterator[str]:
    """The chunks, appended to ``text`` as they pass; closing this closes ``chunks``."""
    with contextlib.closing(chunks):
        for chunk in chunks:
            text.append(chunk)
            yield chunk


def answer(messages: list[dict[str, str]]) -> str:
    """Stream the graph's answer into the page; return the text the model sent."""
    graph = chatbot_graph(
        os.environ.get("UNSPOOL_RECORDING", str(RECORDING)),
        float(os.environ.get("UNSPOOL_REPLAY_DELAY", "0.03")),
        bool(os.environ.get("OPENAI_API_KEY")),
    )
    stream = graph.stream({"messages": messages}, stream_mode="messages")
    text: list[str] = []
    with st.spinner("Cooking…"):
        deltas = unspool.langchain.text_deltas(stream, node="chatbot")
        unspool.streamlit.write_model(kept(deltas, text), Recipe, extract=True)
    return "".join(text)


st.title("Recipe chat")
st.caption("Structured answers drawn as they stream: `unspool.streamlit.write_model`")

if "messages" not in st.session_state:
    st.session_state.messages = []

for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["content"])
        else:
            unspool.streamlit.write_model([message["content"]], Recipe, extract=True)

if prompt := st.chat_input("Ask for a recipe"):
    st.session_state.messages.append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        reply = answer(st.session_state.messages)
    st.session_state.messages.append({"role": "assistant", "content": reply})
