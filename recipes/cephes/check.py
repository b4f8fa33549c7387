"""Check an installed cephes-special wheel: run as `<venv python> -I check.py`."""

import math
import os
import sys

if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == os.path.dirname(
    os.path.abspath(__file__)
):
    del sys.path[0]

from cephes_special import lib  # noqa: E402

x = 0.5
# 2F1(1, 1; 2; x) = -log(1 - x) / x
expected = -math.log(1.0 - x) / x
got = lib.hyp2f1(1.0, 1.0, 2.0, x)
if abs(got - expected) > 1e-12:
    print("FAIL cephes: hyp2f1(1,1,2,0.5) = %r, expected %r" % (got, expected), file=sys.stderr)
    sys.exit(1)
# psi(1) = -Euler's constant
if abs(lib.psi(1.0) + 0.5772156649015329) > 1e-12:
    print("FAIL cephes: psi(1) = %r" % lib.psi(1.0), file=sys.stderr)
    sys.exit(1)
if abs(lib.gamma(5.0) - 24.0) > 1e-9:
    print("FAIL cephes: gamma(5) = %r (glibc's gamma is lgamma: wrong symbol?)" % lib.gamma(5.0), file=sys.stderr)
    sys.exit(1)
print("ok cephes")
