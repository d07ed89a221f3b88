"""Module state: IMPORTS counts imports of this copy, CALLS counts invocations."""

IMPORTS = 0
CALLS = 0

IMPORTS += 1


def handler(event, context):
    global CALLS
    CALLS += 1
    return {"imports": IMPORTS, "calls": CALLS, "module_id": id(handler)}
