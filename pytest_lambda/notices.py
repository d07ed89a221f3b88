"""The warnings pytest-lambda gives: pytest warnings, shown in the run's warnings summary.

Imported where a warning is given, not at start-up: these classes need pytest, which an
execution environment's process must not pay for.
"""

from __future__ import annotations

import os
import sys
import warnings

import pytest


class TemplateWarning(pytest.PytestWarning):
    """Something a template asks for that the harness does not do (named: the file, the
    resource and the property), or a runtime that does not match the interpreter."""


class RuntimeVersionWarning(TemplateWarning):
    """The function's runtime (python3.X) is not the Python running the tests."""


def warn(warning: Warning) -> None:
    """Give `warning` at the first frame outside pytest-lambda: the user's line (or, for a
    function a fixture made, pytest's fixture call, the warnings summary naming the test)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame = frame.f_back
        level += 1
    warnings.warn(warning, stacklevel=level + 1)


# The package's directory: its frames are not where a warning is attributed.
_SKIPPED = os.path.dirname(os.path.abspath(__file__)) + os.sep
