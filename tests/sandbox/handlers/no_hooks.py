"""A SnapStart function without runtime hooks."""

INITS = []
INITS.append("init")


def handler(event, context):
    return len(INITS)
