"""Figures of chapter 3: who depends on whom, the Jacobian as a heatmap (at a temperature too), and what building it
costs."""

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


def _jacobian_heatmap(fig, ax, jac, limit, title):
    """Draw the Jacobian `jac` on `ax` as a heatmap on the colour scale [-limit, limit], each entry written in it."""
    n = len(jac)
    image = ax.imshow(jac, cmap="PuOr_r", vmin=-limit, vmax=limit)
    ax.grid(False)
    ax.set_xticks(range(n), [str(k + 1) for k in range(n)])
    ax.set_yticks(range(n), [str(k + 1) for k in range(n)])
    ax.set_xlabel("input $z_j$")
    ax.set_ylabel("output $s_i$")
    ax.set_title(title)
    for i in range(n):
        for j in range(n):
            strong = abs(jac[i, j]) > 0.6 * limit
            # round first and add 0.0, so a tiny negative entry prints as 0.00, not -0.00
            ax.text(j, i, f"{round(jac[i, j], 2) + 0.0:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if strong else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)


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
    _jacobian_heatmap(fig, left, jac, limit, r"$J_{ij} = \partial s_i / \partial z_j$")
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


def _fitted_slope(ks, values):
    """Slope of log(value) against log(k) over the larger half of the sizes, where overheads matter least."""
    half = len(ks) // 2
    return float(np.polyfit(np.log(ks[half:]), np.log(values[half:]), 1)[0])


def product_costs(ks, multiplications_full, multiplications_vjp, bytes_full, bytes_vjp):
    """Log-log panels of what does not depend on the machine: multiplications counted, and peak memory.

    The legends of the left panel give the slopes fitted to the counts (over the larger half of the sizes): 2 means
    the count grows like k^2, 1 like k. Time is not drawn: it depends on the processor, its caches and its load.

    >>> fig = product_costs([10, 100, 1000], [200, 2e4, 2e6], [20, 200, 2000], [800, 8e4, 8e6], [80, 800, 8e3])
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['number of classes k', 'number of classes k']
    """
    fig, (left, right) = new_figure(2, height=3.2)
    for ax, full, direct, unit in (
        (left, multiplications_full, multiplications_vjp, "multiplications per product"),
        (right, bytes_full, bytes_vjp, "peak memory (bytes)"),
    ):
        slopes = ax is left
        full_label = f"build J, J.T @ g: slope {_fitted_slope(ks, full):.1f}" if slopes else "build J, J.T @ g"
        direct_label = f"s * (g - s @ g): slope {_fitted_slope(ks, direct):.1f}" if slopes else "s * (g - s @ g)"
        ax.loglog(ks, full, "o-", color=PALETTE[3], label=full_label)
        ax.loglog(ks, direct, "s-", color=PALETTE[0], label=direct_label)
        ax.set_xlabel("number of classes k")
        ax.set_ylabel(unit)
        # Room above the data for the legend, so it never hides a point.
        low, high = ax.get_ylim()
        ax.set_ylim(low, high * (high / low) ** 0.45)
        ax.legend(fontsize=8, loc="upper left")
    left.set_title("multiplications (counted)")
    right.set_title("memory (measured)")
    return fig


def product_costs_alt(ks, multiplications_full, multiplications_vjp):
    r"""Alt text for :func:`product_costs`: the sizes, the counts at the largest size and the exact size of J.

    >>> print(product_costs_alt([10, 100], [200, 20000], [20, 200]).split(". ")[-1].replace("; ", ";\n"))
    At k = 100: 20,000 multiplications against 200;
    the matrix J alone is 8 k^2 = 80,000 bytes, the direct product's result 8 k = 800 bytes
    """
    k = ks[-1]
    return (
        f"Two log-log panels against the number of classes k, from {ks[0]} to {k}: multiplications counted and "
        "peak memory, for building J and then multiplying (circles) and for the direct product s * (g - s @ g) "
        f"(squares). At k = {k}: {multiplications_full[-1]:,} multiplications against {multiplications_vjp[-1]:,}; "
        f"the matrix J alone is 8 k^2 = {8 * k * k:,} bytes, the direct product's result 8 k = {8 * k:,} bytes"
    )


_MULTIPLICATIONS = [0]
# Functions that multiply without going through np.multiply or np.matmul: refused, so nothing goes uncounted.
_UNCOUNTED = {np.dot, np.vdot, np.inner, np.einsum, np.tensordot, np.kron, np.prod, np.cumprod, np.linalg.multi_dot}


class _CountingArray(np.ndarray):
    """A float array that adds to ``_MULTIPLICATIONS`` every scalar multiplication NumPy performs on it."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, _CountingArray) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _CountingArray) else o for o in kwargs["out"])
        if ufunc in (np.multiply, np.matmul) and method not in ("__call__", "outer"):
            raise TypeError(f"count_multiplications cannot count {ufunc.__name__}.{method}")
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc is np.multiply:
            _MULTIPLICATIONS[0] += int(np.size(result))  # one per entry of the result, broadcast or outer
        elif ufunc is np.matmul:
            # every entry of the result is a dot product as long as the first operand's last axis
            _MULTIPLICATIONS[0] += int(np.size(result)) * np.shape(plain[0])[-1]
        return result.view(_CountingArray) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func, types, args, kwargs):
        if func in _UNCOUNTED:
            raise TypeError(f"count_multiplications counts np.multiply and @ only, not np.{func.__name__}")
        if func is np.outer:  # np.outer converts its inputs to plain arrays first, which would hide them
            return np.multiply.outer(np.ravel(args[0]), np.ravel(args[1]))
        return super().__array_function__(func, types, args, kwargs)


def count_multiplications(product, *arrays):
    """The number of scalar multiplications NumPy performs in ``product(*arrays)``.

    Every multiplication by ``*``, ``np.multiply``, ``np.outer`` or ``@`` is counted, one for each entry of a
    product and ``n`` for each entry of a matrix product whose inner dimension is ``n``; functions that multiply
    by another route (``np.dot``, ``np.einsum``, ...) raise ``TypeError`` rather than go uncounted.

    >>> s, g = np.full(3, 1 / 3), np.ones(3)
    >>> count_multiplications(lambda s, g: (np.diag(s) - np.outer(s, s)).T @ g, s, g)  # 9 for s s^T, 9 for J^T g
    18
    >>> count_multiplications(lambda s, g: s * (g - s @ g), s, g)
    6
    """
    counted = [np.asarray(a, dtype=float).view(_CountingArray) for a in arrays]
    _MULTIPLICATIONS[0] = 0
    product(*counted)
    return _MULTIPLICATIONS[0]


def measure_costs(products, ks, seed=0):
    """Multiplications and peak memory of each ``product(s, g)`` for ``s`` a random softmax and ``g`` random.

    Returns one list of multiplication counts per product (:func:`count_multiplications`), then one list of
    peak bytes per product (what NumPy allocates during one call).

    >>> counts, peak = measure_costs([lambda s, g: s * g], [10, 20])
    >>> counts, peak[1] - peak[0]  # ten more multiplications, ten more float64 numbers, the same overhead
    ([10, 20], 80)
    """
    from helpers.numerics import softmax

    rng = np.random.default_rng(seed)
    counts = [[] for _ in products]
    peaks = [[] for _ in products]
    for k in ks:
        z, g = rng.normal(size=(2, k))
        s = softmax(z)
        for n, product in enumerate(products):
            counts[n].append(count_multiplications(product, s, g))
            peaks[n].append(peak_bytes(product, s, g))
    return (*counts, *peaks)


def time_per_call(product, *args, repeats=7, min_seconds=0.01):
    """Seconds per call of ``product(*args)``, one number for each of ``repeats`` runs.

    Each run makes as many calls as last about ``min_seconds`` (judged from one call made first) and reports
    their mean. Times depend on the machine and its load: compare them only with others from the same cell.

    >>> runs = time_per_call(sum, [1, 2, 3], repeats=3)
    >>> runs.shape, bool((runs > 0).all())
    ((3,), True)
    """
    timer = timeit.Timer(lambda: product(*args))
    once = timer.timeit(number=1)
    number = max(1, int(np.ceil(min_seconds / max(once, 1e-9))))
    return np.array(timer.repeat(repeat=repeats, number=number)) / number


def _top_and_trace(z, temperatures):
    rows = [_jacobian_and_eigenvalues(z, t) for t in temperatures]
    return np.array([r[2][0] for r in rows]), np.array([np.trace(r[1]) for r in rows])


def temperature_state(z, temperature, temperatures):
    r"""The Jacobian of softmax(z / T) at one temperature, and its size against T.

    Left, the heatmap of :math:`J = (\operatorname{diag}(s) - s s^\top) / T` with :math:`s =
    \operatorname{softmax}(z / T)`, on one colour scale for every temperature in ``temperatures`` (so the states
    of a slider can be compared). Right, on log-log axes over the range of ``temperatures``: the largest
    eigenvalue and the trace of J, the bound 1/(2T), and a marker at ``temperature``.

    >>> fig = temperature_state([2.0, 1.0, 0.0, -1.0], 1.0, [0.5, 1.0, 2.0])
    >>> [ax.get_xlabel() for ax in fig.axes[:2]]
    ['input $z_j$', 'temperature $T$']
    """
    s, jac, _ = _jacobian_and_eigenvalues(z, temperature)
    limit = max(np.abs(_jacobian_and_eigenvalues(z, t)[1]).max() for t in temperatures)
    fig, (left, right) = new_figure(2, width=5.8, height=2.7)
    _jacobian_heatmap(fig, left, jac, limit, f"$J$ at $T = {temperature:g}$")
    grid = np.geomspace(min(temperatures), max(temperatures), 120)
    top, trace = _top_and_trace(z, grid)
    right.loglog(grid, 0.5 / grid, "--", color=PALETTE[3], linewidth=1, label=r"bound on $\lambda_{\max}$: $1/(2T)$")
    right.loglog(grid, trace, color=PALETTE[0], label="trace")
    right.loglog(grid, top, color=PALETTE[2], label=r"$\lambda_{\max}$")
    now_top, now_trace = _top_and_trace(z, [temperature])
    right.plot([temperature] * 2, [now_top[0], now_trace[0]], "o", color=PALETTE[7], markersize=5)
    right.axvline(temperature, color=PALETTE[7], linewidth=0.8, alpha=0.5)
    right.set_xlabel("temperature $T$")
    right.set_ylabel("size of $J$")
    right.set_title(r"$\lambda_{\max}$ and trace against $T$")
    # Room above the curves for the legend, so it hides none of them.
    low, high = right.get_ylim()
    right.set_ylim(low, high * (high / low) ** 0.5)
    right.legend(fontsize=8, loc="upper right")
    return fig


def temperature_state_alt(z, temperature, temperatures):
    """Alt text for :func:`temperature_state`: the heatmap's numbers, then what the curves show.

    >>> temperature_state_alt([0.0, 0.0], 2.0, [1.0, 4.0]).split("; beside it, ")[1]
    'the largest eigenvalue and the trace of J against T from 1 to 4, under the bound 1/(2T), marked at T = 2'
    """
    return (
        f"{jacobian_state_alt(z, temperature)}; beside it, the largest eigenvalue and the trace of J against T "
        f"from {min(temperatures):g} to {max(temperatures):g}, under the bound 1/(2T), marked at T = {temperature:g}"
    )


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
    "count_multiplications",
    "measure_costs",
    "product_costs",
    "product_costs_alt",
    "show_varying",
    "temperature_state",
    "temperature_state_alt",
    "time_per_call",
    "PngOutput",
]
