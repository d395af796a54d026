"""Real SDK clients over a mock HTTP transport that serves the SSE bodies in tests/fixtures.

The body is served one server-sent event per chunk and records how many chunks were read and
when it was closed: that is how the early-close tests prove an adapter stopped the download.
The SDKs sit on ``httpx`` or (recent releases) ``httpx2``; the transport comes from whichever
the installed SDK uses.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"


def http_module(sdk: ModuleType) -> ModuleType:
    """The HTTP library (``httpx`` or ``httpx2``) under an SDK's default client."""
    for cls in sdk.DefaultHttpxClient.__mro__:
        if cls.__module__.startswith("httpx"):
            return importlib.import_module(cls.__module__.partition(".")[0])
    raise RuntimeError(f"{sdk.__name__} is not built on httpx")


def sse_data(name: str) -> list[Any]:
    """The JSON payload of every ``data:`` line of a fixture (to compute expected values)."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


class Body:
    """A streamed response body that records how far it was read and whether it was closed.

    ``hang_after=k`` makes the async body wait forever after ``k`` chunks, like a model that
    is still thinking: only cancellation gets a consumer out of it.
    """

    def __init__(self, name: str, hang_after: int | None = None) -> None:
        raw = (FIXTURES / name).read_bytes()
        self.chunks = [part + b"\n\n" for part in raw.split(b"\n\n") if part.strip()]
        self.hang_after = hang_after
        self.sent = 0
        self.closed = False
        self.sent_when_closed: int | None = None

    @property
    def fully_read(self) -> bool:
        return self.sent == len(self.chunks)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if self.sent == self.hang_after:
                await asyncio.Event().wait()
            self.sent += 1
            yield chunk

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sent_when_closed = self.sent

    async def aclose(self) -> None:
        self.close()

    def assert_closed_early(self) -> None:
        """The proof: the response was closed before its body was fully read."""
        assert self.closed, "the HTTP response was not closed"
        assert self.sent_when_closed is not None
        assert self.sent_when_closed < len(self.chunks), "the body was read to the end"
        assert self.sent == self.sent_when_closed, "the body was read after it was closed"


class Served:
    """One fixture body and the real SDK clients that fetch it (``body`` exists once a
    client has been made)."""

    def __init__(self, name: str, hang_after: int | None = None) -> None:
        self.name = name
        self.hang_after = hang_after
        self.requests: list[Any] = []

    def _transport(self, sdk: ModuleType) -> Any:
        http = http_module(sdk)
        cls = type("RecordedBody", (Body, http.SyncByteStream, http.AsyncByteStream), {})
        self.body: Body = cls(self.name, self.hang_after)

        def handler(request: Any) -> Any:
            self.requests.append(request)
            headers = {"content-type": "text/event-stream"}
            return http.Response(200, headers=headers, stream=self.body)

        return http.MockTransport(handler)

    @property
    def request_json(self) -> Any:
        return json.loads(self.requests[-1].content)

    def openai(self) -> Any:
        import openai

        http = openai.DefaultHttpxClient(transport=self._transport(openai))
        return openai.OpenAI(api_key="sk-test", base_url="http://test/v1", http_client=http)

    def async_openai(self) -> Any:
        import openai

        http = openai.DefaultAsyncHttpxClient(transport=self._transport(openai))
        return openai.AsyncOpenAI(api_key="sk-test", base_url="http://test/v1", http_client=http)

    def anthropic(self) -> Any:
        import anthropic

        http = anthropic.DefaultHttpxClient(transport=self._transport(anthropic))
        return anthropic.Anthropic(api_key="sk-ant-test", base_url="http://test", http_client=http)

    def async_anthropic(self) -> Any:
        import anthropic

        http = anthropic.DefaultAsyncHttpxClient(transport=self._transport(anthropic))
        return anthropic.AsyncAnthropic(
            api_key="sk-ant-test", base_url="http://test", http_client=http
        )


@pytest.fixture
def served() -> Callable[..., Served]:
    """``served("openai_chat_json.sse")``: a body plus clients that serve it."""
    return Served
