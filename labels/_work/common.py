import csv, os, re, random, json, glob
D='/work/shared/data'
W=os.path.dirname(os.path.abspath(__file__))
PART={'zh_spam_message_80w_sample':'subset','zh_telecom_fraud_texts_5':'orig_file'}
def load(ds):
    p=glob.glob(f'{D}/{ds}/*.shared.csv')
    if p:
        rows=list(csv.DictReader(open(p[0],encoding='utf-8',newline='')))
        for r in rows:
            r['key']=(r[PART[ds]]+':'+r['orig_row']) if ds in PART else r['orig_row']
        return rows
    rows=list(csv.DictReader(open(f'{D}/{ds}/messages.csv',encoding='utf-8',newline='')))
    for r in rows: r['key']=r['id']
    return rows
def norm(t): return ' '.join(t.split()).lower()
def used():
    s=set(); k=set()
    for f in glob.glob(W+'/b*.keys'):
        for line in open(f):
            ds,key=line.rstrip('\n').split('\t'); k.add((ds,key))
    return k
