"""Tests of ``viz.training``: the pictures show what they are given, read back from the files.

The oracles: the PNG is decoded here with ``zlib`` and compared pixel by pixel with what was
encoded; a boundary of a known classifier (P(class 1) = σ(20 (x − c)), whose boundary is the
line x = c) must lie on that line; counts are recounted from the (true, predicted) pairs.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable

import pytest

from viz.training import (
    boundary_page,
    boundary_svg,
    confusion_matrix,
    confusion_svg,
    digits_svg,
    png,
)

SVG = "{http://www.w3.org/2000/svg}"


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """(width, height, pixels) of an 8-bit RGB PNG without filters, as ``png`` writes it."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    pixels = []
    for y in range(height):
        row = raw[y * (3 * width + 1) : (y + 1) * (3 * width + 1)]
        assert row[0] == 0  # no filter
        pixels += [tuple(row[1 + 3 * x : 4 + 3 * x]) for x in range(width)]
    return width, height, pixels  # type: ignore[return-value]


def images(svg: str) -> list[bytes]:
    root = ET.fromstring(svg)
    return [
        base64.b64decode(str(im.get("href")).removeprefix("data:image/png;base64,"))
        for im in root.iter(f"{SVG}image")
    ]


def test_png_round_trips() -> None:
    pixels = [(x * 40, y * 60, (x + y) % 256) for y in range(3) for x in range(5)]
    assert decode_png(png(5, 3, pixels)) == (5, 3, pixels)
    with pytest.raises(ValueError, match="4 pixels for a 5×3 image"):
        png(5, 3, pixels[:4])


def _sigmoid_step(c: float) -> Callable[[float, float], float]:
    return lambda x, y: 1.0 / (1.0 + math.exp(-20.0 * (x - c)))


POINTS = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.2, 0.5], [0.8, 0.5]]
LABELS = [0, 1, 0, 1, 1, 0]  # the last two are on the wrong side of x = 0.5


def test_boundary_lies_where_the_probability_is_one_half() -> None:
    svg = boundary_svg(_sigmoid_step(0.5), POINTS, LABELS, title="t", grid=21)
    root = ET.fromstring(svg)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == len(POINTS)
    # Pixel x of each point is affine in its data x: recover the map from two points.
    xs = [float(c.get("cx", "nan")) for c in circles]
    scale = (xs[1] - xs[0]) / (POINTS[1][0] - POINTS[0][0])
    expected_x = xs[0] + (0.5 - POINTS[0][0]) * scale
    (path,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "boundary"]
    coords = [float(v) for v in re.findall(r"[ML]([-\d.]+),", str(path.get("d")))]
    assert coords
    # Linear interpolation of a steep sigmoid between grid points: within a tenth of a step.
    step = scale * 1.2 / 20  # the plane is 1.2 wide (margin 0.1 each side), 20 grid steps
    assert all(abs(x - expected_x) < 0.1 * step for x in coords)
    wrong = [c.get("class") for c in circles if "wrong" in str(c.get("class"))]
    assert wrong == ["point class1 wrong", "point class0 wrong"]


def test_boundary_background_is_the_probability_on_the_grid() -> None:
    svg = boundary_svg(_sigmoid_step(0.5), POINTS, LABELS, grid=9)
    (data,) = images(svg)
    width, height, pixels = decode_png(data)
    assert (width, height) == (9, 9)
    left, right = pixels[0], pixels[8]
    # Left of the boundary P(class 1) ≈ 0: class 0's tint (blue: b > r); right: orange (r > b).
    assert left[2] > left[0]
    assert right[0] > right[2]
    # The same probability on every row (it depends on x only): all rows alike.
    assert all(pixels[j * 9 : (j + 1) * 9] == pixels[:9] for j in range(9))


def test_boundary_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="one label per point"):
        boundary_svg(lambda x, y: 0.5, POINTS, LABELS[:2])
    with pytest.raises(ValueError, match="probability is nan"):
        boundary_svg(lambda x, y: math.nan, POINTS, LABELS)


def test_boundary_page_holds_every_frame_and_shows_the_last_without_script() -> None:
    frames = [boundary_svg(_sigmoid_step(c), POINTS, LABELS, grid=5) for c in (0.3, 0.5, 0.7)]
    page = boundary_page(frames, ["epoch 1", "epoch 2", "epoch 3"], title="moons")
    assert page.count("<svg") == 3
    figures = re.findall(r'<figure class="frame" id="frame(\d)"( hidden)?>', page)
    assert figures == [("0", " hidden"), ("1", " hidden"), ("2", "")]
    assert 'max="2"' in page
    assert "<script" in page
    assert "src=" not in page  # nothing loaded from elsewhere
    with pytest.raises(ValueError, match="one caption per frame"):
        boundary_page(frames, ["epoch 1"])


def test_digits_show_each_image_and_its_classes() -> None:
    ramp = [k / 63 for k in range(64)]
    svg = digits_svg([ramp, ramp[::-1]], [3, 8], [5, 0], title="wrong")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["wrong", "true 3 → 5", "true 8 → 0"]
    first, second = (decode_png(d) for d in images(svg))
    assert first[:2] == (8, 8)
    # Pixel value v in [0, 1] is grey 255 · (1 − v): white for 0, black for 1, row by row.
    assert [p[0] for p in first[2]] == [round(255 * (1 - v)) for v in ramp]
    assert [p[0] for p in second[2]] == [round(255 * (1 - v)) for v in ramp[::-1]]
    with pytest.raises(ValueError, match="not 64"):
        digits_svg([[0.0] * 63], [1], [2])


def test_confusion_matrix_counts_pairs() -> None:
    true = [0, 0, 1, 2, 2, 2, 1]
    predicted = [0, 1, 1, 2, 0, 2, 1]
    m = confusion_matrix(true, predicted, 3)
    for t in range(3):
        for p in range(3):
            assert m[t][p] == sum(
                1 for a, b in zip(true, predicted, strict=True) if (a, b) == (t, p)
            )
    root = ET.fromstring(confusion_svg(m, title="c"))
    cells = {
        (int(str(g.get("data-true"))), int(str(g.get("data-predicted")))): next(
            t.text for t in g.iter(f"{SVG}text")
        )
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "cell"
    }
    assert cells == {(t, p): str(m[t][p]) for t in range(3) for p in range(3)}
    with pytest.raises(ValueError, match=r"outside 0\.\.2"):
        confusion_matrix([3], [0], 3)
