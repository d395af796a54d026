"""JSON paths: tuples of object keys (str) and array indexes (int)."""

from __future__ import annotations

Path = tuple[str | int, ...]


def pointer(path: Path) -> str:
    """Render a path as an RFC 6901 JSON Pointer: ``("items", 3, "a/b")`` -> ``/items/3/a~1b``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
