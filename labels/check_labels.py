#!/usr/bin/env python3
"""Validate labels/domain_labels.csv against ../shared/data and print counts.

Usage:  python3 check_labels.py [--csv PATH] [--data DIR]

Checks
  * header is exactly dataset,key,kind,authenticity,lang,note (no text column)
  * kind / authenticity / lang values are allowed
  * dataset is a folder under the data dir and key exists in it:
      - *.shared.csv datasets: key = orig_row, or "<part>:<orig_row>" for the two
        datasets whose orig_row is only unique within a part column
        (zh_spam_message_80w_sample: subset; zh_telecom_fraud_texts_5: orig_file)
      - real_* datasets (messages.csv): key = id
  * lang equals the lang of that row in the data
  * real_* rows keep the kind/authenticity given in the data
  * no duplicate (dataset, key); rows sorted by dataset, then key in natural order
  * note is short and does not quote the message (no run of 5 words, or of 8 characters with
    CJK, from the message appears in the note)
Exit status 1 if any check fails. Prints a kind x authenticity x lang table.
"""
import argparse
import collections
import csv
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ["verification_code", "loan_marketing", "marketing", "repayment_reminder",
         "overdue_collection", "third_party_contact", "legal_threat", "account_notice",
         "personal", "other"]
AUTHS = ["genuine", "fraud", "unknown"]
LANGS = ["zh", "en"]
HEADER = ["dataset", "key", "kind", "authenticity", "lang", "note"]
PART = {"zh_spam_message_80w_sample": "subset", "zh_telecom_fraud_texts_5": "orig_file"}


def load_dataset(data_dir, ds):
    shared = glob.glob(os.path.join(data_dir, ds, "*.shared.csv"))
    if shared:
        with open(shared[0], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        out = {}
        for r in rows:
            key = f"{r[PART[ds]]}:{r['orig_row']}" if ds in PART else r["orig_row"]
            out[key] = r
        return out, False
    path = os.path.join(data_dir, ds, "messages.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}, True


def sort_key(dataset, key):
    if ":" in key:
        part, n = key.rsplit(":", 1)
        return (dataset, part, int(n) if n.isdigit() else -1, key)
    if key.isdigit():
        return (dataset, "", int(key), key)
    return (dataset, "", -1, key)


def quotes_text(note, text):
    """True if the note seems to copy the message: 5 consecutive words (Latin
    script) or 8 consecutive characters containing CJK shared with the text."""
    if not note:
        return False
    t = " ".join(text.split()).lower()
    n = " ".join(note.split()).lower()
    words = re.findall(r"[a-z0-9']+", n)
    twords = " " + " ".join(re.findall(r"[a-z0-9']+", t)) + " "
    for i in range(0, max(0, len(words) - 4)):
        if " " + " ".join(words[i:i + 5]) + " " in twords:
            return True
    for i in range(0, max(0, len(n) - 7)):
        chunk = n[i:i + 8]
        if re.search(r"[\u4e00-\u9fff]", chunk) and chunk in t:
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=os.path.join(HERE, "domain_labels.csv"))
    ap.add_argument("--data", default=os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data")))
    a = ap.parse_args()

    errors = []
    with open(a.csv, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, r)) for r in reader]
    if header != HEADER:
        errors.append(f"header is {header}, expected {HEADER}")

    cache, seen, prev = {}, set(), None
    for i, r in enumerate(rows, start=2):
        ds, key = r.get("dataset", ""), r.get("key", "")
        where = f"line {i} ({ds},{key})"
        if r.get("kind") not in KINDS:
            errors.append(f"{where}: bad kind {r.get('kind')!r}")
        if r.get("authenticity") not in AUTHS:
            errors.append(f"{where}: bad authenticity {r.get('authenticity')!r}")
        if r.get("lang") not in LANGS:
            errors.append(f"{where}: bad lang {r.get('lang')!r}")
        if (ds, key) in seen:
            errors.append(f"{where}: duplicate")
        seen.add((ds, key))
        sk = sort_key(ds, key)
        if prev is not None and sk < prev:
            errors.append(f"{where}: not sorted")
        prev = sk
        if not os.path.isdir(os.path.join(a.data, ds)):
            errors.append(f"{where}: unknown dataset")
            continue
        if ds not in cache:
            cache[ds] = load_dataset(a.data, ds)
        data, is_real = cache[ds]
        src = data.get(key)
        if src is None:
            errors.append(f"{where}: key not found in data")
            continue
        if src.get("lang") != r.get("lang"):
            errors.append(f"{where}: lang {r.get('lang')} != data {src.get('lang')}")
        if is_real and (src["kind"], src["authenticity"]) != (r.get("kind"), r.get("authenticity")):
            errors.append(f"{where}: real_* label changed from {src['kind']}/{src['authenticity']}")
        note = r.get("note", "")
        if len(note) > 200:
            errors.append(f"{where}: note longer than 200 chars")
        if quotes_text(note, src.get("text", "")):
            errors.append(f"{where}: note appears to quote the message")

    # counts
    c = collections.Counter((r["kind"], r["lang"], r["authenticity"]) for r in rows)
    cols = [(l, au) for l in LANGS for au in AUTHS]
    print("| kind | " + " | ".join(f"{l} {au}" for l, au in cols) + " | total |")
    print("|---|" + "---|" * (len(cols) + 1))
    for k in KINDS:
        vals = [c[(k, l, au)] for l, au in cols]
        print(f"| `{k}` | " + " | ".join(str(v) for v in vals) + f" | {sum(vals)} |")
    tot = [sum(c[(k, l, au)] for k in KINDS) for l, au in cols]
    print("| **total** | " + " | ".join(str(v) for v in tot) + f" | **{sum(tot)}** |")
    print()
    byds = collections.Counter((r["dataset"], r["lang"]) for r in rows)
    print("| dataset | rows |")
    print("|---|---|")
    for ds in sorted({d for d, _ in byds}):
        print(f"| `{ds}` | {sum(v for (d, _), v in byds.items() if d == ds)} |")
    langs = collections.Counter(r["lang"] for r in rows)
    print(f"\nrows: {len(rows)}  zh: {langs['zh']}  en: {langs['en']}")

    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors[:50]:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print("OK: all checks passed")


if __name__ == "__main__":
    main()
