"""Bytes on the wire when a growing answer is sent to a browser as server-sent events.

    python -m benchmarks.wire            # the article at 1, 10 and 100 KB (a minute or two)
    python -m benchmarks.wire --quick    # 1 and 10 KB (CI smoke run: also checks every value)

The same article (``workloads.make_article``) is streamed in LLM-sized chunks (1-12
characters, mean about 4: ``workloads.llm_chunks``) and sent four ways, each as SSE text:

- ``unspool``: ``unspool.sse.stream``, a ``patch`` event per chunk that changed something
  (with its ``id:`` and ``event:`` lines);
- ``unspool, 8 per frame``: the same encoder flushed every 8 chunks, what ``min_interval``
  does when tokens come 8 times faster than the page paints;
- ``JSON Patch``: RFC 6902 operations per chunk, as the LangChain / AG-UI state streams send
  them: ``add`` for a new member, ``replace`` with the whole string for a string that grew;
- ``snapshot``: ``data: <the whole partial object>`` per chunk (the streaming guides' way).

Every approach is checked: the value a client rebuilds from its events equals the document.
Reported: wire bytes / JSON bytes (the ratio; flat means O(n) on the wire), and the CPU time
to encode (``time.process_time``, median of 3 passes; one pass at 100 KB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from unspool import Parser, sse

from .workloads import llm_chunks, make_article

SIZES = {"1 KB": 1_000, "10 KB": 10_000, "100 KB": 100_000}
QUICK = ("1 KB", "10 KB")
SEED = 7


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def unspool_frames(chunks: list[str], per_frame: int = 1) -> list[str]:
    """``sse.stream``'s frames; with ``per_frame`` > 1 the encoder is flushed every
    ``per_frame`` chunks (as ``min_interval`` does) and the frames are rendered alike."""
    if per_frame == 1:
        return list(sse.stream(chunks))
    encoder = sse.Encoder()
    frames: list[tuple[str, str]] = []
    for n, chunk in enumerate(chunks, 1):
        frames += encoder.feed(chunk)
        if n % per_frame == 0:
            frames += encoder.flush()
    frames += encoder.close()
    return [f"id: {i}\nevent: {e}\ndata: {d}\n\n" for i, (e, d) in enumerate(frames, 1)]


def json_patch_frames(chunks: list[str]) -> list[str]:
    """RFC 6902 operations per chunk: ``add`` new members, ``replace`` a grown string whole.

    Derived from unspool's patches (``+`` becomes a ``replace`` carrying the whole string so
    far), which is what a diff of consecutive snapshots gives, without its quadratic CPU."""
    encoder = sse.Encoder()
    client = sse.Patcher()  # to know each grown string whole
    frames = []
    where = ""
    for chunk in [*chunks, None]:
        new = encoder.close() if chunk is None else encoder.feed(chunk) + encoder.flush()
        ops = []
        for event, data in new:
            if event != "patch":
                continue
            for op in json.loads(data):
                client.apply("patch", [op])
                if len(op) == 2:  # ["+", text]: the string the previous operation named
                    op = ["+", where, op[1]]
                kind, where, value = op
                if kind == "+":
                    ops.append({"op": "replace", "path": where, "value": _get(client, where)})
                else:
                    ops.append({"op": "add", "path": where, "value": value})
        if ops:
            frames.append(f"data: {_dumps(ops)}\n\n")
    return frames


def _get(patcher: sse.Patcher, where: str) -> Any:
    node = patcher.value
    for part in where.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if type(node) is list else node[part]
    return node


def snapshot_frames(chunks: list[str]) -> list[str]:
    """The whole partial object after each chunk that changed it."""
    parser = Parser(events=False)
    frames = []
    for chunk in chunks:
        parser.feed(chunk)
        if parser.changed:
            frames.append(f"data: {_dumps(parser.value)}\n\n")
    parser.close()
    return frames


def rebuild_json_patch(frames: list[str]) -> Any:
    value: Any = None
    for frame in frames:
        for op in json.loads(frame[6:]):
            parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
            if not parts:
                value = op["value"]
                continue
            node = value
            for part in parts[:-1]:
                node = node[int(part)] if type(node) is list else node[part]
            key: Any = parts[-1]
            if type(node) is list and op["op"] == "add":
                node.append(op["value"])
                continue
            node[int(key) if type(node) is list else key] = op["value"]
    return value


APPROACHES: dict[str, tuple[Callable[[list[str]], list[str]], Callable[[list[str]], Any]]] = {
    "unspool": (unspool_frames, lambda f: _patched("".join(f))),
    "unspool, 8 per frame": (lambda c: unspool_frames(c, 8), lambda f: _patched("".join(f))),
    "JSON Patch (replace)": (json_patch_frames, rebuild_json_patch),
    "snapshot per chunk": (snapshot_frames, lambda f: json.loads(f[-1][6:])),
}


def _patched(text: str) -> Any:
    patcher = sse.Patcher()
    patcher.feed(text)
    assert patcher.done
    return patcher.value


def measure(label: str, target: int) -> dict[str, Any]:
    text = make_article(target, SEED)
    chunks = llm_chunks(text, SEED)
    expected = json.loads(text)
    size = len(text.encode())
    row: dict[str, Any] = {"size": label, "json_bytes": size, "chunks": len(chunks)}
    for name, (encode, rebuild) in APPROACHES.items():
        times = []
        for _ in range(3 if target <= 10_000 else 1):  # the snapshots of 100 KB take a while
            started = time.process_time()
            frames = encode(chunks)
            times.append(time.process_time() - started)
        assert rebuild(frames) == expected, f"{name} does not rebuild the document"
        wire = sum(len(frame.encode()) for frame in frames)
        row[name] = {"wire": wire, "ratio": wire / size, "ms": statistics.median(times) * 1e3}
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    names = list(APPROACHES)
    lines = [
        "| article | JSON bytes | chunks | " + " | ".join(names) + " |",
        "|---|---:|---:|" + "---:|" * len(names),
    ]
    for row in rows:
        cells = [f"{row[n]['ratio']:,.1f}x" for n in names]
        lines.append(
            f"| {row['size']} | {row['json_bytes']:,} | {row['chunks']:,} | "
            + " | ".join(cells)
            + " |"
        )
    lines += ["", "Encoding CPU time, ms (median of 3, one pass at 100 KB; a loaded machine):", ""]
    lines.append("| article | " + " | ".join(names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    for row in rows:
        lines.append(
            f"| {row['size']} | " + " | ".join(f"{row[n]['ms']:,.0f}" for n in names) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.wire", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help="1 and 10 KB only (CI)")
    args = ap.parse_args(argv)
    rows = [measure(label, SIZES[label]) for label in (QUICK if args.quick else SIZES)]
    sys.stdout.write(markdown(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
