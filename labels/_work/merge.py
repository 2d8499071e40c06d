import glob,re,csv,sys,os
from common import *
KIND={'vc':'verification_code','lm':'loan_marketing','mk':'marketing','rr':'repayment_reminder','oc':'overdue_collection',
 'tp':'third_party_contact','lt':'legal_threat','an':'account_notice','per':'personal','oth':'other','=':'='}
AUTH={'g':'genuine','f':'fraud','u':'unknown','=':'='}
out={}; cache={}; errs=0
for kf in sorted(glob.glob(W+'/b*.keys')):
    name=os.path.basename(kf)[1:-5]; lf=W+f'/b{name}.lab'
    keys=[l.rstrip('\n').split('\t') for l in open(kf)]
    if not os.path.exists(lf): print('NO LAB',name); continue
    lab={}
    for line in open(lf):
        line=line.strip()
        if not line or line.startswith('#'): continue
        parts=line.split(None,3); sel,k,a=parts[:3]; note=parts[3] if len(parts)>3 else ''
        if k not in KIND or a not in AUTH: print('BAD',name,line); errs+=1; continue
        if sel=='*': idx=range(1,len(keys)+1)
        else:
            idx=[]
            for s in sel.split(','):
                if '-' in s: x,y=s.split('-'); idx+=range(int(x),int(y)+1)
                else: idx.append(int(s))
        for i in idx:
            if i<1 or i>len(keys): print('RANGE',name,line); errs+=1; continue
            lab[i]=(KIND[k],AUTH[a],note)
    for i,(ds,key) in enumerate(keys,1):
        if i not in lab: print('UNLABELLED',name,i); errs+=1; continue
        kd,au,note=lab[i]
        if ds not in cache: cache[ds]={r['key']:r for r in load(ds)}
        r=cache[ds][key]
        if kd=='=': kd=r['kind']
        if au=='=': au=r['authenticity']
        if (ds,key) in out: print('DUP',ds,key,name); errs+=1
        out[(ds,key)]=(kd,au,r['lang'],note)
def sk(k):
    ds,key=k
    if ':' in key: p,n=key.rsplit(':',1); return (ds,p,int(n),'')
    if key.isdigit(): return (ds,'',int(key),'')
    return (ds,'',0,key)
with open(os.path.join(W,'..','domain_labels.csv'),'w',newline='',encoding='utf-8') as f:
    w=csv.writer(f,lineterminator='\n'); w.writerow(['dataset','key','kind','authenticity','lang','note'])
    for k in sorted(out,key=sk): w.writerow([k[0],k[1],*out[k]])
print('rows',len(out),'errors',errs)
