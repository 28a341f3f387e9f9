#!/usr/bin/env python3
"""Probe: do Ghostbuster-style probabilities under n-gram models of human text transfer?

For each dev file with human text held out, unigram and interpolated trigram models (add-one
unigram; 0.6 trigram + 0.3 bigram + 0.1 unigram) are built from the human text of the other
files; each of 1,500 seeded documents of the held-out file gets its mean token log-probability
under each ("uni", "tri"), their difference ("diff") and the variance of the trigram
log-probabilities ("trivar"). Prints the AUROC of each feature alone (LLM text positive).
A feature that transfers keeps its direction across held-out files. Stdlib only, ~3 minutes.

Usage: benches/human_ngram_lm_probe.py [DATA_DIR]   (default ../shared/data/dev)
"""
import json, glob, os, math, re, collections, random, sys
D=sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data', 'dev')
files=sorted(glob.glob(D+'/*.jsonl'))
tok=re.compile(r"\w+|[^\w\s]")
def load(f):
    return [json.loads(l) for l in open(f)]
data={os.path.basename(f):load(f) for f in files}
def toks(t): return tok.findall(t.lower())[:256]
def auroc(s,y):
    p=sorted(zip(s,y)); n1=sum(y); n0=len(y)-n1
    if n1==0 or n0==0: return None
    r=0; rank=0
    # midranks
    i=0; ranks=[0]*len(p)
    while i<len(p):
        j=i
        while j<len(p) and p[j][0]==p[i][0]: j+=1
        for k in range(i,j): ranks[k]=(i+j+1)/2
        i=j
    return (sum(r for r,(s_,yy) in zip(ranks,p) if yy)-n1*(n1+1)/2)/(n1*n0)
for held in data:
    rows=data[held]
    if not any(r['label']=='human' for r in rows): continue
    uni=collections.Counter(); bi=collections.Counter(); tri=collections.Counter()
    for f,rs in data.items():
        if f==held: continue
        for r in rs:
            if r['label']!='human': continue
            t=['<s>','<s>']+toks(r['text'])
            uni.update(t[2:]); bi.update(zip(t[1:],t[2:])); tri.update(zip(t,t[1:],t[2:]))
    N=sum(uni.values()); V=len(uni)+1
    bictx=collections.Counter(); 
    for (a,b),c in bi.items(): bictx[a]+=c
    trictx=collections.Counter()
    for (a,b,c_),c in tri.items(): trictx[(a,b)]+=c
    feats={'uni':[], 'tri':[], 'diff':[], 'trivar':[]}; y=[]
    random.seed(0)
    sample=[r for r in rows]; random.shuffle(sample); sample=sample[:1500]
    for r in sample:
        t=['<s>','<s>']+toks(r['text'])
        lu=[];lt=[]
        for i in range(2,len(t)):
            w=t[i]
            pu=(uni[w]+1)/(N+V)
            # stupid backoff-ish interpolation
            ct=trictx[(t[i-2],t[i-1])]; cb=bictx[t[i-1]]
            pt=0.6*(tri[(t[i-2],t[i-1],w)]/ct if ct else 0)+0.3*(bi[(t[i-1],w)]/cb if cb else 0)+0.1*pu
            lu.append(math.log(pu)); lt.append(math.log(pt))
        if not lu: continue
        m=lambda v: sum(v)/len(v)
        feats['uni'].append(m(lu)); feats['tri'].append(m(lt)); feats['diff'].append(m(lt)-m(lu))
        mt=m(lt); feats['trivar'].append(m([(x-mt)**2 for x in lt]))
        y.append(r['label']=='machine')
    print(held, {k:round(auroc(v,y),3) for k,v in feats.items()}, flush=True)
