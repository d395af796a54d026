"""The streaming-guide endpoint rebuilt with unspool: a structured answer, live in the page.

    pip install 'unspool[openai,pydantic,web]'
    python examples/fastapi_app/app.py            # then open http://127.0.0.1:8000

``POST /chat/stream`` asks the model for an answer with a title, a summary and a list of
sections, and forwards it as server-sent events made by ``unspool.sse.stream``: each event
carries what changed (characters appended, a new section), never the whole object again.
The page (static/index.html) rebuilds the object with ``unspool.js`` and shows it as it
grows; each section becomes a card the moment it is complete and valid.  Its Stop button
aborts the fetch: the server sees the client go, and closing the response closes the model's
HTTP stream.

With ``OPENAI_API_KEY`` set it calls the API (``OPENAI_MODEL``, default gpt-4o-mini).
Without it, the real ``openai.AsyncOpenAI`` client reads a recorded response (recorded/*.sse)
through ``httpx.MockTransport``, paced like a model (``UNSPOOL_TOKEN_DELAY`` seconds per
token, default 0.03); ``POST /chat/stream?replay=invalid`` replays an answer whose second
section breaks the schema, and ``GET /replays`` says how far each replay was read and whether
it was closed (what the browser test asserts).
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openai
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel

import unspool.openai
from unspool import sse

HERE = Path(__file__).parent
RECORDED = {
    "answer": HERE / "recorded" / "answer.sse",
    "invalid": HERE / "recorded" / "answer_invalid.sse",
}


class Section(BaseModel):
    heading: str
    body: str


class Answer(BaseModel):
    title: str
    summary: str
    sections: list[Section]


class Question(BaseModel):
    question: str = "How do I brew better tea?"


SYSTEM = (
    "Answer as a JSON object with a short title, a two-sentence summary and a list of 3 "
    "sections, each with a heading and a body."
)


def _http_module() -> Any:
    """The HTTP library under the installed openai client (httpx, or httpx2 in new releases)."""
    for cls in openai.DefaultAsyncHttpxClient.__mro__:
        if cls.__module__.startswith("httpx"):
            return importlib.import_module(cls.__module__.partition(".")[0])
    raise RuntimeError("openai is not built on httpx")


class Replay:
    """A recorded response body, served one server-sent event per ``delay`` seconds, that
    records how far it was read and whether it was closed."""

    def __init__(self, path: Path, delay: float) -> None:
        raw = path.read_bytes()
        self.events = [part + b"\n\n" for part in raw.split(b"\n\n") if part.strip()]
        self.delay = delay
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in self.events:
            await asyncio.sleep(self.delay)
            self.sent += 1
            yield event

    async def aclose(self) -> None:
        self.closed = True

    def state(self) -> dict[str, Any]:
        return {"sent": self.sent, "total": len(self.events), "closed": self.closed}


def replay_client(replays: list[Replay], which: str, delay: float) -> openai.AsyncOpenAI:
    """The real async client, reading a recorded body instead of the network."""
    http = _http_module()
    body_type = type("ReplayBody", (Replay, http.AsyncByteStream), {})

    def handler(request: Any) -> Any:
        body = body_type(RECORDED.get(which, RECORDED["answer"]), delay)
        replays.append(body)
        return http.Response(200, headers={"content-type": "text/event-stream"}, stream=body)

    client = openai.DefaultAsyncHttpxClient(transport=http.MockTransport(handler))
    return openai.AsyncOpenAI(api_key="sk-replay", base_url="http://replay/v1", http_client=client)


def create_app(token_delay: float | None = None) -> FastAPI:
    app = FastAPI(title="unspool live answer")
    live = bool(os.environ.get("OPENAI_API_KEY"))
    delay = (
        float(os.environ.get("UNSPOOL_TOKEN_DELAY", "0.03")) if token_delay is None else token_delay
    )
    replays: list[Replay] = []

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(HERE / "static" / "index.html")

    @app.get("/static/unspool.js")
    async def client_module() -> FileResponse:
        return FileResponse(sse.JS_PATH, media_type="text/javascript")

    @app.get("/static/page.js")
    async def page_module() -> FileResponse:
        return FileResponse(HERE / "static" / "page.js", media_type="text/javascript")

    @app.post("/chat/stream")
    async def chat_stream(
        question: Question, request: Request, replay: str = "answer"
    ) -> StreamingResponse:
        client = openai.AsyncOpenAI() if live else replay_client(replays, replay, delay)
        stream = await client.chat.completions.create(
            model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": question.question},
            ],
            response_format={"type": "json_object"},
            stream=True,
        )
        # Each section is validated as it completes; a bad one ends the stream with an error
        # event.  Closing this body (the client went) closes `stream` and its HTTP response.
        frames = sse.stream(unspool.openai.text_deltas(stream), at="/sections", model=Section)
        return StreamingResponse(frames, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)

    @app.get("/replays")
    async def replay_states() -> list[dict[str, Any]]:
        return [body.state() for body in replays]

    return app


app = create_app()


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
