"""Draw the second-reading sample: a seeded random sample of rows already in domain_labels.csv
(the real_* sets excluded: their labels are given), split by language into one batch each."""
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rows = [r for r in csv.DictReader(open(os.path.join(HERE, "..", "domain_labels.csv"), encoding="utf-8"))
        if not r["dataset"].startswith("real_")]
random.Random(21).shuffle(rows)
for lang in ("zh", "en"):
    pick = [r for r in rows if r["lang"] == lang][:200]
    with open(os.path.join(HERE, f"a21{lang}.keys"), "w") as fh:
        fh.writelines(f"{r['dataset']}\t{r['key']}\n" for r in pick)
