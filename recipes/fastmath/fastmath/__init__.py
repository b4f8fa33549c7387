"""fastmath: a few math functions in C, wrapped with cffi in API mode.

`ffi` and `lib` are the raw cffi objects; `sqrt`, `factorial` and `mean` are friendlier
Python wrappers around them.
"""

import array

from ._fastmath import ffi, lib

__all__ = ["ffi", "lib", "sqrt", "factorial", "mean"]
__version__ = "0.1.0"


def sqrt(x):
    """Square root of `x`, computed by the C library's `sqrt`."""
    return lib.sqrt(x)


def _largest_factorial_arg():
    # C `long` is 64-bit on Linux/macOS (20! fits) but 32-bit on Windows (12! fits).
    limit = (1 << (8 * ffi.sizeof("long") - 1)) - 1
    n, value = 0, 1
    while value * (n + 1) <= limit:
        n += 1
        value *= n
    return n


_FACTORIAL_MAX = _largest_factorial_arg()


def factorial(n):
    """`n!` computed in C, for 0 <= n <= the largest n whose factorial fits a C long."""
    if n < 0:
        raise ValueError("factorial() not defined for negative values")
    if n > _FACTORIAL_MAX:
        # Signed overflow is undefined behaviour in C: refuse rather than call.
        raise OverflowError("factorial(%d) does not fit in a C long" % n)
    return lib.factorial(n)


def mean(values):
    """Arithmetic mean of an iterable of numbers (or of a buffer of C doubles)."""
    if not isinstance(values, array.array) or values.typecode != "d":
        values = array.array("d", values)
    if len(values) == 0:
        raise ValueError("mean() of an empty sequence")
    return lib.fm_mean(ffi.from_buffer("double[]", values), len(values))
