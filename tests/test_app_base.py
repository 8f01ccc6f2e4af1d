"""``nn.app.base``: the parser's one-line errors and the ASCII fallback of the output streams."""

from __future__ import annotations

import io
import sys

import pytest

from nn.app.base import AsciiStream, Parser, UsageError, encodable_output


def ascii_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="ascii")


def test_the_notes_symbols_are_spelled_and_the_rest_escaped() -> None:
    raw = ascii_stream()
    out = AsciiStream(raw)
    assert out.encoding == "ascii"
    out.write("∂C/∂w_{1,0}^(2) = σ'(z) · 2(a − y) in café\n")
    out.flush()
    assert raw.buffer.getvalue() == b"dC/dw_{1,0}^(2) = sigma'(z) * 2(a - y) in caf\\xe9\n"  # type: ignore[attr-defined]


def test_streams_are_wrapped_only_when_they_need_it(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow, wide = ascii_stream(), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", narrow)
    monkeypatch.setattr(sys, "stderr", wide)
    with encodable_output():
        assert isinstance(sys.stdout, AsciiStream)
        assert sys.stderr is wide
        print("σ", file=sys.stdout)
    restored: object = sys.stdout
    assert restored is narrow  # put back
    narrow.flush()
    assert narrow.buffer.getvalue() == b"sigma\n"  # type: ignore[attr-defined]


def test_the_parser_raises_one_line() -> None:
    parser = Parser(prog="chainrule demo")
    parser.add_argument("--n", type=int)
    with pytest.raises(UsageError, match=r"argument --n: invalid int value: 'x' \(see chainrule"):
        parser.parse_args(["--n", "x"])
