#!/usr/bin/env python3
# An independent implementation of the STIDE protocol of
# tests/adfa/adfa_stide.c, written from docs/detectors.md only: it reads
# the ADFA-LD zip directly (no cadet import, no cadet code) and prints, per
# window length n, the normal database size and the AUC-ROC of the max and
# mean trace scores, attack traces against validation traces.
#
# usage: stide_reference.py ADFA-LD.zip N... [--lfc 20]
# output: one line per n: "n=3 db=10504 auc_max=0.647612 auc_mean=0.693201"
import sys
import zipfile


def read_split(zf):
    """(train, val, attack): lists of syscall-number lists, sorted by path."""
    train, val, attack = [], [], []
    for name in sorted(zf.namelist()):
        if not name.endswith(".txt"):
            continue
        parts = name.split("/")
        if "Training_Data_Master" in parts:
            dest = train
        elif "Validation_Data_Master" in parts:
            dest = val
        elif "Attack_Data_Master" in parts:
            dest = attack
        else:
            continue
        dest.append([int(t) for t in zf.read(name).split()])
    return train, val, attack


def windows(seq, n):
    return [tuple(seq[i - n + 1:i + 1]) for i in range(n - 1, len(seq))]


def trace_scores(seq, db, n, lfc):
    """(max, mean) of the locality-frame scores of seq's windows."""
    wins = windows(seq, n)
    if not wins:
        return 0.0, 0.0
    miss = [0 if w in db else 1 for w in wins]
    scores = []
    in_frame = 0
    for i, m in enumerate(miss):
        in_frame += m
        if i >= lfc:
            in_frame -= miss[i - lfc]
        scores.append(in_frame / lfc)
    return max(scores), sum(scores) / len(scores)


def auc(pos, neg):
    """P(score of a positive > score of a negative), ties one half."""
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    # rank sum with average ranks for ties
    rank_sum = 0.0
    i = 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        avg = (i + 1 + j) / 2.0
        rank_sum += avg * sum(1 for k in range(i, j) if allv[k][1])
        i = j
    npos, nneg = len(pos), len(neg)
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg)


def main():
    args = sys.argv[1:]
    lfc = 20
    if "--lfc" in args:
        k = args.index("--lfc")
        lfc = int(args[k + 1])
        del args[k:k + 2]
    if len(args) < 2:
        sys.exit("usage: stide_reference.py ADFA-LD.zip N... [--lfc 20]")
    with zipfile.ZipFile(args[0]) as zf:
        train, val, attack = read_split(zf)
    for n in (int(a) for a in args[1:]):
        db = set()
        for seq in train:
            db.update(windows(seq, n))
        v = [trace_scores(s, db, n, lfc) for s in val]
        a = [trace_scores(s, db, n, lfc) for s in attack]
        print("n=%d db=%d auc_max=%.6f auc_mean=%.6f" % (
            n, len(db), auc([x[0] for x in a], [x[0] for x in v]),
            auc([x[1] for x in a], [x[1] for x in v])))


if __name__ == "__main__":
    main()
