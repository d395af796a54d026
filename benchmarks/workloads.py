"""Seeded, LLM-shaped benchmark texts and the ways they are cut into chunks.

A workload is a named text generator: ``make(target_bytes, seed)`` returns JSON text of about
``target_bytes`` UTF-8 bytes, identical for the same arguments on every machine (it uses only
``random.Random(seed)`` and ``json.dumps``).  Texts are serialized the way a model writes
them: ``json.dumps(obj, indent=2, ensure_ascii=False)``, so non-ASCII text is raw UTF-8 --
except that every ``é`` is then written as the escape ``\\u00e9`` and every 🚀 as the
surrogate pair ``\\ud83d\\ude80``, which models also emit and which exercise the escape paths.
(Non-ASCII characters occur only inside strings, so the substitution keeps the JSON valid and
its value unchanged; ``check`` proves it for every generated text.)

A chunking is ``split(text, seed) -> list[str]``: ``llm`` draws sizes of 1 to 12 characters
with mean about 4, like the tokens of a streamed completion; ``whole`` is one chunk;
``fixed-N`` cuts every N characters (the chunk-size sweep).

To add a workload, write a generator and add one ``Workload`` to ``WORKLOADS``; splitter
workloads say where their items are with ``item_pointer`` / ``multiple``.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SIZES: dict[str, int] = {
    "0.5k": 500,
    "1k": 1_000,
    "10k": 10_000,
    "100k": 100_000,
    "1m": 1_000_000,
}
SIZE_LABELS: dict[str, str] = {
    "0.5k": "0.5 KB",
    "1k": "1 KB",
    "10k": "10 KB",
    "100k": "100 KB",
    "1m": "1 MB",
}
DEFAULT_SEED = 2024


def load_ndjson(text: str) -> list[Any]:
    """The documents of an NDJSON text, as ``json.loads`` reads each line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Workload:
    """A named, seeded text generator plus what item-splitting contenders need to know."""

    name: str
    description: str
    make: Callable[[int, int], str]  # (target_bytes, seed) -> JSON text
    # For splitter contenders: the JSON Pointer of the array whose elements are the items
    # ("/items"), or None with ``multiple=True`` when each top-level document is an item.
    item_pointer: str | None = None
    multiple: bool = False  # several top-level documents (NDJSON, back to back)
    load: Callable[[str], Any] = json.loads  # the text's value (NDJSON: list of documents)

    def items(self, value: Any) -> list[Any]:
        """The items a splitter should return, from ``load(text)``."""
        for key in (self.item_pointer or "").split("/")[1:]:
            value = value[key]
        return list(value)


# -- text pieces ------------------------------------------------------------------------------

_VOCABULARY = (
    "the model streams tokens while a parser reads each chunk once and the user sees text "
    "grow on screen as answers arrive from remote servers with latency budgets that matter "
    "because people wait for structured output like lists tables records summaries and "
    "citations which must stay valid even when the connection stalls halfway through a long "
    "paragraph about data pipelines caching retries schemas validation and cost"
)
_WORDS = tuple(_VOCABULARY.split())
# Raw UTF-8 in the text, except é and 🚀 which the serializer turns into escapes.
_FOREIGN = (
    "café",
    "résumé",
    "naïve",
    "Zürich",
    "façade",
    "jalapeño",
    "smörgåsbord",
    "東京",
    "データ",
    "Ελληνικά",
    "привет",
    "señor",
    "€20",
    "½",
    "—",
)
_NAME_WORDS = (*_WORDS, *_FOREIGN)
_EMOJI = ("🚀", "✨", "🎉", "✅")
_ESCAPED = {"é": "\\u00e9", "🚀": "\\ud83d\\ude80"}
_TAGS = ("json", "streaming", "llm", "parsing", "latency", "python", "ux", "agents", "tools")


