"""Print each package whose installed version (pip freeze on stdin) differs from the lock.

The lock is universal: a package may be pinned twice under different environment markers
(numpy for Python < 3.12 and >= 3.12), so only the pin whose marker holds here counts."""

import re
import sys

from packaging.requirements import InvalidRequirement, Requirement

LINE = re.compile(r"^[A-Za-z0-9_.-]+==[^\\]+")


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        try:
            req = Requirement(m[0].strip())
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate():
            found[req.name.lower().replace("_", "-")] = next(iter(req.specifier)).version
    return found


with open(sys.argv[1], encoding="utf-8") as lock:
    locked = pins(lock)
for name, version in sorted(pins(sys.stdin).items()):
    if name in locked and locked[name] != version:
        print(f"  {name}: {locked[name]} -> {version}")
