"""Figures of chapter 3: who depends on whom, the Jacobian as a heatmap, and what building it costs."""

from __future__ import annotations

import base64
import timeit

import numpy as np

from helpers._memory import peak_bytes
from helpers.figures._core import PALETTE, _png_base64, new_figure

# Every entry of a softmax Jacobian lies in [-1/4, 1/4] (s_i (1 - s_i) and s_i s_j are at most 1/4), so one fixed
# colour scale serves every state of a slider and the colours can be compared between states.
_ENTRY_LIMIT = 0.25
# The largest eigenvalue never exceeds 1/2 (chapter 3 proves it).
_EIGENVALUE_LIMIT = 0.5


def dependency_diagram(n=4):
    """Two panels of arrows from inputs to outputs: an elementwise map (sigmoid) and softmax.

    >>> fig = dependency_diagram(3)
    >>> [ax.get_title() for ax in fig.axes]
    ['elementwise (sigmoid): 3 arrows', 'softmax: 9 arrows']
    """
    fig, axes = new_figure(2, height=2.8)
    for ax, full, name in ((axes[0], False, "elementwise (sigmoid)"), (axes[1], True, "softmax")):
        arrows = 0
        for i in range(n):
            for j in range(n):
                if full or i == j:
                    ax.annotate(
                        "", xy=(1, -i), xytext=(0, -j),
                        arrowprops={"arrowstyle": "->", "color": PALETTE[0] if i == j else PALETTE[1], "lw": 1.2},
                    )
                    arrows += 1
        for k in range(n):
            ax.text(-0.05, -k, f"$z_{k + 1}$", ha="right", va="center", fontsize=12)
            ax.text(1.05, -k, f"$s_{k + 1}$", ha="left", va="center", fontsize=12)
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(-n + 0.5, 0.5)
        ax.set_title(f"{name}: {arrows} arrows")
        ax.axis("off")
    return fig


def dependency_diagram_alt(n=4):
    """Alt text for :func:`dependency_diagram`.

    >>> dependency_diagram_alt(2).endswith("for softmax every output has an arrow from every score (4 arrows)")
    True
    """
    return (
        f"Two diagrams of scores z1 to z{n} and outputs s1 to s{n}: for an elementwise function each output has "
        f"one arrow, from its own score ({n} arrows); "
        f"for softmax every output has an arrow from every score ({n * n} arrows)"
    )


def _jacobian_and_eigenvalues(z, temperature):
    from helpers.numerics import softmax, softmax_jacobian

    z = np.asarray(z, dtype=float)
    s = softmax(z / temperature)
    jac = softmax_jacobian(z / temperature) / temperature
    eigenvalues = np.linalg.eigvalsh(jac)[::-1]
    # The zero eigenvalue comes out as +-1e-17; show it as the 0 it is.
    eigenvalues[np.abs(eigenvalues) < 1e-12] = 0.0
    return s, jac, eigenvalues


def jacobian_state(z, temperature=1.0):
    """Heatmap of the softmax Jacobian at ``z / temperature`` (left) and its eigenvalues (right).

    The colour scale is fixed to [-1/4, 1/4] and the eigenvalue axis to [0, 1/2] at temperature 1, so pictures
    for different ``z`` can be compared; at another temperature both scale with 1/T.

    >>> fig = jacobian_state([2.0, 1.0, 0.0, -1.0])
    >>> [ax.get_xlabel() for ax in fig.axes[:2]]
    ['input $z_j$', 'eigenvalue number']
    """
    s, jac, eigenvalues = _jacobian_and_eigenvalues(z, temperature)
    n = len(s)
    fig, (left, right) = new_figure(2, height=3.2)
    limit = _ENTRY_LIMIT / temperature
    image = left.imshow(jac, cmap="PuOr_r", vmin=-limit, vmax=limit)
    left.grid(False)
    left.set_xticks(range(n), [str(k + 1) for k in range(n)])
    left.set_yticks(range(n), [str(k + 1) for k in range(n)])
    left.set_xlabel("input $z_j$")
    left.set_ylabel("output $s_i$")
    left.set_title(r"$J_{ij} = \partial s_i / \partial z_j$")
    for i in range(n):
        for j in range(n):
            strong = abs(jac[i, j]) > 0.6 * limit
            # round first and add 0.0, so a tiny negative entry prints as 0.00, not -0.00
            left.text(j, i, f"{round(jac[i, j], 2) + 0.0:.2f}", ha="center", va="center", fontsize=8,
                      color="white" if strong else "black")
    fig.colorbar(image, ax=left, shrink=0.8)
    bars = right.bar(range(1, n + 1), eigenvalues, color=PALETTE[2])
    right.bar_label(bars, fmt="%.3f", padding=2, fontsize=8)
    bound = _EIGENVALUE_LIMIT / temperature
    right.axhline(bound, color=PALETTE[3], linestyle="--", linewidth=1)
    right.text(n + 0.4, bound, "1/2" if temperature == 1 else "1/(2T)", color=PALETTE[3], va="bottom", ha="right")
    right.set_ylim(0, bound * 1.15)
    right.set_xticks(range(1, n + 1))
    right.set_xlabel("eigenvalue number")
    right.set_ylabel("eigenvalue")
    right.set_title(f"eigenvalues (trace {np.trace(jac):.3f})")
    return fig


