"""cffi-wheel: build wheels from CFFI API-mode recipes.

This package is the PEP 517 / PEP 660 build backend (``build-backend = "cffi_wheel"``);
it runs the ``cffi-wheel`` binary installed with it and reimplements nothing.
"""

from ._backend import (
    build_editable,
    build_sdist,
    build_wheel,
    find_binary,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "find_binary",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]
