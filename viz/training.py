"""Pictures of a training run, as SVG text: decision boundaries, digits, a confusion matrix.

* ``boundary_svg(probability, points, labels)``: a two-dimensional classifier's view of the
  plane. The background is P(class 1) on a grid (an embedded PNG, from the colour of class 0
  through white at 1/2 to the colour of class 1), the curve is where it crosses 1/2 (marching
  squares on the same grid), and the points are the training examples, drawn with a black ring
  where the model gets them wrong.
* ``boundary_page(frames, captions)``: one such picture per epoch in an HTML page that plays
  them in order, with a slider to stop at any epoch (no script or file from outside).
* ``digits_svg(images, true, predicted)``: 8×8 images with their true and predicted class.
* ``confusion_matrix(true, predicted, n)`` and ``confusion_svg(matrix)``: how often each true
  class (row) was predicted as each class (column).

Only the standard library: PNG is written with ``zlib``. The same input always gives the same
bytes, so the pictures can be compared and committed.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from collections.abc import Callable, Sequence

#: Class colours (colour-blind safe: the blue and orange of Okabe and Ito).
CLASS_RGB = ((0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00))
FONT = "font-family:Helvetica,Arial,sans-serif"


def png(width: int, height: int, rgb: Sequence[tuple[int, int, int]]) -> bytes:
    """A PNG file of ``width`` × ``height`` pixels, ``rgb`` row by row from the top."""
    if len(rgb) != width * height:
        raise ValueError(f"png: {len(rgb)} pixels for a {width}×{height} image")
    raw = b"".join(
        b"\x00" + bytes(c for pixel in rgb[y * width : (y + 1) * width] for c in pixel)
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _svg_start(width: float, height: float, title: str) -> list[str]:
    """The opening of a picture: the svg element, a white background, the title if any."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    if title:
        parts.append(
            f'<text x="8" y="18" style="{FONT};font-size:14px">{html.escape(title)}</text>'
        )
    return parts


def _blend(p: float) -> tuple[int, int, int]:
    """The background colour for P(class 1) = p: class 0's colour, white at 1/2, class 1's."""
    p = min(1.0, max(0.0, p))
    base, t = (CLASS_RGB[0], 1.0 - 2.0 * p) if p < 0.5 else (CLASS_RGB[1], 2.0 * p - 1.0)
    # Light tints (at most 45% of the colour), so that the points stay visible on top.
    t *= 0.45
    r, g, b = (round(255 + (c - 255) * t) for c in base)
    return (r, g, b)


def _bounds(points: Sequence[Sequence[float]], margin: float) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    pad = margin * span
    return min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad


def _contour(
    values: Sequence[Sequence[float]], level: float
) -> list[tuple[float, float, float, float]]:
    """Segments (i0, j0, i1, j1) in grid coordinates where ``values[j][i]`` crosses ``level``.

    Marching squares: each cell whose corners are not all on one side gets the segment joining
    the crossing points on its edges, placed by linear interpolation. A saddle (two opposite
    corners above) is split by the cell's mean.
    """
    segments = []
    rows, cols = len(values), len(values[0])
    for j in range(rows - 1):
        for i in range(cols - 1):
            corners = [
                (i, j, values[j][i]),
                (i + 1, j, values[j][i + 1]),
                (i + 1, j + 1, values[j + 1][i + 1]),
                (i, j + 1, values[j + 1][i]),
            ]
            crossings = []
            for k in range(4):
                (x0, y0, v0), (x1, y1, v1) = corners[k], corners[(k + 1) % 4]
                if (v0 >= level) != (v1 >= level):
                    t = (level - v0) / (v1 - v0)
                    crossings.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
            if len(crossings) == 2:
                (a, b), (c, d) = crossings
                segments.append((a, b, c, d))
            elif len(crossings) == 4:
                mean = sum(v for _, _, v in corners) / 4
                # Join the crossings so that the cell's centre lies on the side of its mean.
                first, second = (
                    ((0, 1), (2, 3))
                    if (mean >= level) == (corners[0][2] >= level)
                    else ((0, 3), (1, 2))
                )
                for m, n in (first, second):
                    (a, b), (c, d) = crossings[m], crossings[n]
                    segments.append((a, b, c, d))
    return segments


