"""Counts the memory of a process tree as a cgroup charges it, each physical page once.

Run as a plain script (it imports nothing of the harness): `python pagemap.py PID` prints
the resident memory of PID and all its descendants in KiB, counting each page frame once,
from /proc/<pid>/maps and /proc/<pid>/pagemap; or `unreadable` where the kernel hides page
frame numbers from this process (they need CAP_SYS_ADMIN).
"""

import os
import struct
import sys

PRESENT = 1 << 63
FRAME = (1 << 55) - 1


def children(pid):
    found = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            found += [int(child) for child in f.read().split()]
    return found


def tree(root):
    found, pending = [root], children(root)
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children(pid)
    return found


def frames(pid):
    page = os.sysconf("SC_PAGE_SIZE")
    found = set()
    visible = False
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            if line.rstrip().endswith("[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            pagemap.seek(start // page * 8)
            for (entry,) in struct.iter_unpack("<Q", pagemap.read((end - start) // page * 8)):
                if entry & PRESENT:
                    found.add(entry & FRAME)
                    visible = visible or bool(entry & FRAME)
    return found, visible


def main():
    every = set()
    visible = False
    for pid in tree(int(sys.argv[1])):
        try:
            found, seen = frames(pid)
        except OSError:
            continue
        every |= found
        visible = visible or seen
    print(len(every) * os.sysconf("SC_PAGE_SIZE") // 1024 if visible else "unreadable")


main()
