// unspool.js -- the browser client of unspool.sse: an ES module without dependencies.
//
//   import { consume } from "/static/unspool.js";
//   const controller = new AbortController();
//   const response = await fetch("/chat/stream", { method: "POST", body, signal: controller.signal });
//   await consume(response, {
//     onPartial(value) { render(value); },          // the value so far, after each batch of patches
//     onItem(item, index) { addCard(item, index); },// each item (server: stream(..., at=...))
//     onDone(value) { markDone(value); },
//     onError(error) { showError(error); },         // {kind, message, pos, line, column, path}
//   });
//   // stop: controller.abort() -- consume() then resolves with status "aborted"
//
// The events (see unspool/sse.py): `patch` carries operations, each `["=", pointer, value]`
// (a new key, the next array element, or "" for the document) or `["+", pointer, text]`
// (characters appended to a string; `["+", text]`: to the string the previous operation
// named); `item` {index, value}; `error` {kind, message, ...}; `done`.
// A patch costs time in proportion to its size: keys and elements are only added, strings only
// appended to (engines keep a growing string as a rope, so `+=` does not copy it).
//
// Numbers are read by JSON.parse: an integer beyond 2^53 (Number.MAX_SAFE_INTEGER) arrives as
// the nearest double, exactly as JSON.parse would give it (12345678901234567890 becomes
// 12345678901234567000). Where exact digits matter, have the model write such numbers as strings.

export class ProtocolError extends Error {}

function parsePointer(pointer) {
  if (pointer === "") return [];
  if (pointer[0] !== "/") throw new ProtocolError(`not a JSON Pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// Rebuilds the value from the events of unspool.sse: after each event, `value` equals the
// server's snapshot after the same event.
export class Patcher {
  constructor() {
    this.value = undefined; // nothing before the first patch
    this.items = [];
    this.done = false;
    this.error = null;
  }

  #target = null; // the string the last operation named (a pointer)

  // Apply one event; `data` as JSON text or already parsed. Unknown events are ignored.
  apply(event, data) {
    if (typeof data === "string") data = JSON.parse(data);
    switch (event) {
      case "patch":
        for (const op of data) this.#applyOp(op);
        break;
      case "item":
        this.items.push(data.value);
        break;
      case "error":
        this.error = data;
        break;
      case "done":
        this.done = true;
        break;
    }
  }

  #applyOp(op) {
    if (op.length === 2 && op[0] === "+") {
      // ["+", text]: to the string the previous operation named.
      if (this.#target === null) throw new ProtocolError("'+' without a pointer, and no string before it");
      op = ["+", this.#target, op[1]];
    }
    const [kind, pointer, value] = op;
    this.#target = kind === "+" || typeof value === "string" ? pointer : null;
    if (kind === "=" && pointer === "") {
      this.value = value;
      return;
    }
    const [parent, key] = this.#locate(pointer);
    if (kind === "+") {
      const current = parent === null ? this.value : parent[key];
      if (typeof current !== "string") {
        throw new ProtocolError(`'+' on a non-string at ${JSON.stringify(pointer)}`);
      }
      if (parent === null) this.value = current + value;
      else parent[key] = current + value;
    } else if (kind === "=") {
      if (Array.isArray(parent)) {
        if (key !== parent.length) {
          throw new ProtocolError(`'=' at ${pointer}: the array has ${parent.length} elements`);
        }
        parent.push(value);
      } else {
        parent[key] = value;
      }
    } else {
      throw new ProtocolError(`unknown operation ${JSON.stringify(kind)}`);
    }
  }

  // The container and key (a number for arrays) that `pointer` names; [null, null]: the value.
  #locate(pointer) {
    const parts = parsePointer(pointer);
    if (parts.length === 0) return [null, null];
    let node = this.value;
    for (const part of parts.slice(0, -1)) {
      node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
      if (node === undefined) throw new ProtocolError(`no container at ${pointer}`);
    }
    const last = parts[parts.length - 1];
    if (Array.isArray(node)) return [node, Number(last)];
    if (!isObject(node)) throw new ProtocolError(`no container at ${pointer}`);
    return [node, last];
  }
}

// A server-sent-events parser: feed(text) returns the [event, data, id] of each event it
// completes (comments and keep-alives are skipped). Text may be split anywhere.
export class EventReader {
  #rest = "";
  #event = "message";
  #data = [];
  #id = null;

  feed(text) {
    let buffer = this.#rest + text;
    // A last "\r" may be the first half of "\r\n": keep it for the next feed.
    const held = buffer.endsWith("\r") ? "\r" : "";
    if (held) buffer = buffer.slice(0, -1);
    const lines = buffer.split(/\r\n|\n|\r/);
    this.#rest = lines.pop() + held; // the part after the last whole line
    const out = [];
    for (const line of lines) {
      if (line === "") {
        if (this.#data.length) out.push([this.#event, this.#data.join("\n"), this.#id]);
        this.#event = "message";
        this.#data = [];
        this.#id = null;
        continue;
      }
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (name === "event") this.#event = value;
      else if (name === "data") this.#data.push(value);
      else if (name === "id") this.#id = value;
    }
    return out;
  }
}

const isAbort = (err) => err && (err.name === "AbortError" || err.code === 20);

// Read a fetch Response of unspool.sse events (POST works: this is not EventSource) and call
// the handlers. Resolves to {status, value, lastId}: status "done", "error" (the server sent an
// error event, or the response was not a 2xx), "aborted" (an AbortController stopped the fetch:
// no handler is called after it) or "incomplete" (the body ended without done or error:
// onError gets {kind: "incomplete_stream"}).
export async function consume(response, handlers = {}) {
  const { onPartial, onItem, onDone, onError } = handlers;
  const patcher = new Patcher();
  if (!response.ok) {
    const error = { kind: "http", message: `HTTP ${response.status} ${response.statusText}` };
    onError?.(error);
    return { status: "error", value: undefined, lastId: null, error };
  }
  const events = new EventReader();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let lastId = null;
  try {
    for (;;) {
      const { value: text, done } = await reader.read();
      if (done) break;
      let patched = false;
      for (const [event, data, id] of events.feed(text)) {
        if (id !== null) lastId = id;
        patcher.apply(event, data);
        if (event === "patch") {
          patched = true;
          continue;
        }
        if (patched) onPartial?.(patcher.value);
        patched = false;
        if (event === "item") {
          const { value, index } = JSON.parse(data);
          onItem?.(value, index);
        } else if (event === "error") {
          onError?.(patcher.error);
          return { status: "error", value: patcher.value, lastId, error: patcher.error };
        } else if (event === "done") {
          onDone?.(patcher.value);
          return { status: "done", value: patcher.value, lastId };
        }
      }
      if (patched) onPartial?.(patcher.value);
    }
  } catch (err) {
    if (isAbort(err)) return { status: "aborted", value: patcher.value, lastId };
    throw err;
  } finally {
    reader.releaseLock();
  }
  const error = { kind: "incomplete_stream", message: "the stream ended without done or error" };
  onError?.(error);
  return { status: "incomplete", value: patcher.value, lastId, error };
}
