# usage: pick.py NAME DATASET N [--re R] [--notre R] [--label L] [--part P] [--seed S]
import sys,re,random,argparse
from common import *
a=argparse.ArgumentParser(); a.add_argument('name'); a.add_argument('ds'); a.add_argument('n',type=int)
a.add_argument('--re'); a.add_argument('--label'); a.add_argument('--notre'); a.add_argument('--seed',type=int,default=1)
a.add_argument('--part')
a=a.parse_args()
rows=load(a.ds); u=used()
# texts already used anywhere
usedtext=set()
cache={}
for ds,key in u:
    if ds not in cache: cache[ds]={r['key']:r for r in load(ds)}
    usedtext.add(norm(cache[ds][key]['text']))
cand=[r for r in rows if (a.ds,r['key']) not in u and norm(r['text']) not in usedtext]
if a.part: cand=[r for r in cand if r['key'].split(':')[0]==a.part]
if a.label: cand=[r for r in cand if r['label'].lower() in a.label.lower().split('|')]
if a.re: cand=[r for r in cand if re.search(a.re,r['text'],re.I)]
if a.notre: cand=[r for r in cand if not re.search(a.notre,r['text'],re.I)]
random.Random(a.seed).shuffle(cand)
out=[];seen=set()
for r in cand:
    t=norm(r['text'])
    if t in seen: continue
    seen.add(t); out.append(r)
    if len(out)>=a.n: break
print('candidates',len(cand),'picked',len(out))
open(f'{W}/b{a.name}.keys','w').write(''.join(f'{a.ds}\t{r["key"]}\n' for r in out))