def boundary_svg(
    probability: Callable[[float, float], float],
    points: Sequence[Sequence[float]],
    labels: Sequence[int],
    *,
    title: str = "",
    grid: int = 48,
    size: int = 400,
    margin: float = 0.1,
) -> str:
    """The decision boundary of ``probability`` (P(class 1) at (x, y)) with the labelled points.

    The plane shown is the points' bounding box widened by ``margin`` of its larger side;
    ``probability`` is evaluated at ``grid`` × ``grid`` points of it.
    """
    if len(points) != len(labels) or not points:
        raise ValueError(
            f"boundary_svg needs one label per point and at least one point: {len(points)} "
            f"points, {len(labels)} labels"
        )
    if grid < 2:
        raise ValueError(f"boundary_svg needs a grid of at least 2 × 2, got {grid}")
    x_lo, x_hi, y_lo, y_hi = _bounds(points, margin)
    gx = [x_lo + (x_hi - x_lo) * i / (grid - 1) for i in range(grid)]
    gy = [y_lo + (y_hi - y_lo) * j / (grid - 1) for j in range(grid)]
    values = [[float(probability(x, y)) for x in gx] for y in gy]  # values[j][i], y upwards
    for row in values:
        for v in row:
            if not math.isfinite(v):
                raise ValueError(f"boundary_svg: the probability is {v!r} somewhere on the grid")
    top = 28 if title else 8
    width, height = size, size

    # Grid point (i, j) maps to pixel centres spread over the plot: x to the right, y upwards.
    def px(i: float) -> float:
        return 8 + i * (width - 16) / (grid - 1)

    def py(j: float) -> float:
        return top + (grid - 1 - j) * (height - 16) / (grid - 1)

    image = png(
        grid, grid, [_blend(values[j][i]) for j in reversed(range(grid)) for i in range(grid)]
    )
    parts = _svg_start(width, height + top - 8, title)
    # Each pixel of the PNG is one grid point: stretch it so that pixel centres land on them.
    step_x = (width - 16) / (grid - 1)
    step_y = (height - 16) / (grid - 1)
    parts.append(
        f'<image x="{8 - step_x / 2:.2f}" y="{top - step_y / 2:.2f}" '
        f'width="{grid * step_x:.2f}" height="{grid * step_y:.2f}" '
        f'preserveAspectRatio="none" href="{_data_uri(image)}"/>'
    )
    path = " ".join(
        f"M{px(a):.2f},{py(b):.2f}L{px(c):.2f},{py(d):.2f}" for a, b, c, d in _contour(values, 0.5)
    )
    if path:
        parts.append(
            f'<path class="boundary" d="{path}" stroke="black" stroke-width="2" fill="none"/>'
        )
    for (x, y), label in zip(points, labels, strict=True):
        i = (x - x_lo) / (x_hi - x_lo) * (grid - 1)
        j = (y - y_lo) / (y_hi - y_lo) * (grid - 1)
        wrong = (probability(x, y) >= 0.5) != (label == 1)
        r, g, b = CLASS_RGB[label]
        ring = ' stroke="black" stroke-width="2"' if wrong else ' stroke="white" stroke-width="0.8"'
        parts.append(
            f'<circle class="point class{label}{" wrong" if wrong else ""}" cx="{px(i):.2f}" '
            f'cy="{py(j):.2f}" r="4" fill="rgb({r},{g},{b})"{ring}/>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def boundary_page(frames: Sequence[str], captions: Sequence[str], *, title: str = "") -> str:
    """An HTML page that plays ``frames`` (SVG texts, one per epoch) with a slider and a button.

    Every frame is inlined, so the page is one file that works offline; it starts playing at
    two frames a second and stops on the last one. Without scripts it shows the last frame.
    """
    if len(frames) != len(captions) or not frames:
        raise ValueError(
            f"boundary_page needs one caption per frame and at least one frame: {len(frames)} "
            f"frames, {len(captions)} captions"
        )
    last = len(frames) - 1
    blocks = [
        f'<figure class="frame" id="frame{k}"{"" if k == last else " hidden"}>\n{svg}'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for k, (svg, caption) in enumerate(zip(frames, captions, strict=True))
    ]
    heading = html.escape(title or "decision boundary, epoch by epoch")
    script = f"""
const frames = document.querySelectorAll(".frame");
const slider = document.getElementById("epoch");
const button = document.getElementById("play");
let timer = null;
function show(k) {{
  frames.forEach((f, i) => {{ f.hidden = i !== k; }});
  slider.value = k;
}}
function stop() {{ clearInterval(timer); timer = null; button.textContent = "play"; }}
function play() {{
  if (Number(slider.value) >= {last}) show(0);
  button.textContent = "pause";
  timer = setInterval(() => {{
    const k = Number(slider.value) + 1;
    if (k > {last}) {{ stop(); return; }}
    show(k);
  }}, 500);
}}
slider.addEventListener("input", () => {{ stop(); show(Number(slider.value)); }});
button.addEventListener("click", () => {{ if (timer) stop(); else play(); }});
show(0);
play();
"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title>"
        f"<style>body{{{FONT};margin:1em}} figure{{margin:0}}</style></head><body>\n"
        f'<h1 style="font-size:1.2em">{heading}</h1>\n'
        f'<p><button id="play">play</button> <input id="epoch" type="range" min="0" '
        f'max="{last}" value="{last}" style="width:20em" aria-label="epoch"></p>\n'
        + "\n".join(blocks)
        + f"\n<script>{script}</script>\n</body></html>\n"
    )


def digits_svg(
    images: Sequence[Sequence[float]],
    true: Sequence[int],
    predicted: Sequence[int],
    *,
    title: str = "",
    columns: int = 10,
    scale: int = 6,
) -> str:
    """8×8 images (pixels in [0, 1], 1 black) in a grid, each captioned "true → predicted"."""
    if not len(images) == len(true) == len(predicted):
        raise ValueError(
            f"digits_svg needs as many classes as images: {len(images)} images, {len(true)} "
            f"true and {len(predicted)} predicted classes"
        )
    side = 8 * scale
    cell_w, cell_h = side + 16, side + 30
    top = 28 if title else 8
    rows = max(1, math.ceil(len(images) / columns))
    width = 8 + min(columns, max(1, len(images))) * cell_w
    height = top + rows * cell_h + 4
    parts = _svg_start(width, height, title)
    if not images:
        parts.append(f'<text x="8" y="{top + 16}" style="{FONT};font-size:12px">none</text>')
    for n, (pixels, t, p) in enumerate(zip(images, true, predicted, strict=True)):
        if len(pixels) != 64:
            raise ValueError(f"digits_svg: image {n} has {len(pixels)} pixels, not 64 (8×8)")
        grey = [round(255 * (1.0 - min(1.0, max(0.0, v)))) for v in pixels]
        image = png(8, 8, [(g, g, g) for g in grey])
        x = 8 + (n % columns) * cell_w
        y = top + (n // columns) * cell_h
        parts.append(
            f'<g class="digit"><image x="{x}" y="{y}" width="{side}" height="{side}" '
            f'style="image-rendering:pixelated" href="{_data_uri(image)}"/>'
            f'<rect x="{x}" y="{y}" width="{side}" height="{side}" fill="none" stroke="#999"/>'
            f'<text x="{x}" y="{y + side + 14}" style="{FONT};font-size:11px">'
            f"true {t} → {p}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def confusion_matrix(
    true: Sequence[int], predicted: Sequence[int], n_classes: int
) -> list[list[int]]:
    """``m[t][p]``: how many examples of true class t were predicted as class p."""
    if len(true) != len(predicted):
        raise ValueError(
            f"confusion_matrix: {len(true)} true classes but {len(predicted)} predictions"
        )
    m = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(true, predicted, strict=True):
        if not (0 <= t < n_classes and 0 <= p < n_classes):
            raise ValueError(f"confusion_matrix: class {t} or {p} is outside 0..{n_classes - 1}")
        m[t][p] += 1
    return m


def confusion_svg(matrix: Sequence[Sequence[int]], *, title: str = "", cell: int = 34) -> str:
    """The confusion matrix as a table: rows the true class, columns the predicted one.

    Each cell shows its count, shaded by its share of its row (the diagonal in blue, errors in
    orange), so a class that is often mistaken stands out whatever its size.
    """
    n = len(matrix)
    if n == 0 or any(len(row) != n for row in matrix):
        raise ValueError("confusion_svg needs a square matrix with at least one class")
    left, top = 64, 56 if title else 36
    width = left + n * cell + 8
    height = top + n * cell + 8
    parts = _svg_start(width, height, title)
    parts.append(
        f'<text x="{left + n * cell / 2}" y="{top - 22}" text-anchor="middle" '
        f'style="{FONT};font-size:12px">predicted class</text>'
        f'<text x="14" y="{top + n * cell / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + n * cell / 2})" style="{FONT};font-size:12px">'
        "true class</text>"
    )
    for k in range(n):
        parts.append(
            f'<text x="{left + k * cell + cell / 2}" y="{top - 6}" text-anchor="middle" '
            f'style="{FONT};font-size:11px">{k}</text>'
            f'<text x="{left - 8}" y="{top + k * cell + cell / 2 + 4}" text-anchor="end" '
            f'style="{FONT};font-size:11px">{k}</text>'
        )
    for t, row in enumerate(matrix):
        total = sum(row)
        for p, count in enumerate(row):
            share = count / total if total else 0.0
            r, g, b = CLASS_RGB[0] if t == p else CLASS_RGB[1]
            fill = tuple(round(255 + (c - 255) * share) for c in (r, g, b))
            x, y = left + p * cell, top + t * cell
            ink = "white" if share > 0.6 else "black"
            parts.append(
                f'<g class="cell" data-true="{t}" data-predicted="{p}">'
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="rgb{fill}" stroke="#ccc"/>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                f'style="{FONT};font-size:11px;fill:{ink}">{count}</text></g>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
