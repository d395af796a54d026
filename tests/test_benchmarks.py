"""The benchmark runner's bookkeeping: a partial re-run (``--merge``) keeps what it did not
measure again, footnotes included."""

from __future__ import annotations

from typing import Any

from benchmarks.run import merged


def _run(
    command: str,
    probes: dict[str, Any],
    results: list[dict[str, Any]],
    backend: str = "compiled",
    idle: int = 1690,
) -> dict[str, Any]:
    return {
        "command": command,
        "suites": ["parser"],
        "machine": {"date": "2026-12-07", "unspool": "0.1.0", "backend": backend},
        "extra": {"idle_parser_bytes": idle, "probes": probes},
        "results": results,
    }


def _row(contender: str, seconds: float, backend: str = "") -> dict[str, Any]:
    case = {"suite": "parser", "workload": "article", "size": "0.5k", "chunking": "llm"}
    return {**case, "contender": contender, "seconds": seconds, "backend": backend}


def test_merge_replaces_what_was_measured_again_and_keeps_the_rest() -> None:
    old = _run("full", {}, [_row("unspool", 2.0, "compiled"), _row("jiter", 3.0)])
    new = _run("partial", {}, [_row("unspool", 1.0, "compiled")])
    rows = {m["contender"]: m["seconds"] for m in merged(old, new)["results"]}
    assert rows == {"unspool": 1.0, "jiter": 3.0}


def test_merge_keeps_a_peer_footnote_when_the_new_probe_could_not_run() -> None:
    good = {"cut_numbers": ["1 for 12"], "final_matches": True}
    missing = {"error": "ModuleNotFoundError: No module named 'jiter'"}
    fixed = {"cut_numbers": [], "final_matches": True}
    old = _run("full", {"jiter": good, "sjp-native": good, "ijson": missing}, [])
    new = _run("partial", {"jiter": missing, "sjp-native": fixed, "ijson": missing}, [])
    probes = merged(old, new)["extra"]["probes"]
    assert probes["jiter"] == good  # not installed in the partial run: the old finding stands
    assert probes["sjp-native"] == fixed  # probed again: the new finding replaces it
    assert probes["ijson"] == missing  # never probed successfully: the failure is shown


def test_merge_keeps_the_headline_backends_idle_parser_bytes() -> None:
    full = _run("full", {}, [], backend="compiled", idle=1306)
    pure = _run("pure rows", {}, [], backend="python", idle=1354)
    again = _run("compiled again", {}, [], backend="compiled", idle=1290)
    assert merged(full, pure)["extra"]["idle_parser_bytes"] == 1306
    assert merged(full, again)["extra"]["idle_parser_bytes"] == 1290
