import sys
from common import *
name=sys.argv[1]; L=int(sys.argv[2]) if len(sys.argv)>2 else 240
cache={}
for i,line in enumerate(open(f'{W}/b{name}.keys'),1):
    ds,key=line.rstrip('\n').split('\t')
    if ds not in cache: cache[ds]={r['key']:r for r in load(ds)}
    r=cache[ds][key]; t=' '.join(r['text'].split())
    lab=r.get('label') or (r.get('kind','')+'/'+r.get('authenticity',''))
    extra=r.get('subcategory','')
    print(f'{i}|{lab}{"/"+extra if extra else ""}|{t[:L]}{"…" if len(t)>L else ""}')
