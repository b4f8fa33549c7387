"""CEPHES special functions through CFFI API mode.

    >>> from cephes_special import lib
    >>> round(lib.hyp2f1(1.0, 1.0, 2.0, 0.5), 12)   # -log(1 - x) / x
    1.386294361120

For numba's nopython mode, register the module once:

    from numba.core.typing import cffi_utils
    import cephes_special._cephes as _cephes
    cffi_utils.register_module(_cephes)
"""

from ._cephes import ffi, lib

__all__ = ["ffi", "lib"]
