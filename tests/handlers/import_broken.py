"""A module whose import fails: it needs a package that is not installed."""

import pytest_lambda_missing_dependency  # noqa: F401


def handler(event, context):
    return "never reached"
