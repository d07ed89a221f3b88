import sys

PRELOADED = "xml.dom.minidom" in sys.modules

import xml.dom.minidom  # noqa: E402,F401


def handler(event, context):
    return PRELOADED
