"""The trivial handler every benchmark invokes: returns a constant."""


def handler(event, context):
    return {"statusCode": 200}
