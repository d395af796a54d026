// node --test tests/js: the browser client against event streams the Python encoder made
// (tests/js/streams.json, kept current by tests/test_sse_js.py).
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import { test } from "node:test";

import { EventReader, Patcher, ProtocolError, consume } from "../../src/unspool/static/unspool.js";

const streams = JSON.parse(readFileSync(new URL("./streams.json", import.meta.url), "utf8"));
const byName = Object.fromEntries(streams.map((s) => [s.name, s]));

// JSON text -> value as this module reads it (JSON.parse), for comparison.
const parsed = (text) => (text === undefined ? undefined : JSON.parse(text));
const normal = (value) => (value === undefined ? "MISSING" : value);

for (const stream of streams) {
  test(`after every event the value is the Python snapshot: ${stream.name}`, () => {
    const patcher = new Patcher();
    for (const [event, data, snapshot] of stream.frames) {
      patcher.apply(event, data);
      const expected = JSON.parse(snapshot);
      assert.deepStrictEqual(normal(patcher.value), expected === "unspool.MISSING" ? "MISSING" : expected);
    }
  });

  test(`the SSE text read in pieces gives the same events: ${stream.name}`, () => {
    const expected = stream.frames.map(([event, data]) => [event, data]);
    for (const size of [1, 3, 17, stream.sse.length]) {
      for (const text of [stream.sse, stream.sse.replaceAll("\n", "\r\n")]) {
        const reader = new EventReader();
        const got = [];
        for (let i = 0; i < text.length; i += size) {
          for (const [event, data] of reader.feed(text.slice(i, i + size))) got.push([event, data]);
        }
        assert.deepStrictEqual(got, expected);
      }
    }
  });
}

test("integers beyond 2^53 become the nearest double, as JSON.parse gives them", () => {
  const patcher = new Patcher();
  for (const [event, data] of byName["big-integers"].frames) patcher.apply(event, data);
  assert.equal(patcher.value.n, 12345678901234567890);
  assert.equal(patcher.value.n, JSON.parse("12345678901234567890"));
  assert.equal(patcher.value.m, 9007199254740992); // 2^53 + 1 is not a double
  assert.equal(typeof patcher.value.m, "number");
});

test("a patch that does not fit is refused", () => {
  for (const ops of [
    [["=", "", { a: [] }], ["=", "/a/1", 1]],
    [["=", "", { a: 1 }], ["+", "/a", "x"]],
    [["=", "", { a: 1 }], ["=", "/b/c", 1]],
    [["=", "", { a: 1 }], ["+", "x"]],
    [["?", "", 1]],
  ]) {
    assert.throws(() => new Patcher().apply("patch", ops), ProtocolError);
  }
});

// A Response whose body yields the UTF-8 of `text` in pieces of `size` bytes (split anywhere,
// also inside a character).
function responseOf(text, size = 7) {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

test("consume calls onPartial, onItem and onDone", async () => {
  const stream = byName["article-items"];
  const partials = [];
  const items = [];
  let done;
  const result = await consume(responseOf(stream.sse), {
    onPartial: (value) => partials.push(JSON.stringify(value)),
    onItem: (item, index) => items.push([index, item]),
    onDone: (value) => (done = value),
    onError: () => assert.fail("no error expected"),
  });
  const final = parsed(stream.frames.at(-1)[2]);
  assert.equal(result.status, "done");
  assert.deepStrictEqual(done, final);
  assert.ok(partials.length > 3, "partial values were shown before the end");
  assert.notEqual(partials[0], JSON.stringify(final));
  assert.deepStrictEqual(
    items,
    final.sections.map((section, index) => [index, section]),
  );
  assert.equal(result.lastId, String(stream.frames.length));
});

test("consume reports an error event and stops", async () => {
  const errors = [];
  let done = false;
  const result = await consume(responseOf(byName.error.sse, 5), {
    onError: (error) => errors.push(error),
    onDone: () => (done = true),
  });
  assert.equal(result.status, "error");
  assert.equal(done, false);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].kind, "expected_value");
  assert.equal(errors[0].path, "/n/2");
  assert.deepStrictEqual(result.value, { title: "Hello", n: [1, 2] });
});

test("consume reports a body that ends without done, and an HTTP error", async () => {
  const text = byName["article-random"].sse;
  const cut = text.slice(0, text.lastIndexOf("event: done"));
  const errors = [];
  const result = await consume(responseOf(cut), { onError: (e) => errors.push(e) });
  assert.equal(result.status, "incomplete");
  assert.equal(errors[0].kind, "incomplete_stream");
  const failed = await consume(new Response("nope", { status: 502 }), { onError: (e) => errors.push(e) });
  assert.equal(failed.status, "error");
  assert.equal(errors[1].kind, "http");
});

test("aborting the fetch stops consume and closes the connection", async () => {
  const frames = byName["article-random"].sse.split(/(?<=\n\n)/);
  let closed;
  const serverSawClose = new Promise((resolve) => (closed = resolve));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(frames[0] + frames[1]); // then the "model" goes quiet
    res.on("close", () => closed(res.writableEnded));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`, {
      method: "POST",
      signal: controller.signal,
    });
    const partials = [];
    const result = await consume(response, {
      onPartial: (value) => {
        partials.push(value);
        controller.abort();
      },
      onDone: () => assert.fail("not done"),
      onError: () => assert.fail("an abort is not an error"),
    });
    assert.equal(result.status, "aborted");
    assert.equal(partials.length, 1);
    assert.equal(await serverSawClose, false, "the server saw the client go before the end");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
