"""A module the compiler refuses: `await` outside a coroutine."""


def handler(event, context):
    return "never reached"


await handler({}, None)  # noqa: F704
