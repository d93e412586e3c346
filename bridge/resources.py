"""Files the bridge reads at run time: the crosswalks (``mappings/``) and the demo artefacts.

In the repository they live where people look for them (``mappings/``, ``fixtures/<name>/``); the wheel
carries them as package data under ``bridge/_mappings`` and ``bridge/_demo`` (see setup.py), so an
installed ``bridge`` finds them with importlib.resources wherever it ends up. An editable install has no
such packages (setuptools' editable finder maps only code), so there the checkout's folders are used.
"""

from __future__ import annotations

import atexit
import importlib.resources
from contextlib import ExitStack
from functools import cache
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
_extracted = ExitStack()
atexit.register(_extracted.close)


@cache
def _folder(packaged: str, checkout_folder: str) -> Path:
    root = importlib.resources.files("bridge") / packaged
    if not root.is_dir():
        return CHECKOUT / checkout_folder
    if isinstance(root, Path):
        return root
    # A zipped install: extract once for the life of the process (readers want real paths).
    return _extracted.enter_context(importlib.resources.as_file(root))


def mappings_dir() -> Path:
    """Return the folder of the built-in crosswalks (``mappings/*.toml``)."""
    return _folder("_mappings", "mappings")


def demo_dir() -> Path:
    """Return the folder holding the demo artefacts (plant-classifier, monitoring-logs)."""
    return _folder("_demo", "fixtures")
