"""Makes thumbnails: holds the picture in memory while it works.

THUMBNAIL_WORK_MB is how much memory the work takes (a bigger picture).
"""

import os


def handler(event, context):
    work_mb = int(os.environ.get("THUMBNAIL_WORK_MB", "20"))
    picture = bytearray(work_mb * 1024 * 1024)
    # Touch every page, as decoding a picture would.
    picture[::4096] = b"\x01" * len(picture[::4096])
    return {"thumbnail_bytes": len(picture) // 100}
