"""The numpy / scikit-learn half of benches/detector_model_classes.py: every model class on both
protocols, out of the features and n-gram scores the first stages left in the work folder."""
import collections
import csv
import json
import os
import sys

import numpy as np
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression

from detector_model_classes import FAMILIES, doc_family, held_human, read_jsonl

VOCAB = 49152  # SmolLM2's vocabulary; id VOCAB pads the trigram context before the first token.
KEY = VOCAB + 1
REDUCTIONS = ["mean", "max", "min", "top25", "rms", "var"]


# ---------------------------------------------------------------- data


class Sample:
    def __init__(self, work):
        self.rows, self.file = [], []
        for f in sorted(os.listdir(os.path.join(work, "sample"))):
            for r in read_jsonl(os.path.join(work, "sample", f)):
                self.rows.append(r)
                self.file.append(f)
        self.file = np.array(self.file)
        self.y = np.array([r["label"] == "machine" for r in self.rows])
        self.files = sorted(set(self.file))
        self.family = [doc_family(r) for r in self.rows]
        features = lambda name: read_jsonl(os.path.join(work, name)) \
            if os.path.exists(os.path.join(work, name)) else None
        self.minilm = features("minilm_all.jsonl")
        self.smollm2 = features("smollm2_all.jsonl")
        self.ell_minilm = features("minilm_ell.jsonl")
        self.ell_smollm2 = features("smollm2_ell.jsonl")
        self.ngram_dir = os.path.join(work, "ngram")

    def ngram(self, job, ell=False):
        key = job.replace("/", "_").replace(" ", "_").replace("|", "__")
        path = os.path.join(self.ngram_dir, key + (".ell.csv" if ell else ".csv"))
        with open(path) as f:
            rows = list(csv.DictReader(f))
        if not ell:
            assert [r["id"] for r in rows] == [r["id"] for r in self.rows], path
        return np.array([float(r["decision"]) for r in rows])


def balance_weights(s, idx):
    """file+domain balancing within each class, each class summing to 1 (the CLI's default)."""
    groups = collections.Counter((s.y[i], s.file[i], s.rows[i].get("domain")) for i in idx)
    classes = collections.Counter()
    for (label, _, _), _n in groups.items():
        classes[label] += 1
    w = np.array([1.0 / groups[(s.y[i], s.file[i], s.rows[i].get("domain"))]
                  / classes[s.y[i]] for i in idx])
    return w * len(idx) / w.sum()


# ---------------------------------------------------------------- metrics


