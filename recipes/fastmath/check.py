"""Check the installed fastmath wheel: run as `<venv python> -I check.py`."""

import array
import math
import os
import sys

# Under -I the script's directory is not on sys.path. Run without -I, it is put first,
# and the *source* package next to this file (which has no built extension) would
# shadow the installed one. Drop it so it is always the installed wheel that is tested.
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == os.path.dirname(
    os.path.abspath(__file__)
):
    del sys.path[0]

import fastmath  # noqa: E402
from fastmath import ffi, lib  # noqa: E402

FAILURES = []


def check(what, got, expected):
    if got != expected:
        FAILURES.append("%s: got %r, expected %r" % (what, got, expected))


def raises(what, exc, func, *args):
    try:
        func(*args)
    except exc:
        return
    FAILURES.append("%s: did not raise %s" % (what, exc.__name__))


# sqrt: from libm, through `libraries: [m]`.
check("lib.sqrt(2.0)", lib.sqrt(2.0), math.sqrt(2.0))
check("fastmath.sqrt(81)", fastmath.sqrt(81), 9.0)

# factorial: defined in the recipe's `source`.
expected = 1
for n in range(0, 13):  # 12! fits even a 32-bit long
    expected = expected * n if n else 1
    check("lib.factorial(%d)" % n, lib.factorial(n), expected)
if ffi.sizeof("long") == 8:
    check("fastmath.factorial(20)", fastmath.factorial(20), math.factorial(20))
raises("fastmath.factorial(-1)", ValueError, fastmath.factorial, -1)
raises("fastmath.factorial(21)", OverflowError, fastmath.factorial, 21)

# fm_mean: from the vendored src/fastmath_core.c, through `sources`/`include_dirs`.
xs = array.array("d", [1.0, 2.0, 3.0, 4.5])
check("lib.fm_mean(xs)", lib.fm_mean(ffi.from_buffer("double[]", xs), len(xs)), 2.625)
check("fastmath.mean([1, 2, 3])", fastmath.mean([1, 2, 3]), 2.0)
if not math.isnan(lib.fm_mean(ffi.NULL, 0)):
    FAILURES.append("lib.fm_mean(NULL, 0) should be NaN")
raises("fastmath.mean([])", ValueError, fastmath.mean, [])

if FAILURES:
    for line in FAILURES:
        print("FAIL fastmath: " + line, file=sys.stderr)
    sys.exit(1)
print("ok fastmath")
