#!/usr/bin/env python3
"""memscan.py PID FILE: exit 0 when no line of FILE's PEM body (40
characters or more of base64) is found in the memory of PID, 1 when one
is, 2 when the memory cannot be read. Reads /proc/PID/maps and
/proc/PID/mem in 4 MiB chunks, so it needs to be the process's parent or
root; mappings over 1 GiB (a sanitizer's shadow) are skipped."""
import re
import sys

pid, path = sys.argv[1], sys.argv[2]
lines = [l.strip().encode() for l in open(path) if re.fullmatch(r"[A-Za-z0-9+/=]{40,}", l.strip())]
if not lines:
    print("no PEM body lines in " + path)
    sys.exit(2)
found = set()
try:
    maps = open("/proc/%s/maps" % pid).read().splitlines()
    mem = open("/proc/%s/mem" % pid, "rb", 0)
except OSError as e:
    print("cannot read the memory: %s" % e)
    sys.exit(2)
regions = 0
for m in maps:
    addr, perms = m.split()[:2]
    if "r" not in perms or m.endswith("[vvar]") or m.endswith("[vsyscall]"):
        continue
    start, end = (int(x, 16) for x in addr.split("-"))
    if end - start > (1 << 30):
        # a sanitizer's shadow or reserve: terabytes of zero pages, no heap
        continue
    regions += 1
    step, tail = 4 << 20, b""
    for at in range(start, end, step):
        try:
            mem.seek(at)
            chunk = tail + mem.read(min(step, end - at))
        except (OSError, ValueError, OverflowError):
            tail = b""
            continue
        for i, l in enumerate(lines):
            if l in chunk:
                found.add(i)
        tail = chunk[-128:]  # a line across two chunks
if regions == 0:
    print("no region readable")
    sys.exit(2)
if found:
    print("found %d of %d key lines in memory" % (len(found), len(lines)))
    sys.exit(1)
print("none of %d key lines in %d regions" % (len(lines), regions))
