// node --test tests/js: the Vercel AI SDK itself (the `ai` package, `npm install` in tests/js)
// reads the UI message streams unspool.sse.vercel_stream made (tests/js/vercel.json), the way
// useChat's transport does: parseJsonEventStream with the SDK's chunk schema, then
// readUIMessageStream, which keeps one data part per id.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const cases = JSON.parse(readFileSync(new URL("./vercel.json", import.meta.url), "utf8"));

let sdk = null;
try {
  sdk = { ...(await import("ai")), ...(await import("@ai-sdk/provider-utils")) };
} catch {
  // reported by the tests below
}

function bodyOf(text, size = 9) {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
}

async function read(text) {
  const parts = sdk.parseJsonEventStream({ stream: bodyOf(text), schema: sdk.uiMessageChunkSchema });
  const chunks = parts.pipeThrough(
    new TransformStream({
      transform(part, controller) {
        if (!part.success) throw part.error; // a part the SDK's schema refuses
        controller.enqueue(part.value);
      },
    }),
  );
  const messages = [];
  const errors = [];
  for await (const message of sdk.readUIMessageStream({ stream: chunks, onError: (e) => errors.push(e) })) {
    messages.push(structuredClone(message));
  }
  return { messages, errors };
}

// Skipped only off CI: .ci/run installs the package, and there a missing one fails.
const skip = sdk || process.env.CI ? false : "the `ai` package is not installed (npm ci in tests/js)";

test("useChat's reader shows the object growing in one data part, and each item", { skip }, async () => {
  const stream = cases.find((c) => c.name === "article-items");
  const { messages, errors } = await read(stream.sse);
  assert.deepStrictEqual(errors, []);
  const last = messages.at(-1);
  assert.equal(last.id, "msg-1");
  const answers = last.parts.filter((p) => p.type === "data-answer");
  assert.equal(answers.length, 1, "one part, replaced as the object grows");
  assert.deepStrictEqual(answers[0].data, stream.value);
  const items = last.parts.filter((p) => p.type === "data-answer-item").map((p) => p.data);
  assert.deepStrictEqual(items, stream.items);
  const sizes = messages.map((m) => JSON.stringify(m.parts.find((p) => p.type === "data-answer")?.data ?? null).length);
  assert.ok(new Set(sizes).size > 3, "the message showed partial objects before the final one");
});

test("an error part reaches useChat's onError", { skip }, async () => {
  const stream = cases.find((c) => c.name === "error");
  const { messages, errors } = await read(stream.sse);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0].message ?? errors[0]), /expected a JSON value/);
  const answers = messages.at(-1).parts.filter((p) => p.type === "data-answer");
  assert.deepStrictEqual(answers[0].data, stream.value);
});
