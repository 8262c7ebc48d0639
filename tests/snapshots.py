"""Reviewed snapshots of what readers and students see: the full text of a self-check's feedback, and the drawn
content of a figure (its axes, labels, limits, ticks, lines, bars, images, texts and legends, with their colours).

Property tests say what must hold of a figure or a message (the right numbers, the mistake named); a snapshot pins
everything else a reader sees, so that no change to a label, a colour, a font size or a sentence of feedback goes
unreviewed.  The snapshot files in tests/snapshots/ are plain text, meant to be read in a diff.

    assert_snapshot("check_softmax/sum_not_one", result.feedback)
    assert_snapshot("figures/exp_limits", describe_figure(fig))

After an intended change, rewrite the snapshots and read the diff before committing it:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -p no:cacheprovider tests/test_x.py

A missing snapshot fails (it is never written silently), so a test cannot pass on a file that nobody reviewed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.colors import to_hex

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def _updating():
    return os.environ.get("UPDATE_SNAPSHOTS") == "1"


def assert_snapshot(name, text):
    """Compare ``text`` with the reviewed snapshot ``tests/snapshots/<name>.txt`` (written when UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / f"{name}.txt"
    text = text if text.endswith("\n") else text + "\n"
    if _updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no snapshot {path.relative_to(SNAPSHOTS.parent.parent)}: write it with UPDATE_SNAPSHOTS=1"
    expected = path.read_text()
    if text != expected:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "snapshot", "now"))
        raise AssertionError(f"{name} differs from its reviewed snapshot:\n{diff}")


def _num(value):
    """A number at 6 significant digits: enough to see any deliberate change, robust to last-bit differences."""
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.6g}"


def _nums(values, limit=60):
    flat = np.asarray(values, dtype=float).ravel()
    shown = " ".join(_num(v) for v in flat[:limit])
    return shown + (f" ... ({flat.size} values)" if flat.size > limit else "")


def _colour(value):
    if value is None or (isinstance(value, str) and value == "none"):
        return "none"
    try:
        return to_hex(value, keep_alpha=True)
    except (ValueError, TypeError):
        colours = np.asarray(value)
        if colours.ndim == 2:
            return ",".join(sorted({to_hex(c, keep_alpha=True) for c in colours})) or "none"
        return str(value)


def _text(t, indent):
    if not t.get_text() or not t.get_visible():
        return []
    x, y = t.get_position()
    return [
        f"{indent}text {t.get_text()!r} at ({_num(x)}, {_num(y)}) size {_num(t.get_fontsize())} "
        f"colour {_colour(t.get_color())} weight {t.get_fontweight()} ha {t.get_ha()} va {t.get_va()} "
        f"rotation {_num(t.get_rotation())}"
    ]


def _axis(ax, name):
    axis = ax.xaxis if name == "x" else ax.yaxis
    lo, hi = ax.get_xlim() if name == "x" else ax.get_ylim()
    scale = ax.get_xscale() if name == "x" else ax.get_yscale()
    label = axis.get_label()
    ticks = axis.get_ticklocs()
    tick_labels = [t.get_text() for t in axis.get_ticklabels()]
    lines = [
        f"  {name}: label {label.get_text()!r} size {_num(label.get_fontsize())} scale {scale} "
        f"limits ({_num(lo)}, {_num(hi)}) inverted {axis.get_inverted()} visible {axis.get_visible()}",
        f"    ticks {_nums(ticks)}",
    ]
    if any(tick_labels):
        lines.append(f"    tick labels {tick_labels!r}")
    return lines


