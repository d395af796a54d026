"""The command line, run for real: a subprocess per behaviour (pipes, signals, a pty)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

import unspool
from unspool.__main__ import main

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CLI = [sys.executable, "-m", "unspool"]
# The answer in the recording `unspool demo` replays (an OpenAI chat completion stream).
TEA = {
    "title": "Three habits of careful tea brewers",
    "items": [
        {"name": "Warm the pot", "detail": "Rinse it with hot water first, so the brew stays hot."},
        {
            "name": "Mind the temperature",
            "detail": "Green tea likes 80 °C;\nblack tea wants a full boil.",
        },
        {
            "name": "Time it",
            "detail": "Three to five minutes, then lift the leaves out.",
            "minutes": [3, 5],
        },
    ],
    "rating": 4.5,
    "tags": ["tea", "kitchen"],
}


def cli(*args, stdin=b"", **kwargs):
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=60, **kwargs)


def lines(out: bytes):
    return [json.loads(line) for line in out.decode().splitlines()]


def one_clear_line(err: bytes) -> str:
    text = err.decode()
    assert text.count("\n") == 1 and text.startswith("unspool: "), text
    assert "Traceback" not in text
    return text


# -- commands -------------------------------------------------------------------------------


def test_split_prints_each_item(tmp_path):
    source = tmp_path / "in.json"
    source.write_text('{"items": [{"x": 1}, {"x": "é"}]}', encoding="utf-8")
    run = cli("split", "--at", "/items", str(source))
    assert run.returncode == 0 and lines(run.stdout) == [{"x": 1}, {"x": "é"}]


def test_split_yields_bad_ndjson_lines_in_place(capsys):
    sys.stdin = type(
        "In", (), {"buffer": __import__("io").BytesIO(b'{"a": 1}\n{"bad"\n{"a": 3}\n')}
    )
    try:
        assert main(["split", "--on-error", "yield"]) == 0
    finally:
        sys.stdin = sys.__stdin__
    got = lines(capsys.readouterr().out.encode())
    assert got[0] == {"a": 1} and got[2] == {"a": 3}
    assert got[1]["index"] == 1 and got[1]["raw"] == '{"bad"'


def test_events_prints_deltas_and_completions():
    run = cli("events", stdin=b'{"t": "hi", "n": [1]}')
    got = lines(run.stdout)
    assert run.returncode == 0
    assert got[:2] == [{"path": "/t", "delta": "hi"}, {"path": "/t", "value": "hi"}]
    assert got[-1] == {"path": "", "value": {"t": "hi", "n": [1]}}


def test_watch_reports_truncation_after_the_last_snapshot():
    run = cli("watch", stdin=b'{"t": "hi", "n": [1, 2')
    assert run.returncode == 1 and lines(run.stdout)[-1] == {"t": "hi", "n": [1]}
    assert "input ended inside an array" in one_clear_line(run.stderr)


@pytest.mark.parametrize("text", [b'{"a": 1}\n{"a": 2}\n', b'{"a": 1}{"a": 2} [3]'])
def test_watch_and_events_read_ndjson_and_back_to_back_documents(text):
    run = cli("watch", "--multiple", stdin=text)
    assert run.returncode == 0 and lines(run.stdout)[:2] == [{"a": 1}, {"a": 2}]
    run = cli("events", "--multiple", stdin=text)
    roots = [e for e in lines(run.stdout) if e["path"] == ""]
    assert [(e["document"], e["value"]) for e in roots][:2] == [(0, {"a": 1}), (1, {"a": 2})]
    assert cli("watch", stdin=text).returncode == 1  # without --multiple: one document


def test_version():
    run = cli("--version")
    assert run.returncode == 0 and run.stdout.decode().strip() == f"unspool {unspool.__version__}"


def test_a_command_is_required():
    run = cli()
    assert run.returncode == 2 and b"usage" in run.stderr


# -- only JSON comes out --------------------------------------------------------------------


def test_a_lone_surrogate_is_escaped():
    run = cli("split", stdin=b'["\\ud800", "\\udfff x", "\\ud83d\\ude00"]')
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().splitlines() == ['"\\ud800"', '"\\udfff x"', '"😀"']


def test_a_number_beyond_a_double_is_written_as_the_largest_with_one_warning():
    run = cli("split", stdin=b"[1e999, -1e400, 2.5, 1e999]")
    assert run.returncode == 0
    assert lines(run.stdout) == [sys.float_info.max, -sys.float_info.max, 2.5, sys.float_info.max]
    assert "warning" in one_clear_line(run.stderr)  # once per run


@pytest.mark.parametrize("depth", [990, 999])
@pytest.mark.parametrize("command", ["split", "watch", "events"])
def test_deep_documents_print_without_recursion(command, depth):
    text = "[" * depth + '1, "x"' + "]" * depth
    run = cli(command, stdin=text.encode())
    assert run.returncode == 0, run.stderr[-300:]
    out = run.stdout.decode().splitlines()
    assert b"Traceback" not in run.stderr
    # text is written as json.dumps writes: the output must be the same text
    if command == "split":  # the root array's one element
        assert out == [text[1:-1]]
    elif command == "watch":
        assert out[-1] == text
    else:
        assert out[-1] == '{"path": "", "value": ' + text + "}"


# -- like a Unix tool -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["split", "events", "watch"])
@pytest.mark.parametrize("text", [b"", b"  \n\n "])
def test_empty_input_fails_with_one_line(command, text):
    run = cli(command, stdin=text)
    assert run.returncode == 1 and run.stdout == b""
    assert "empty" in one_clear_line(run.stderr)


def test_a_missing_file_fails_with_one_line():
    run = cli("split", "/no/such/file.json")
    assert run.returncode == 1 and "cannot read" in one_clear_line(run.stderr)


def test_bad_json_fails_with_one_line_after_the_good_items():
    run = cli("split", stdin=b"[1, 2, x]")
    assert run.returncode == 1 and lines(run.stdout) == [1, 2]
    assert "found 'x'" in one_clear_line(run.stderr)


def test_a_pointer_matching_nothing_fails_with_one_line():
    try:  # the Splitter's own error for it; the CLI only reports it
        list(unspool.iter_objects(['{"habits": []}'], at="/items"))
    except unspool.ParseError:
        pass
    else:
        pytest.skip("this Splitter does not yet report a pointer that matched nothing")
    run = cli("split", "--at", "/items", stdin=b'{"habits": [1], "title": "t"}')
    assert run.returncode == 1 and run.stdout == b""
    assert "/items" in one_clear_line(run.stderr)


def test_ctrl_c_exits_130_without_a_traceback():
    # A shell starts background jobs (nohup, CI runners) with SIGINT ignored, and a Unix tool
    # keeps it ignored; give the child the disposition a terminal user's Ctrl-C meets.
    proc = subprocess.Popen(
        [*CLI, "split"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"[1, 2, ")
    proc.stdin.flush()
    assert proc.stdout.readline() == b"1\n"  # it is running and waiting for more input
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err == b""


def test_a_closed_pipe_ends_quietly(tmp_path):
    big = tmp_path / "many.ndjson"
    big.write_bytes(b"".join(b'{"n": %d}\n' % i for i in range(200_000)))
    proc = subprocess.Popen(
        [*CLI, "split", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline()) == {"n": 0}
    proc.stdout.close()  # what `| head -1` does after its line
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_split_reads_a_raw_openai_sse_body():
    body = (FIXTURES / "openai_chat_json.sse").read_bytes()
    run = cli("split", "--sse", "openai", "--at", "/items", stdin=body)
    assert run.returncode == 0 and lines(run.stdout) == TEA["items"]


def test_watch_reads_a_raw_anthropic_sse_body():
    body = (FIXTURES / "anthropic_json_text.sse").read_bytes()
    expected = [
        json.loads(line) for line in cli("watch", stdin=_anthropic_text(body)).stdout.splitlines()
    ]
    run = cli("watch", "--sse", "anthropic", stdin=body)
    assert run.returncode == 0 and lines(run.stdout)[-1] == expected[-1]


def _anthropic_text(body: bytes) -> bytes:
    events = [
        json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: {")
    ]
    return "".join(
        e["delta"]["text"] for e in events if e["type"] == "content_block_delta"
    ).encode()


def test_an_sse_body_cut_by_the_token_limit_says_so():
    body = (FIXTURES / "openai_chat_length.sse").read_bytes()
    run = cli("watch", "--sse", "openai", stdin=body)
    assert run.returncode == 1 and lines(run.stdout)  # the snapshots that arrived
    assert "token limit" in one_clear_line(run.stderr)


def test_a_body_that_is_not_sse_json_fails_with_one_line():
    run = cli("split", "--sse", "openai", stdin=b"data: {not json\n\n")
    assert run.returncode == 1 and "not JSON" in one_clear_line(run.stderr)


def test_the_sse_reader_takes_chunks_split_anywhere():
    from unspool._sse_body import sse_payloads

    body = 'data: {"a": "é"}\r\n\r\n: comment\nevent: x\ndata: 1\ndata: 2\n\ndata: [DONE]'
    raw = body.encode()
    expected = ['{"a": "é"}', "1\n2", "[DONE]"]
    for cut in range(len(raw) + 1):
        assert list(sse_payloads([raw[:cut], raw[cut:]])) == expected, cut


# -- on a terminal --------------------------------------------------------------------------


def run_in_pty(args, tmp_path=None, rows=40, columns=100):
    """Run ``args`` with stderr, and stdout unless ``tmp_path`` is given (then a file there),
    on a pseudo-terminal; return (stdout when in a file, the terminal's text)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm"}
    out_path = tmp_path / "stdout" if tmp_path is not None else None
    with open(out_path or os.devnull, "wb") as out_file:
        stdout = out_file if out_path is not None else follower
        proc = subprocess.Popen(
            args, stdout=stdout, stderr=follower, stdin=subprocess.DEVNULL, env=env
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            screen += data
        assert proc.wait(timeout=60) == 0
    os.close(leader)
    return (out_path.read_bytes() if out_path else b""), screen.decode()


def test_demo_redraws_the_growing_object_in_place_on_a_terminal():
    _, screen = run_in_pty([*CLI, "demo", "--rate", "0"])
    frames = screen.split("\x1b[J")
    assert len(frames) > 50  # one redraw per change, each after a cursor-up
    assert screen.count("\x1b[") > 100 and "\x1b[?25h" in screen  # the cursor comes back
    middle = frames[len(frames) // 2]
    assert "▸" in middle and "▌" in middle  # an item still open, a string still growing
    last = frames[-1]
    assert "title: Three habits of careful tea brewers" in last
    assert last.count("✓ name: ") == 3 and "▸" not in last and "▌" not in last
    status = [line for line in last.splitlines() if line.startswith("── done")]
    assert status and "179 chunks" in status[0] and "µs per chunk" in status[0]
    assert "characters" in status[0]


def test_demo_piped_prints_plain_json_lines_ending_with_the_answer():
    run = cli("demo", "--rate", "0")
    got = lines(run.stdout)
    assert run.returncode == 0 and len(got) > 50 and got[-1] == TEA
    assert b"\x1b" not in run.stdout


def test_demo_replays_at_a_realistic_rate():
    began = time.monotonic()
    run = cli("demo", "--rate", "400")
    assert run.returncode == 0 and time.monotonic() - began >= 179 / 400


def test_the_example_prints_live_by_default_on_a_terminal():
    example = str(ROOT / "examples" / "stream_article.py")
    _, screen = run_in_pty([sys.executable, example, "--rate", "0"])
    assert len(screen.split("\x1b[J")) > 50 and "✓ heading: " in screen
    assert "final value equals json.loads of the text: True" in screen
    piped = subprocess.run(
        [sys.executable, example, "--rate", "0"], capture_output=True, check=True
    )
    assert piped.stdout.decode().splitlines()[-1].endswith("True")


def test_a_long_file_shows_progress_on_a_terminal_only(tmp_path):
    big = tmp_path / "big.ndjson"
    big.write_bytes(b'{"s": "%s"}\n' % (b"x" * 80_000) * 20)  # 1.6 MB
    out, screen = run_in_pty([*CLI, "split", str(big)], tmp_path)
    assert len(out.splitlines()) == 20
    assert "% of " in screen and screen.endswith("\r\x1b[K")  # the progress line is erased
    plain = cli("split", str(big))
    assert plain.stderr == b""
