"""A module that writes to the log while it is imported (Init output)."""

import logging

print("init output from noisy_init")
logging.warning("init warning from noisy_init")


def handler(event, context):
    print("invoke output from noisy_init")
    return "done"
