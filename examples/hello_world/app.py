"""The Hello World blueprint: log the three values of the event, return the first."""

print("Loading function")


def lambda_handler(event, context):
    print("value1 = " + event["key1"])
    print("value2 = " + event["key2"])
    print("value3 = " + event["key3"])
    return event["key1"]
