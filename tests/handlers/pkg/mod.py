"""A handler inside a package."""


def handler(event, context):
    return {"module": __name__}
