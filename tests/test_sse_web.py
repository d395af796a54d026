"""unspool.sse as the body of the three ways FastAPI users send server-sent events (the
README's examples): Starlette's StreamingResponse, FastAPI's own EventSourceResponse, and
sse-starlette -- each read back by an HTTP client and rebuilt with Patcher."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
pytest.importorskip("sse_starlette")
from fastapi.responses import StreamingResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from unspool import sse  # noqa: E402

DOC = {"title": "Tea", "sections": [{"heading": "Water", "body": "Fresh."}, {"heading": "Time"}]}
TEXT = json.dumps(DOC)


async def model() -> AsyncIterator[str]:
    for i in range(0, len(TEXT), 3):
        yield TEXT[i : i + 3]


def make_app() -> Any:
    from fastapi.sse import EventSourceResponse as FastAPIEventSource
    from sse_starlette import EventSourceResponse

    app = fastapi.FastAPI()

    @app.post("/streaming")
    async def streaming() -> StreamingResponse:
        frames = sse.stream(model(), at="/sections")
        return StreamingResponse(frames, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)

    @app.post("/fastapi-sse")
    async def fastapi_sse() -> FastAPIEventSource:
        return FastAPIEventSource(sse.stream(model(), at="/sections"), headers=sse.HEADERS)

    @app.post("/sse-starlette")
    async def sse_starlette() -> EventSourceResponse:
        return EventSourceResponse(sse.events(model(), at="/sections"), headers=sse.HEADERS)

    @app.post("/vercel")
    async def vercel() -> StreamingResponse:
        frames = sse.vercel_stream(model(), at="/sections")
        return StreamingResponse(frames, media_type=sse.MEDIA_TYPE, headers=sse.VERCEL_HEADERS)

    return app


@pytest.mark.parametrize("route", ["/streaming", "/fastapi-sse", "/sse-starlette"])
def test_each_response_class_carries_the_events(route: str) -> None:
    with TestClient(make_app()) as client, client.stream("POST", route) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        patcher = sse.Patcher()
        for text in response.iter_text():
            patcher.feed(text)
    assert patcher.done and patcher.value == DOC
    assert patcher.items == DOC["sections"]
    assert patcher.last_id is not None and int(patcher.last_id) > 5


def test_the_vercel_stream_over_http() -> None:
    with TestClient(make_app()) as client:
        response = client.post("/vercel")
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    datas = [data for _, data, _ in sse.Reader().feed(response.text)]
    assert datas[-1] == "[DONE]"
    parts = [json.loads(d) for d in datas[:-1]]
    assert [p for p in parts if p["type"] == "data-object"][-1]["data"] == DOC
