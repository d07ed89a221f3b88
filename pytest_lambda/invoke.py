"""Where `LambdaFunction` and `Invocation` used to live; kept so that imports from here work.

New code imports them from `pytest_lambda`.
"""

from __future__ import annotations

from .function import LambdaFunction
from .invocation import Invocation, display_logs

__all__ = ["Invocation", "LambdaFunction", "display_logs"]
