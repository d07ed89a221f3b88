import resource

KEEP = []


def allocate(event, context):
    """Touch `mb` MB and report the process's own high-water mark."""
    KEEP.append(bytearray(event["mb"] * 1024 * 1024))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    KEEP.clear()
    return {"peak_kb": peak_kb}


def grow_forever(event, context):
    chunk = event.get("chunk_mb", 16) * 1024 * 1024
    while True:
        KEEP.append(bytearray(chunk))


def huge(event, context):
    return len(bytearray(50 * 1024**3))


def child_allocates(event, context):
    import subprocess
    import sys

    code = f"import time; b = bytearray({event['mb']} * 1024 * 1024); time.sleep(0.3)"
    subprocess.run([sys.executable, "-c", code], check=True)
    return "ok"