def _serialize(obj: Any, indent: int | None = 2) -> str:
    """Write ``obj`` the way a model would (see the module docstring)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    for char, escape in _ESCAPED.items():
        text = text.replace(char, escape)
    return text


def _words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(_WORDS) for _ in range(n)]


def _sentence(rng: random.Random) -> str:
    words = _words(rng, rng.randint(6, 18))
    for i in range(len(words)):
        roll = rng.random()
        if roll < 0.12:
            words[i] = rng.choice(_FOREIGN)
        elif roll < 0.16:
            words[i] = f'"{words[i]}"'  # a quoted word: \" in the JSON text
        elif roll < 0.17:
            words[i] = "C:\\models\\v2"  # backslashes: \\ in the JSON text
        elif roll < 0.18:
            words[i] = words[i] + "\t"  # a tab: \t in the JSON text
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(".....!?")


def _title(rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in _words(rng, rng.randint(3, 7)))


# -- workloads --------------------------------------------------------------------------------


def make_article(target: int, seed: int) -> str:
    """A string-heavy answer: a title, metadata, and sections of long paragraphs."""
    rng = random.Random(seed)
    sections: list[dict[str, Any]] = []
    article: dict[str, Any] = {
        "title": _title(rng) + " 🚀",
        "author": {"name": "Zoë Ångström", "verified": True, "followers": 12873},
        "language": "en",
        "reading_time_minutes": 0,
        "score": 0.87,
        "draft": False,
        "tags": rng.sample(_TAGS, 4),
        "sections": sections,
        "summary": "",
    }
    size = len(_serialize(article).encode())
    words = 0
    while size < target:
        paragraphs: list[str] = []
        section: dict[str, Any] = {
            "heading": _title(rng),
            "paragraphs": paragraphs,
            "word_count": 0,
            "has_code": rng.random() < 0.2,
            "confidence": round(rng.uniform(0.5, 1.0), 3),
        }
        sections.append(section)
        size += 150  # the section's own keys and indentation, about
        for _ in range(rng.randint(2, 5)):
            sentences: list[str] = []
            for _ in range(rng.randint(3, 8)):
                sentence = _sentence(rng)
                sentences.append(sentence)
                size += len(sentence.encode()) + 2
                if size >= target:
                    break
            glue = "\n" if rng.random() < 0.2 else " "  # a line break: \n in the JSON text
            paragraph = glue.join(sentences)
            if rng.random() < 0.3:
                paragraph += " " + rng.choice(_EMOJI)
            paragraphs.append(paragraph)
            section["word_count"] += paragraph.count(" ") + 1
            size += 12
            if size >= target:
                break
        words += section["word_count"]
    article["reading_time_minutes"] = max(1, words // 230)
    article["summary"] = _sentence(rng)
    return _serialize(article)


# What a model without a JSON mode writes around its answer (issue 8's wrapped article).
_PROSE_BEFORE = (
    "<think>The user wants the article as JSON; I will keep the schema. Draft: "
    '{"title": ...}</think>\nSure! Here is the article you asked for, as JSON [1]:\n\n'
    "```json\n"
)
_PROSE_AFTER = (
    "\n```\n\nLet me know if you want a shorter {summary} or other tags.\n\n"
    "[1] The schema from your message.\n"
)


def make_article_in_prose(target: int, seed: int) -> str:
    """The article inside model text: a think block and prose, a json fence, prose after."""
    return _PROSE_BEFORE + make_article(target, seed) + _PROSE_AFTER


def load_fenced(text: str) -> Any:
    """The value of the ```json fence in ``text``."""
    start = text.index("```json\n") + len("```json\n")
    return json.loads(text[start : text.index("\n```\n", start)])


