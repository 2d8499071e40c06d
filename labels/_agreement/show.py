"""Print a second-reading batch: number | source label | text (no first-reading label is shown)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_work"))
from common import load

name = sys.argv[1]; width = int(sys.argv[2]) if len(sys.argv) > 2 else 220
cache = {}
for i, line in enumerate(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.keys")), 1):
    ds, key = line.rstrip("\n").split("\t")
    if ds not in cache:
        cache[ds] = {r["key"]: r for r in load(ds)}
    r = cache[ds][key]; t = " ".join(r["text"].split())
    print(f"{i}|{ds}|{r.get('label', '')}|{t[:width]}{'…' if len(t) > width else ''}")
