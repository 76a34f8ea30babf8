# dicts.py -- a dict- and list-heavy workload for compat.preload.
# Run with PYTHONMALLOC=malloc so that every object goes through the
# preloaded malloc.  Its output is deterministic: the test compares it
# with a plain run's.

import random

rng = random.Random(20261206)

# Many small dicts, grown and shrunk.
table = {}
for i in range(200000):
    key = "k%d" % rng.randrange(50000)
    entry = table.setdefault(key, {"n": 0, "tags": []})
    entry["n"] += 1
    if len(entry["tags"]) < 8:
        entry["tags"].append(i % 97)
    if i % 7 == 0:
        table.pop("k%d" % rng.randrange(50000), None)
print("keys", len(table))
print("total", sum(e["n"] for e in table.values()))

# Lists of lists: build, sort, slice, concatenate.
rows = [[rng.randrange(1000) for _ in range(rng.randrange(1, 40))]
        for _ in range(30000)]
rows.sort(key=lambda r: (sum(r), len(r)))
print("first", rows[0][:5], "last", rows[-1][:5])
flat = [x for r in rows for x in r]
print("flat", len(flat), sum(flat))

# Strings: join, split, a word count in a dict.
text = " ".join("w%d" % (x % 5000) for x in flat)
counts = {}
for word in text.split():
    counts[word] = counts.get(word, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
for word, n in top:
    print(word, n)

# Sets and dict comprehensions, then let them all die.
for round_ in range(5):
    s = {rng.randrange(100000) for _ in range(50000)}
    d = {k: str(k) * 3 for k in s if k % 3 == 0}
    print("round", round_, len(s), len(d), sum(len(v) for v in d.values()))
    del s, d