def _record_items(
    target: int, seed: int, size_of: Callable[[dict[str, Any]], int]
) -> list[dict[str, Any]]:
    """Small product records, until ``size_of(item)`` adds up to ``target`` bytes."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    size = 60
    for i in itertools.count(1):
        if size >= target:
            break
        item = {
            "id": i,
            "sku": f"SKU-{rng.randrange(100000):05d}",
            "name": " ".join(rng.choice(_NAME_WORDS) for _ in range(rng.randint(1, 3))),
            "price": round(rng.uniform(1, 500), 2),
            "qty": rng.randint(0, 250),
            "in_stock": rng.random() < 0.7,
            "discount": round(rng.uniform(0.05, 0.5), 2) if rng.random() < 0.3 else None,
            "rating": round(rng.uniform(1, 5), 1),
            "tags": rng.sample(_TAGS, rng.randint(0, 3)),
            "dims": [round(rng.uniform(0.5, 80), 1) for _ in range(3)],
        }
        items.append(item)
        size += size_of(item)
    return items


def _nested_size(item: dict[str, Any]) -> int:
    """Bytes of an item serialized inside ``{"items": [...]}`` (4 more spaces a line)."""
    one = _serialize(item)
    return len(one.encode()) + 4 * (one.count("\n") + 1) + 2


def make_records(target: int, seed: int) -> str:
    """A structure-heavy answer: ``{"items": [...]}`` of many small objects."""
    items = _record_items(target, seed, _nested_size)
    return _serialize({"items": items, "total": len(items), "has_more": False})


def make_records_ndjson(target: int, seed: int) -> str:
    """The same kind of records as NDJSON: one compact object per line."""
    items = _record_items(target, seed, lambda item: len(_serialize(item, None).encode()) + 1)
    return "".join(_serialize(item, None) + "\n" for item in items)


# -- adversarial shapes (issue 13): hostile output that must still cost about its size ---------

DEEP = 999  # within the default max_depth of 1000


def make_long_number(target: int, seed: int) -> str:
    """One float of ``target`` digits: ``{"items": [0.999...]}``."""
    return '{"items": [0.' + "9" * max(1, target - 16) + "]}"


def make_long_string(target: int, seed: int) -> str:
    """One string of ``target`` characters: ``{"items": ["abc..."]}``."""
    rng = random.Random(seed)
    text = "".join(rng.choice("abcdefghij ") for _ in range(max(1, target - 16)))
    return '{"items": ["' + text + '"]}'


def make_whitespace(target: int, seed: int) -> str:
    """A run of ``target`` spaces and newlines inside an open array: ``[1, <run> 2]``."""
    run = ("  " * 40 + "\n") * (max(1, target - 20) // 81 + 1)
    return '{"items": [1,' + run[: max(1, target - 20)] + "2]}"


def make_deep_wide(target: int, seed: int) -> str:
    """``[`` x 999, then ``1,1,1,...`` to ``target`` bytes, then ``]`` x 999."""
    ones = max(1, (target - 2 * DEEP) // 2)
    return "[" * DEEP + ",".join(["1"] * ones) + "]" * DEEP


def make_flat_wide(target: int, seed: int) -> str:
    """deep-wide's text, flat: ``[1,1,1,...]`` as long, as many values (what its events
    cost without the depth)."""
    ones = max(1, (target - 2 * DEEP) // 2)
    return "[" + ",".join(["1"] * (ones + DEEP - 1)) + "]"


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "article",
            'string-heavy: title, metadata, sections of long paragraphs; non-ASCII, \\n \\" '
            "\\t \\\\ \\u00e9 and a surrogate-pair emoji",
            make_article,
        ),
        Workload(
            "article-in-prose",
            "the article inside model text: a <think> block and prose, a ```json fence, "
            "prose after (read with `extract=True`)",
            make_article_in_prose,
            load=load_fenced,
        ),
        Workload(
            "records",
            'structure-heavy: {"items": [...]} of small objects (ints, floats, short '
            "strings, bools, null, small arrays)",
            make_records,
            item_pointer="/items",
        ),
        Workload(
            "records-ndjson",
            "the records' items as NDJSON, one compact object per line (splitter suite)",
            make_records_ndjson,
            multiple=True,
            load=load_ndjson,
        ),
        Workload(
            "long-number",
            'one float with as many digits as the size: `{"items": [0.999...]}`',
            make_long_number,
            item_pointer="/items",
        ),
        Workload(
            "long-string",
            'one string as long as the size: `{"items": ["..."]}`',
            make_long_string,
            item_pointer="/items",
        ),
        Workload(
            "whitespace",
            "a run of spaces and newlines as long as the size inside an open array",
            make_whitespace,
            item_pointer="/items",
        ),
        Workload(
            "deep-wide",
            f"`[` x {DEEP}, then `1,1,1,...` to the size, then `]` x {DEEP} (within max_depth)",
            make_deep_wide,
        ),
        Workload(
            "flat-wide",
            "deep-wide without the depth: `[1,1,1,...]` as long, as many values",
            make_flat_wide,
        ),
    )
}


# -- chunkings --------------------------------------------------------------------------------

# Chunk sizes 1..12 with weights shaped like LLM token lengths; mean 4.06 characters.
_LLM_SIZES = tuple(range(1, 13))
_LLM_WEIGHTS = (14, 17, 18, 16, 11, 8, 5, 4, 3, 2, 1, 1)
_LLM_CUM_WEIGHTS = tuple(itertools.accumulate(_LLM_WEIGHTS))
LLM_MEAN = sum(s * w for s, w in zip(_LLM_SIZES, _LLM_WEIGHTS, strict=True)) / sum(_LLM_WEIGHTS)


def llm_chunks(text: str, seed: int) -> list[str]:
    """Cut ``text`` into chunks of 1-12 characters (mean about 4), like streamed tokens."""
    rng = random.Random(seed ^ 0x5EED)
    sizes = rng.choices(_LLM_SIZES, cum_weights=_LLM_CUM_WEIGHTS, k=len(text) // 2 + 16)
    chunks: list[str] = []
    i = 0
    n = len(text)
    for size in sizes:
        if i >= n:
            break
        chunks.append(text[i : i + size])
        i += size
    while i < n:  # only if the draw was unusually short
        chunks.append(text[i : i + 4])
        i += 4
    return chunks


def whole(text: str, seed: int) -> list[str]:
    """The whole text as one chunk."""
    return [text]


def fixed(size: int) -> Callable[[str, int], list[str]]:
    """Chunks of exactly ``size`` characters (for the chunk-size sweep)."""

    def split(text: str, seed: int) -> list[str]:
        return [text[i : i + size] for i in range(0, len(text), size)]

    return split


CHUNKINGS: dict[str, Callable[[str, int], list[str]]] = {"llm": llm_chunks, "whole": whole}
CHUNKINGS.update({f"fixed-{n}": fixed(n) for n in (1, 2, 4, 8, 16, 64, 256, 4096)})