def auroc(score, y):
    """Mann-Whitney AUROC with midranks (scikit-learn's roc_auc_score; scipy's ranks keep the
    feature search's thousands of calls cheap)."""
    score, y = np.asarray(score, float), np.asarray(y, bool)
    n1, n0 = y.sum(), (~y).sum()
    if n1 == 0 or n0 == 0:
        return None
    return (rankdata(score)[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def tpr_at_fpr(score, y, fpr=0.01):
    score, y = np.asarray(score, float), np.asarray(y, bool)
    if y.sum() == 0 or (~y).sum() == 0:
        return None
    human = np.sort(score[~y])
    threshold = human[min(len(human) - 1, int(np.ceil((1 - fpr) * len(human))) - 1)]
    return float((score[y] > threshold).mean())


# ---------------------------------------------------------------- folds


def source_folds(s):
    for h in s.files:
        test = np.where(s.file == h)[0]
        if s.y[test].all():
            continue
        yield h, f"source={h}", np.where(s.file != h)[0], test


def family_folds(s):
    present = [f for f in FAMILIES if f in set(s.family)]
    for fam in present:
        files_with = {s.file[i] for i in range(len(s.rows)) if s.family[i] == fam}
        tested = np.array([s.family[i] == fam or (not s.y[i] and s.file[i] in files_with
                                                  and held_human(s.rows[i]))
                           for i in range(len(s.rows))])
        pairs = {s.rows[i].get("pair_id") for i in np.where(tested)[0]} - {None}
        train = [i for i in range(len(s.rows)) if not tested[i]
                 and s.rows[i].get("pair_id") not in pairs]
        yield fam, f"family={fam}", np.array(train), np.where(tested)[0]


def inner_folds(s, train):
    """Leave one training source out, within the training rows."""
    for t in s.files:
        held = train[s.file[train] == t]
        if len(held):
            yield t, train[s.file[train] != t], held


# ---------------------------------------------------------------- model classes


def fit_logistic(x, y, w, c=1.0):
    mean, std = x.mean(0), x.std(0) + 1e-9
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(np.clip((x - mean) / std, -8, 8), y, sample_weight=w)
    return lambda z: model.decision_function(np.clip((z - mean) / std, -8, 8))


class Phd:
    name = "phd"

    def __init__(self, s):
        self.x = self.column(s.minilm)
        self.ell = self.column(s.ell_minilm)

    @staticmethod
    def column(rows):
        # The estimate explodes when the fitted slope nears 1 (a few texts in a thousand):
        # clipped to the range human and LLM text occupy.
        return np.array([[min(max(r["phd"], 1.0), 30.0) if r["phd"] is not None else np.nan]
                         for r in rows])

    def fit(self, s, train, _context):
        x = self.x[train]
        median = np.nanmedian(x)
        fill = lambda z: np.where(np.isnan(z), median, z)
        score = fit_logistic(fill(x), s.y[train], balance_weights(s, train))
        return lambda idx, ell=False: score(fill(self.ell if ell else self.x[idx]))


class Head:
    """A logistic head over MiniLM token states pooled three ways (the encoder frozen)."""
    name = "head"
    C = 0.05

    def __init__(self, s):
        pool = lambda rows: np.array([r["mean"] + r["max"] + r["std"] for r in rows], float)
        self.x, self.ell = pool(s.minilm), pool(s.ell_minilm)

    def fit(self, s, train, _context):
        score = fit_logistic(self.x[train], s.y[train], balance_weights(s, train), self.C)
        return lambda idx, ell=False: score(self.ell if ell else self.x[idx])


class Ghostbuster:
    """Verma et al. 2024: per-token log-probability vectors, combined by vector operations and
    reduced to scalars, a greedy forward search picks the few that hold across training sources
    (here: mean AUROC left one training source out), then a logistic regression."""
    name = "ghostbuster"
    MAX_FEATURES = 8

    def __init__(self, s):
        self.docs = [(np.array(r["ids"], np.int64), np.array(r["logp"]), np.array(r["ent"]))
                     for r in s.smollm2]
        self.ell_docs = [(np.array(r["ids"], np.int64), np.array(r["logp"]), np.array(r["ent"]))
                         for r in s.ell_smollm2]
        self.selected = {}
        self.cache = {}

    @staticmethod
    def keys(ids):
        ctx = np.concatenate([[VOCAB, VOCAB], ids])
        return ctx[:-2], ctx[1:-1], ids

    def tables(self, idx, s):
        """Unigram, bigram and trigram counts of the human text among `idx`."""
        a, b, c = [], [], []
        for i in idx:
            if not s.y[i]:
                x, y, z = self.keys(self.docs[i][0])
                a.append(x), b.append(y), c.append(z)
        a, b, c = np.concatenate(a), np.concatenate(b), np.concatenate(c)
        count = lambda k: np.unique(k, return_counts=True)
        return {
            "uni": count(c), "bi": count(b * KEY + c), "bictx": count(b),
            "tri": count((a * KEY + b) * KEY + c), "trictx": count(a * KEY + b),
            "n": len(c),
        }

    @staticmethod
    def lookup(table, keys):
        values, counts = table
        pos = np.clip(np.searchsorted(values, keys), 0, len(values) - 1)
        return np.where(values[pos] == keys, counts[pos], 0).astype(float)

    def vectors(self, doc, t):
        ids, logp, ent = doc
        if len(ids) == 0:
            ids, logp, ent = np.array([0]), np.array([0.0]), np.array([0.0])
        a, b, c = self.keys(ids)
        uni = (self.lookup(t["uni"], c) + 1) / (t["n"] + VOCAB)
        bi_ctx = self.lookup(t["bictx"], b)
        tri_ctx = self.lookup(t["trictx"], a * KEY + b)
        bi = np.divide(self.lookup(t["bi"], b * KEY + c), bi_ctx, out=np.zeros(len(c)),
                       where=bi_ctx > 0)
        tri = np.divide(self.lookup(t["tri"], (a * KEY + b) * KEY + c), tri_ctx,
                        out=np.zeros(len(c)), where=tri_ctx > 0)
        base = {"llm": logp, "ent": -ent, "uni": np.log(uni),
                "tri": np.log(0.6 * tri + 0.3 * bi + 0.1 * uni)}
        names = list(base)
        out = dict(base)
        for i, p in enumerate(names):
            for q in names[i + 1:]:
                x, y = base[p], base[q]
                out[f"{p}+{q}"] = x + y
                out[f"{p}*{q}"] = x * y
                out[f"max({p},{q})"] = np.maximum(x, y)
                out[f"min({p},{q})"] = np.minimum(x, y)
                out[f"{p}-{q}"] = x - y
                out[f"{q}-{p}"] = y - x
                out[f"{p}/{q}"] = x / np.where(np.abs(y) < 1e-3, -1e-3, y)
                out[f"{q}/{p}"] = y / np.where(np.abs(x) < 1e-3, -1e-3, x)
        return out

    def features(self, docs, t):
        names, rows = None, []
        for doc in docs:
            vs = self.vectors(doc, t)
            if names is None:
                names = [f"{r}({v})" for v in vs for r in REDUCTIONS]
            row = []
            for v in vs.values():
                top = np.sort(v)[-max(1, len(v) // 4):]
                row += [v.mean(), v.max(), v.min(), top.mean(), np.sqrt((v * v).mean()), v.var()]
            rows.append(row)
        return names, np.array(rows)

    def table_features(self, s, idx):
        """Every sampled document's and ELL essay's features under the n-gram tables of the
        human text among `idx` (cached: a fold's search and its fits share tables)."""
        human = tuple(int(i) for i in idx if not s.y[i])
        key = hash(human)
        if key not in self.cache:
            t = self.tables(human, s)
            names, x = self.features(self.docs, t)
            self.cache[key] = (names, x, self.features(self.ell_docs, t)[1])
        return self.cache[key]

    def search(self, s, train, inner):
        """Greedy forward selection by mean inner AUROC, a shrunk LDA scoring each candidate
        (closed form, so hundreds of candidates per step stay cheap)."""
        folds = []
        for _, tr, te in inner:
            if s.y[te].all() or not s.y[te].any():
                continue
            names, x, _ = self.table_features(s, tr)
            folds.append((x[tr], s.y[tr], balance_weights(s, tr), x[te], s.y[te]))
        chosen, best = [], 0.5
        while len(chosen) < self.MAX_FEATURES:
            scores = []
            for j in range(len(names)):
                if j in chosen:
                    continue
                cols = chosen + [j]
                scores.append((np.mean([auroc(lda(xtr[:, cols], ytr, wtr)(xte[:, cols]), yte)
                                        for xtr, ytr, wtr, xte, yte in folds]), j))
            value, j = max(scores)
            if value < best + 0.002:
                break
            chosen.append(j)
            best = value
        return [names[j] for j in chosen], best

    def fit(self, s, train, context):
        key = context["fold"]
        if key not in self.selected:
            self.selected[key] = self.search(s, train, context["inner"])
            print(f"    ghostbuster {key}: {self.selected[key]}", file=sys.stderr, flush=True)
        chosen = self.selected[key][0]
        names, x, x_ell = self.table_features(s, train)
        cols = [names.index(c) for c in chosen]
        score = fit_logistic(x[train][:, cols], s.y[train], balance_weights(s, train))
        return lambda idx, ell=False: score((x_ell if ell else x[idx])[:, cols])


def lda(x, y, w, shrink=1e-2):
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = np.clip((x - mean) / std, -8, 8)
    m1 = np.average(z[y], axis=0, weights=w[y])
    m0 = np.average(z[~y], axis=0, weights=w[~y])
    centred = np.where(y[:, None], z - m1, z - m0)
    cov = (centred * w[:, None]).T @ centred / w.sum() + shrink * np.eye(z.shape[1])
    direction = np.linalg.solve(cov, m1 - m0)
    return lambda q: np.clip((q - mean) / std, -8, 8) @ direction


# ---------------------------------------------------------------- protocol


def evaluate(s, folds_of, classes):
    """Per fold: every class alone, and each fused with the n-gram logit by a second stage
    trained on nested leave-one-source-out scores."""
    results = collections.defaultdict(dict)
    results["ngram"] = {}
    for name, job, train, test in folds_of(s):
        print(f"  {name}", file=sys.stderr, flush=True)
        inner = list(inner_folds(s, train))
        ngram_test = s.ngram(job)[test]
        ngram_oof = np.zeros(len(s.rows))
        for t, _tr, held in inner:
            ngram_oof[held] = s.ngram(f"{job}|inner={t}")[held]
        scores = {"ngram": ngram_test}
        stack_columns = {}
        for model in classes:
            context = {"fold": job, "inner": inner}
            scores[model.name] = model.fit(s, train, context)(test)
            oof = np.zeros(len(s.rows))
            for _t, tr, held in inner:
                oof[held] = model.fit(s, tr, context)(held)
            stack_columns[model.name] = (oof[train], scores[model.name])
        w = balance_weights(s, train)
        for combo in [[m.name] for m in classes] + [[m.name for m in classes]]:
            x_train = np.column_stack([ngram_oof[train]] + [stack_columns[c][0] for c in combo])
            x_test = np.column_stack([ngram_test] + [stack_columns[c][1] for c in combo])
            stacked = fit_logistic(x_train, s.y[train], w)
            scores["ngram + " + " + ".join(combo)] = stacked(x_test)
        for variant, sc in scores.items():
            results[variant][name] = (auroc(sc, s.y[test]), tpr_at_fpr(sc, s.y[test]),
                                      int(s.y[test].sum()), int((~s.y[test]).sum()))
    return results


FINETUNE_DOCS = 1200


def write_finetune_folds(work):
    """The folds examples/minilm_finetune_probe.rs trains: each fold's training rows cut to a
    seeded 1,200 (fine-tuning costs ~0.05 s per text and epoch on 2 cores), with their
    file+domain balancing weights; "all" trains on the whole sample and scores the ELL essays."""
    s = Sample(work)
    rng = np.random.default_rng(0)
    folds = []
    everything = np.arange(len(s.rows))
    for name, _job, train, test in [("all", "", everything, everything[:0])] + \
            [(f"source:{n}", j, tr, te) for n, j, tr, te in source_folds(s)] + \
            [(f"family:{n}", j, tr, te) for n, j, tr, te in family_folds(s)]:
        train = np.sort(rng.choice(train, min(FINETUNE_DOCS, len(train)), replace=False))
        folds.append({"name": name, "train": train.tolist(),
                      "weights": balance_weights(s, train).tolist(), "test": test.tolist()})
    with open(os.path.join(work, "finetune_folds.json"), "w") as f:
        json.dump(folds, f)


def add_finetuned(s, work, out):
    """The fine-tuned encoder's scores (alone: nested scores for a fusion would cost 7× more)."""
    path = os.path.join(work, "finetune.json")
    if not os.path.exists(path):
        return
    scores = json.load(open(path))
    oof = np.full(len(s.rows), np.nan)
    for protocol, folds_of in (("source", source_folds), ("family", family_folds)):
        for name, _job, _train, test in folds_of(s):
            sc = scores[f"{protocol}:{name}"]
            if protocol == "source":
                oof[test] = sc
            out[protocol]["fine-tuned MiniLM (last layer + head)"][name] = (
                auroc(sc, s.y[test]), tpr_at_fpr(sc, s.y[test]),
                int(s.y[test].sum()), int((~s.y[test]).sum()))
    threshold = max(np.quantile(oof[(s.file == t) & ~s.y], 0.99)
                    for t in s.files if ((s.file == t) & ~s.y).sum() >= 50)
    out["ell"]["fine-tuned MiniLM"] = float((np.array(scores["ell"]) > threshold).mean())


def ell_rates(s, classes):
    """ELL essays flagged by each class trained on the whole sample, at a per-source threshold
    (the highest of the training sources' 99th percentiles of their humans' out-of-source
    scores: the CLI's per-group rule)."""
    everything = np.arange(len(s.rows))
    inner = list(inner_folds(s, everything))
    oof = {"ngram": np.zeros(len(s.rows))}
    for t, _tr, held in inner:
        oof["ngram"][held] = s.ngram(f"source={t}")[held]
    ell = {"ngram": s.ngram("all", ell=True)}
    for model in classes:
        context = {"fold": "all", "inner": inner}
        ell[model.name] = model.fit(s, everything, context)(None, ell=True)
        oof[model.name] = np.zeros(len(s.rows))
        for _t, tr, held in inner:
            oof[model.name][held] = model.fit(s, tr, context)(held)
    rates = {}
    for name in ell:
        threshold = max(np.quantile(oof[name][(s.file == t) & ~s.y], 0.99)
                        for t in s.files if ((s.file == t) & ~s.y).sum() >= 50)
        rates[name] = float((ell[name] > threshold).mean())
    return rates


def table(results, title):
    variants = list(results)
    folds = list(next(iter(results.values())))
    lines = [f"### {title}", "",
             "| variant | mean AUROC | worst | mean TPR@1%FPR | " + " | ".join(folds) + " |",
             "|---" * (len(folds) + 4) + "|"]
    for v in variants:
        a = [results[v][f][0] for f in folds]
        t = [results[v][f][1] for f in folds]
        worst = min(range(len(folds)), key=lambda i: a[i])
        lines.append(f"| {v} | {np.mean(a):.3f} | {folds[worst].split('_')[0]} {a[worst]:.3f} | "
                     f"{np.mean(t):.3f} | " + " | ".join(f"{x:.3f}" for x in a) + " |")
    return "\n".join(lines)


def run(work):
    s = Sample(work)
    only = os.environ.get("CLASSES", "phd,head,ghostbuster").split(",")
    classes = [c(s) for c in (Phd, Head, Ghostbuster) if c.name in only]
    out = {}
    print("leave one source out", file=sys.stderr)
    out["source"] = evaluate(s, source_folds, classes)
    print("leave one family out", file=sys.stderr)
    out["family"] = evaluate(s, family_folds, classes)
    out["ell"] = ell_rates(s, classes)
    add_finetuned(s, work, out)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(table(out["source"], "Leave one source out (sampled documents)"))
    print()
    print(table(out["family"], "Leave one generator family out (sampled documents)"))
    print()
    print("ELL essays flagged: " + ", ".join(f"{k} {v:.1%}" for k, v in out["ell"].items()))
