"""Print each package whose installed version (pip freeze on stdin) differs from the lock."""

import re
import sys

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)")


def pins(lines) -> dict[str, str]:
    found = (PIN.match(line) for line in lines)
    return {m[1].lower().replace("_", "-"): m[2] for m in found if m}


with open(sys.argv[1], encoding="utf-8") as lock:
    locked = pins(lock)
for name, version in sorted(pins(sys.stdin).items()):
    if name in locked and locked[name] != version:
        print(f"  {name}: {locked[name]} -> {version}")
