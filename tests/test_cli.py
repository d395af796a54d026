"""``python -m unspool``: each command writes one JSON line per result."""

from __future__ import annotations

import json

import pytest

from unspool.__main__ import DEMO, main


def run(capsys, tmp_path, text, *args):
    source = tmp_path / "in.json"
    source.write_bytes(text.encode())
    code = main([*args, str(source)])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_split_prints_each_item(capsys, tmp_path):
    code, lines, _ = run(
        capsys, tmp_path, '{"items": [{"x": 1}, {"x": "é"}]}', "split", "--at", "/items"
    )
    assert code == 0 and lines == [{"x": 1}, {"x": "é"}]


def test_split_yields_bad_ndjson_lines_in_place(capsys, tmp_path):
    text = '{"a": 1}\n{"bad"\n{"a": 3}\n'
    code, lines, _ = run(capsys, tmp_path, text, "split", "--on-error", "yield")
    assert code == 0 and lines[0] == {"a": 1} and lines[2] == {"a": 3}
    assert lines[1]["index"] == 1 and lines[1]["raw"] == '{"bad"'


def test_events_prints_deltas_and_completions(capsys, tmp_path):
    code, lines, _ = run(capsys, tmp_path, '{"t": "hi", "n": [1]}', "events")
    assert code == 0
    assert lines[:2] == [{"path": "/t", "delta": "hi"}, {"path": "/t", "value": "hi"}]
    assert lines[-1] == {"path": "", "value": {"t": "hi", "n": [1]}}


def test_watch_reports_truncation_after_the_last_snapshot(capsys, tmp_path):
    code, lines, err = run(capsys, tmp_path, '{"t": "hi", "n": [1, 2', "watch")
    assert code == 1 and lines[-1] == {"t": "hi", "n": [1]}  # 2 completes only with the error
    assert "input ended inside an array" in err


def test_demo_ends_with_the_whole_document(capsys):
    assert main(["demo", "--delay", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 20 and json.loads(lines[-1]) == DEMO


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit):
        main([])