def jacobian_state_alt(z, temperature=1.0):
    r"""Alt text for :func:`jacobian_state`, computed from the same numbers.

    >>> print(jacobian_state_alt([0.0, 0.0]).replace(": ", ":\n"))
    Heatmap of the 2 by 2 softmax Jacobian for logits (0, 0) and softmax (0.5, 0.5):
    largest entry 0.25 (on the diagonal), every row sums to 0; eigenvalues 0.5 and 0, trace 0.5
    """
    s, jac, eigenvalues = _jacobian_and_eigenvalues(z, temperature)
    logits = ", ".join(f"{v:g}" for v in np.asarray(z, dtype=float))
    probabilities = ", ".join(f"{v:.3g}" for v in s)
    at = "" if temperature == 1 else f" at temperature T = {temperature:g}"
    shown = ", ".join(f"{v:.3g}" for v in eigenvalues[:-1]) + f" and {eigenvalues[-1]:.3g}"
    # Row sums are 0 up to rounding; say so only if they really are.
    rows = "every row sums to 0" if np.allclose(jac.sum(axis=1), 0, atol=1e-12) else "rows do NOT sum to 0"
    return (
        f"Heatmap of the {len(s)} by {len(s)} softmax Jacobian{at} for logits ({logits}) and softmax "
        f"({probabilities}): largest entry {jac.max():.3g} (on the diagonal), {rows}; "
        f"eigenvalues {shown}, trace {np.trace(jac):.3g}"
    )


def _fitted_slope(ns, values):
    """Slope of log(value) against log(n) over the larger half of the sizes, where overheads matter least."""
    half = len(ns) // 2
    return float(np.polyfit(np.log(ns[half:]), np.log(values[half:]), 1)[0])


def product_costs(ns, seconds_full, seconds_vjp, bytes_full, bytes_vjp):
    """Log-log panels of time and peak memory: building J and multiplying, against the direct product.

    Fitted slopes (over the larger half of the sizes) are written in the legends: 2 means O(n^2), 1 means O(n).

    >>> fig = product_costs([10, 100, 1000], [1e-6, 1e-4, 1e-2], [1e-6, 2e-6, 2e-5], [800, 8e4, 8e6], [80, 800, 8e3])
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['number of classes n', 'number of classes n']
    """
    fig, (left, right) = new_figure(2, height=3.2)
    for ax, full, direct, unit in (
        (left, seconds_full, seconds_vjp, "time per product (seconds)"),
        (right, bytes_full, bytes_vjp, "peak memory (bytes)"),
    ):
        ax.loglog(ns, full, "o-", color=PALETTE[3], label=f"build J, J.T @ g: slope {_fitted_slope(ns, full):.1f}")
        ax.loglog(ns, direct, "s-", color=PALETTE[0], label=f"s * (g - s @ g): slope {_fitted_slope(ns, direct):.1f}")
        ax.set_xlabel("number of classes n")
        ax.set_ylabel(unit)
        # Room above the data for the legend, so it never hides a point.
        low, high = ax.get_ylim()
        ax.set_ylim(low, high * (high / low) ** 0.45)
        ax.legend(fontsize=8, loc="upper left")
    left.set_title("time")
    right.set_title("memory")
    return fig


def product_costs_alt(ns):
    """Alt text for :func:`product_costs`: only what does not change between runs (the sizes, exact memory).

    >>> product_costs_alt([10, 100]).endswith("the direct product's result 8 n = 800 bytes")
    True
    """
    n = ns[-1]
    return (
        f"Two log-log panels against the number of classes n, from {ns[0]} to {n}: time per product and peak "
        "memory, for building J and then multiplying (circles) and for the direct product s * (g - s @ g) "
        f"(squares). At n = {n} the matrix J alone is 8 n^2 = {8 * n * n:,} bytes; "
        f"the direct product's result 8 n = {8 * n:,} bytes"
    )


def measure_costs(products, ns, seed=0, repeats=3):
    """Time and peak memory of each ``product(z, g)`` for random ``z``, ``g`` of each size in ``ns``.

    Returns one list of seconds per product (the fastest of ``repeats`` runs, each averaged over enough calls
    to last about as long as one call at the largest sizes), then one list of peak bytes per product.

    >>> seconds, peak = measure_costs([lambda z, g: z * g], [10, 20])
    >>> len(seconds), peak[1] - peak[0]  # ten more float64 numbers, and the same fixed overhead
    (2, 80)
    """
    rng = np.random.default_rng(seed)
    seconds = [[] for _ in products]
    peaks = [[] for _ in products]
    for n in ns:
        z, g = rng.normal(size=(2, n))
        for k, product in enumerate(products):
            number = max(1, 2000 // n)
            runs = timeit.repeat(lambda: product(z, g), number=number, repeat=repeats)
            seconds[k].append(min(runs) / number)
            peaks[k].append(peak_bytes(product, z, g))
    return (*seconds, *peaks)


class PngOutput:
    """A figure whose pixels change from run to run (timings): shown as ``image/png`` with plain-text alt text.

    nbval compares the ``text/plain`` (keep it to facts that do not change between runs) and skips the PNG.  The
    website shows the PNG; its alt attribute comes from the cell's ``mystnb.image.alt`` metadata, which should
    hold the same text.
    """

    def __init__(self, fig, alt):
        if not alt:
            raise ValueError("alt text is required: describe what the figure shows")
        self.alt = alt
        self._png = _png_base64(fig)

    def __repr__(self):
        return f"[figure] {self.alt}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/png": self._png, "text/plain": repr(self)}

    @property
    def png_bytes(self):
        """The PNG itself, for tests."""
        return base64.b64decode(self._png)


def show_varying(fig, alt):
    """Like :func:`helpers.figures.show`, for a figure of measurements that vary between runs.

    >>> fig, (ax,) = new_figure()
    >>> show_varying(fig, alt="Empty axes")
    [figure] Empty axes
    """
    return PngOutput(fig, alt)


__all__ = [
    "dependency_diagram",
    "dependency_diagram_alt",
    "jacobian_state",
    "jacobian_state_alt",
    "measure_costs",
    "product_costs",
    "product_costs_alt",
    "show_varying",
    "PngOutput",
]
