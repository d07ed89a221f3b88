import time

time.sleep(0.05)


def handler(event, context):
    return "ok"
