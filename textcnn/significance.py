"""Paired significance tests for comparing two classifiers on the same test items.

Two classifiers scored on the same items are not independent samples, so comparing their
accuracies needs a paired test: McNemar's exact test on the items only one of them gets right
(one test set), or a paired t-test on per-fold accuracies (cross-validation folds shared by
both). Pure Python and NumPy, so that the library needs no SciPy; ``tests/test_baselines.py``
checks both against ``scipy.stats``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from textcnn.errors import TextcnnError


def _paired_arrays(a: Sequence, b: Sequence, what: str) -> tuple[np.ndarray, np.ndarray]:
    """`a` and `b` as arrays, or a one-line error when they do not pair up item by item."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 1 or b.ndim != 1 or len(a) != len(b):
        raise TextcnnError(f"A paired test needs two equally long lists of {what}. "
                           f"Received: {len(a.reshape(-1))} and {len(b.reshape(-1))}")
    return a, b


def binomial_cdf_half(k: int, n: int) -> float:
    """P[X <= k] for X ~ Binomial(n, 1/2), exactly: the integer sum of C(n, i) over 2^n (Python
    integers do not overflow, and int / int rounds the exact quotient once)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    term, total = 1, 1  # C(n, 0)
    for i in range(1, k + 1):
        term = term * (n - i + 1) // i
        total += term
    return total / 2**n


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """McNemar's exact test of two classifiers' per-item correctness on the same items.

    Only the discordant items count: `a_only` (A right, B wrong) and `b_only` (the reverse).
    Under the null hypothesis (equal accuracy) each discordant item is a fair coin, so the
    two-sided p-value is ``min(1, 2 * P[X <= min(a_only, b_only)])``, X ~ Bin(a_only + b_only, 1/2);
    1.0 when there are no discordant items.

    Example:
    >>> mcnemar([1, 1, 1, 0], [0, 0, 1, 0])
    {'a_only': 2, 'b_only': 0, 'p_value': 0.5, 'n': 4}
    """
    a, b = _paired_arrays(correct_a, correct_b, "per-item correctness")
    a, b = a.astype(bool), b.astype(bool)
    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    discordant = a_only + b_only
    p = 1.0 if discordant == 0 else min(1.0, 2 * binomial_cdf_half(min(a_only, b_only), discordant))
    return {"a_only": a_only, "b_only": b_only, "p_value": p, "n": int(len(a))}


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method,
    Numerical Recipes 6.4), converging fast for x < (a + 1) / (a + b + 2)."""
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 1000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < epsilon:
            return result
    raise ArithmeticError(f"the incomplete beta continued fraction did not converge (x={x}, a={a}, b={b})")


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the CDF of the Beta(a, b) distribution at `x`."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(1.0 - x, b, a) / b


def student_t_two_sided_p(t: float, df: float) -> float:
    """P[|T| >= |t|] for Student's t with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2)."""
    if math.isinf(t):
        return 0.0
    return regularized_incomplete_beta(df / (df + t * t), df / 2, 0.5)


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> dict:
    """Two-sided paired t-test of per-fold scores `a` and `b` (the same folds, in the same order).

    Returns the mean of ``a - b``, t, the degrees of freedom (folds - 1) and the p-value. When
    every difference is equal, t is 0 with p = 1 if they are all zero, else +-inf with p = 0.

    Example:
    >>> round(paired_t_test([0.80, 0.82, 0.79], [0.78, 0.80, 0.78])["p_value"], 4)
    0.0377
    """
    a, b = _paired_arrays(a, b, "per-fold scores")
    if len(a) < 2:
        raise TextcnnError(f"A paired t-test needs at least 2 folds. Received: {len(a)}")
    differences = a.astype(float) - b.astype(float)
    mean, n = float(differences.mean()), len(differences)
    spread = float(differences.std(ddof=1))
    if spread == 0.0:
        t = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    else:
        t = mean / (spread / math.sqrt(n))
    return {"mean_difference": mean, "t": t, "df": n - 1, "p_value": student_t_two_sided_p(t, n - 1), "n": n}
