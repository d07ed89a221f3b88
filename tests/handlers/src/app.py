"""A handler reached with the `src/app.handler` form (a namespace package `src`)."""


def handler(event, context):
    return {"module": __name__}
