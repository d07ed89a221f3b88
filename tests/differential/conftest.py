"""The differential test's support modules live beside it: make them importable."""

from __future__ import annotations

import sys
from pathlib import Path

# The suite imports test modules with --import-mode=importlib, which leaves sys.path
# alone; the support modules' names start with `differential_` so they cannot shadow a
# handler's modules.
sys.path.insert(0, str(Path(__file__).parent))