def _artists(ax):
    lines = []
    for line in ax.get_lines():
        x, y = line.get_data()
        lines.append(
            f"  line {line.get_label()!r} colour {_colour(line.get_color())} style {line.get_linestyle()} "
            f"width {_num(line.get_linewidth())} marker {line.get_marker()} size {_num(line.get_markersize())} "
            f"alpha {line.get_alpha()} zorder {_num(line.get_zorder())} visible {line.get_visible()}"
        )
        lines.append(f"    x {_nums(x)}")
        lines.append(f"    y {_nums(y)}")
    for patch in ax.patches:
        box = patch.get_extents() if not hasattr(patch, "get_x") else None
        where = (f"x {_num(patch.get_x())} y {_num(patch.get_y())} width {_num(patch.get_width())} "
                 f"height {_num(patch.get_height())}") if box is None else type(patch).__name__
        lines.append(
            f"  patch {type(patch).__name__} {where} face {_colour(patch.get_facecolor())} "
            f"edge {_colour(patch.get_edgecolor())} width {_num(patch.get_linewidth())} hatch {patch.get_hatch()} "
            f"alpha {patch.get_alpha()} label {patch.get_label()!r}"
        )
    for collection in ax.collections:
        offsets = collection.get_offsets()
        lines.append(
            f"  collection {type(collection).__name__} label {collection.get_label()!r} "
            f"face {_colour(collection.get_facecolor())} edge {_colour(collection.get_edgecolor())} "
            f"widths {_nums(collection.get_linewidths(), 6)} alpha {collection.get_alpha()} "
            f"zorder {_num(collection.get_zorder())}"
        )
        if len(offsets):
            lines.append(f"    offsets {_nums(offsets)}")
        paths = collection.get_paths()
        if paths:
            lines.append(f"    paths {len(paths)}: {_nums(np.concatenate([p.vertices for p in paths]), 40)}")
        array = collection.get_array()
        if array is not None:
            lines.append(f"    array {_nums(array)} cmap {collection.get_cmap().name} "
                         f"clim ({_num(collection.get_clim()[0])}, {_num(collection.get_clim()[1])})")
    for image in ax.get_images():
        data = np.asarray(image.get_array(), dtype=float)
        lo, hi = image.get_clim()
        lines.append(
            f"  image shape {data.shape} cmap {image.get_cmap().name} clim ({_num(lo)}, {_num(hi)}) "
            f"extent {_nums(image.get_extent())} interpolation {image.get_interpolation()} "
            f"aspect {ax.get_aspect()}"
        )
        lines.append(f"    values {_nums(data)}")
    for t in ax.texts:
        lines += _text(t, "  ")
    legend = ax.get_legend()
    if legend is not None:
        lines.append(f"  legend loc {legend._loc} title {legend.get_title().get_text()!r} "
                     f"frame {legend.get_frame_on()} ncols {legend._ncols}")
        for t, handle in zip(legend.get_texts(), legend.legend_handles):
            colour = handle.get_color() if hasattr(handle, "get_color") else None
            if colour is None and hasattr(handle, "get_facecolor"):
                colour = handle.get_facecolor()
            lines.append(f"    entry {t.get_text()!r} colour {_colour(colour)} size {_num(t.get_fontsize())}")
    return lines


def describe_figure(fig):
    """Everything a reader sees in a Matplotlib figure, as reviewable text (see the module docstring)."""
    width, height = fig.get_size_inches()
    out = [f"figure {_num(width)} x {_num(height)} in, dpi {_num(fig.dpi)}, "
           f"face {_colour(fig.get_facecolor())}, {len(fig.axes)} axes"]
    if fig._suptitle is not None:
        out += _text(fig._suptitle, "suptitle ")
    for t in fig.texts:
        out += _text(t, "figure ")
    for number, ax in enumerate(fig.axes):
        out.append(f"axes {number}: title {ax.get_title()!r} left {ax.get_title('left')!r} "
                   f"right {ax.get_title('right')!r} grid {ax.xaxis._major_tick_kw.get('gridOn')}"
                   f"/{ax.yaxis._major_tick_kw.get('gridOn')} frame {ax.get_frame_on()} "
                   f"face {_colour(ax.get_facecolor())} visible {ax.get_visible()} aspect {ax.get_aspect()}")
        out.append(f"  spines {sorted(name for name, spine in ax.spines.items() if spine.get_visible())}")
        out += _axis(ax, "x") + _axis(ax, "y")
        out += _artists(ax)
    return "\n".join(out) + "\n"
