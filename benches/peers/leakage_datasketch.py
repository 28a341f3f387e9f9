"""datasketch's MinHash (num_perm=128) + MinHashLSH (threshold) on the same word 5-shingles:
the peer of driftprint's leakage gate. Prints one JSON line: seconds (signatures, index and
queries; reading excluded) and pairs found (estimated Jaccard >= threshold, as driftprint)."""
import json, sys, time

from datasketch import MinHash, MinHashLSH

def texts(path):
    return [json.loads(l)["text"] for l in open(path)]

def shingles(text):
    w = text.lower().split()
    if len(w) < 5:
        return {" ".join(w).encode()} if w else set()
    return {" ".join(w[i:i + 5]).encode() for i in range(len(w) - 4)}

train, evals = texts(sys.argv[1]), texts(sys.argv[2])
threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
start = time.perf_counter()
lsh = MinHashLSH(threshold=threshold, num_perm=128)
eval_sigs = []
for i, t in enumerate(evals):
    m = MinHash(num_perm=128, seed=1)
    m.update_batch(list(shingles(t)))
    eval_sigs.append(m)
    lsh.insert(str(i), m)
pairs = 0
for t in train:
    m = MinHash(num_perm=128, seed=1)
    m.update_batch(list(shingles(t)))
    for key in lsh.query(m):
        if m.jaccard(eval_sigs[int(key)]) >= threshold:
            pairs += 1
print(json.dumps({"seconds": time.perf_counter() - start, "pairs": pairs, "train": len(train), "eval": len(evals)}))
