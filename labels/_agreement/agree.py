"""Agreement between the first reading (domain_labels.csv) and the blind second reading (b<batch>.lab).

    python3 agree.py            # per language and dataset: kind and authenticity agreement, Cohen's kappa
"""
import collections
import csv
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
KIND = {"vc": "verification_code", "lm": "loan_marketing", "mk": "marketing", "rr": "repayment_reminder",
        "oc": "overdue_collection", "tp": "third_party_contact", "lt": "legal_threat", "an": "account_notice",
        "per": "personal", "oth": "other"}
AUTH = {"g": "genuine", "f": "fraud", "u": "unknown"}
first = {(r["dataset"], r["key"]): r for r in csv.DictReader(open(os.path.join(HERE, "..", "domain_labels.csv"), encoding="utf-8"))}


def kappa(pairs):
    n = len(pairs)
    po = sum(a == b for a, b in pairs) / n
    ca, cb = collections.Counter(a for a, _ in pairs), collections.Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


rows = []  # (lang, dataset, first kind, second kind, first auth, second auth)
for lab in sorted(glob.glob(os.path.join(HERE, "b*.lab"))):
    name = os.path.basename(lab)[1:-4]
    keys = [line.rstrip("\n").split("\t") for line in open(os.path.join(HERE, f"{name}.keys"))]
    second = {}
    for line in open(lab):
        parts = line.split()
        if parts and parts[0].isdigit():
            second[int(parts[0])] = (KIND[parts[1]], AUTH[parts[2]])
    assert sorted(second) == list(range(1, len(keys) + 1)), f"{name}: every row once"
    for i, (ds, key) in enumerate(keys, 1):
        f = first[(ds, key)]
        rows.append((f["lang"], ds, f["kind"], second[i][0], f["authenticity"], second[i][1]))

print("| rows | n | kind agreement | kind kappa | authenticity agreement |")
print("|---|---|---|---|---|")
groups = collections.defaultdict(list)
for r in rows:
    groups["all"].append(r); groups[r[0]].append(r); groups[r[1]].append(r)
for g in ["all", "zh", "en"] + sorted({r[1] for r in rows}):
    rs = groups[g]
    kp = [(r[2], r[3]) for r in rs]
    print(f"| {g} | {len(rs)} | {sum(a == b for a, b in kp) / len(rs):.3f} | {kappa(kp):.3f} | "
          f"{sum(r[4] == r[5] for r in rs) / len(rs):.3f} |")
print()
print("Kind disagreements (first → second):")
for (a, b), n in collections.Counter((r[2], r[3]) for r in rows if r[2] != r[3]).most_common(12):
    print(f"  {a} → {b}: {n}")
