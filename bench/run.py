#!/usr/bin/env python3
# run.py -- the benchmark runner behind `make bench'.  It runs every
# workload program of bench/ under every allocator in interleaved
# rounds (round r runs each allocator once, the order rotated by r, so
# that a noisy neighbour or a frequency change hits all of them alike),
# computes per workload the median and the ratio to the reference
# computed pair by pair within each round (the median of the per-round
# ratios), checks the targets of the performance issue, and writes a
# Markdown report and a gnuplot PNG.  The C library's allocator runs
# the plain malloc program as is; jemalloc, mimalloc, tcmalloc and our
# libmmalloc-malloc run it through LD_PRELOAD.
#
# Copyright (C) 2026 The mmalloc developers.  This file is part of
# mmalloc; LGPL-2.1-or-later, see COPYING.

import argparse
import datetime
import glob
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The peers: Debian runtime package, -dev package, and the shared
# object to preload.
PEERS = [
    ("jemalloc", ["libjemalloc2", "libjemalloc-dev"], "libjemalloc.so.2"),
    ("mimalloc", ["libmimalloc2.0", "libmimalloc-dev"], "libmimalloc.so.2"),
    ("tcmalloc", ["libtcmalloc-minimal4", "libgoogle-perftools-dev"],
     "libtcmalloc_minimal.so.4"),
]

# Workloads of mwork (and mdwork), with their description.
TIME_WL = [
    ("pair", "malloc/free pair, 64 B, warm heap"),
    ("fifo", "batches of 4096 (16-256 B), freed FIFO"),
    ("lifo", "batches of 4096 (16-256 B), freed LIFO"),
    ("churn256", "steady churn, random 16-256 B, 8192 live"),
    ("churn4096", "steady churn, random 16-4096 B, 8192 live"),
    ("realloc", "realloc growth, +1..64 B to 16 KiB"),
    ("calloc", "calloc 16-4096 B, freed 64 later"),
    ("prodcons", "producer/consumer, 2 threads (remote frees)"),
    ("threads1", "1 thread churning 16-256 B (wall ns/op)"),
    ("threads2", "2 threads churning 16-256 B (wall ns/op, both)"),
]
RSS_SIZES = [8, 16, 32, 48, 64, 96, 128, 256, 512, 1024, 2048, 4000]
MD_WL = [w for w, _ in TIME_WL] + ["fill"]
MD_DESC = dict(TIME_WL, fill="fill a fresh heap with 256 MiB of 16-256 B")
BIP_WL = [("pair", "alloc/free pair, 64 B, warm"),
          ("churn256", "steady churn, random 16-256 B, 8192 live"),
          ("fill", "fill a fresh heap with 256 MiB of 16-256 B")]
ATTACH_SIZES = [("1 MiB", 1 << 20), ("16 MiB", 16 << 20),
                ("256 MiB", 256 << 20), ("1 GiB", 1 << 30),
                ("4 GiB", 4 << 30), ("16 GiB", 16 << 30)]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def find_peer(pkgs, soname):
    """The path of SONAME, from the Debian packages or the usual
    directories; None when not installed."""
    for pkg in pkgs:
        try:
            out = subprocess.run(["dpkg", "-L", pkg], capture_output=True,
                                 text=True, check=False).stdout
        except OSError:
            break
        for line in out.splitlines():
            if os.path.basename(line) == soname and os.path.exists(line):
                return line
    for d in ["/usr/lib/*-linux-gnu", "/usr/lib64", "/usr/lib",
              "/usr/local/lib"]:
        for p in glob.glob(os.path.join(d, soname)):
            return p
    return None


def run(cmd, env=None, timeout=600):
    """Run CMD, return {workload: value} from its "NAME VALUE UNIT"
    lines, or None (with a message) when it failed."""
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    if env:
        e.update(env)
    try:
        p = subprocess.run(cmd, env=e, capture_output=True, text=True,
                           timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        log("timed out: " + " ".join(cmd))
        return None
    if p.returncode != 0:
        log("failed (%d): %s %s\n%s" % (p.returncode,
                                        " ".join("%s=%s" % kv for kv in
                                                 (env or {}).items()),
                                        " ".join(cmd), p.stderr.strip()))
        return None
    res = {}
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 2:
            try:
                res[f[0]] = float(f[1])
            except ValueError:
                pass
    return res


class Table:
    """Values of one group: vals[workload][contender] = list indexed by
    round (None where the run failed or was not made)."""

    def __init__(self, contenders, workloads, rounds):
        self.contenders = contenders
        self.vals = {w: {c: [None] * rounds for c in contenders}
                     for w in workloads}

    def put(self, w, c, r, v):
        self.vals[w][c][r] = v

    def median(self, w, c):
        v = [x for x in self.vals[w][c] if x is not None]
        return statistics.median(v) if v else None

    def ratio(self, w, c, ref):
        """The median over rounds of value(c) / value(ref), pair by
        pair within a round."""
        a, b = self.vals[w][c], self.vals[w][ref]
        q = [x / y for x, y in zip(a, b)
             if x is not None and y is not None and y > 0]
        return statistics.median(q) if q else None

    def ratio2(self, c, w1, w2):
        """The median over rounds of value(w1) / value(w2) for one
        contender (the gain of the second thread)."""
        a, b = self.vals[w1][c], self.vals[w2][c]
        q = [x / y for x, y in zip(a, b)
             if x is not None and y is not None and y > 0]
        return statistics.median(q) if q else None


def rotated(seq, r):
    r %= len(seq)
    return seq[r:] + seq[:r]


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    if v >= 1000:
        return "%.0f" % v
    return "%.*f" % (digits, v)


def fratio(v):
    return "n/a" if v is None else "%.2f" % v


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return "load average: " + loadavg()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--builddir", default=".")
    ap.add_argument("--out", default="bench/RESULTS.md")
    ap.add_argument("--plot", default="bench/results.png")
    args = ap.parse_args()

    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    rounds = int(os.environ.get("BENCH_ROUNDS", "3" if quick else "5"))
    scale = os.environ.get("BENCH_SCALE", "0.1" if quick else "1")
    rss_rounds = min(rounds, 1 if quick else 3)
    bd = args.builddir
    prog = {n: os.path.join(bd, "bench", n) for n in
            ("mwork", "mdwork", "attach", "bip")}
    ours = os.path.join(bd, "compat", ".libs", "libmmalloc-malloc.so")
    for n in ("mwork", "mdwork", "attach"):
        if not os.access(prog[n], os.X_OK):
            sys.exit("bench: %s missing: run `make bench'" % prog[n])
    if not os.path.exists(ours):
        sys.exit("bench: %s missing: build the tree first (make)" % ours)
    started = time.time()
    load_before = uptime()

    notes = []
    allocs = [("glibc", None), ("mmalloc", os.path.abspath(ours))]
    for name, pkgs, soname in PEERS:
        path = find_peer(pkgs, soname)
        if path is None:
            msg = ("%s is not installed: its column is left out "
                   "(install it with `%s`, as root)" %
                   (name, "apt-get install " + pkgs[1]))
            log(msg)
            notes.append(msg)
        else:
            allocs.append((name, path))
    only = os.environ.get("BENCH_ALLOCATORS")
    if only:
        allocs = [a for a in allocs if a[0] in only.split(",")
                  or a[0] == "glibc"]
    anames = [a for a, _ in allocs]
    preload = dict(allocs)
    have_bip = os.access(prog["bip"], os.X_OK)
    if not have_bip:
        msg = ("bench/bip (Boost.Interprocess) was not built: install "
               "libboost-dev (`apt-get install libboost-dev`) and rerun "
               "`make bench`; its table is left out")
        log(msg)
        notes.append(msg)

    tmp = tempfile.mkdtemp(prefix="mmbench-",
                           dir=os.environ.get("BENCH_TMPDIR",
                                              os.path.join(bd, "bench")))
    env_scale = {"BENCH_SCALE": scale}
    heaps = ["default", "anon", "file", "cfile"]
    mal = Table(anames, [w for w, _ in TIME_WL], rounds)
    rss = Table(anames, ["rss%d" % s for s in RSS_SIZES], rounds)
    md = Table(heaps, MD_WL, rounds)
    bipt = Table(["boost", "mmalloc", "cmmalloc"], [w for w, _ in BIP_WL],
                 rounds)
    procs = Table(["file", "cfile"], ["procs1", "procs2"], rounds)

    # Attach: the heap files are made once, timed in every round.
    att_files = []
    free = shutil.disk_usage(tmp).free
    for label, size in ATTACH_SIZES:
        if quick and label not in ("1 MiB", "16 MiB", "16 GiB"):
            continue
        if size * 2 > free:
            msg = ("attach of %s skipped: %s has %.1f GiB free, the heap "
                   "file needs %s while it is made" %
                   (label, tmp, free / 2**30, label))
            log(msg)
            notes.append(msg)
            continue
        path = os.path.join(tmp, "attach-%d.heap" % size)
        p = subprocess.run([prog["attach"], "create", path, str(size)],
                           capture_output=True, text=True, check=False)
        if p.returncode != 0:
            msg = "attach: creating a %s heap failed: %s" % (
                label, p.stderr.strip())
            log(msg)
            notes.append(msg)
            continue
        st = os.stat(path)
        att_files.append((label, path, st.st_size, st.st_blocks * 512))
    att = Table([a[0] for a in att_files], ["attach"], rounds)

    log("%d rounds, scale %s, allocators: %s" %
        (rounds, scale, ", ".join(anames)))
    try:
        for r in range(rounds):
            log("round %d/%d (%.0f s so far)" %
                (r + 1, rounds, time.time() - started))
            for w, _ in TIME_WL:
                for a in rotated(anames, r):
                    env = dict(env_scale)
                    if preload[a]:
                        env["LD_PRELOAD"] = preload[a]
                    res = run([prog["mwork"], w], env)
                    if res and w in res:
                        mal.put(w, a, r, res[w])
            if r < rss_rounds:
                for s in RSS_SIZES:
                    w = "rss%d" % s
                    for a in rotated(anames, r):
                        env = {"LD_PRELOAD": preload[a]} if preload[a] else {}
                        res = run([prog["mwork"], w], env)
                        if res and w in res:
                            rss.put(w, a, r, res[w])
            for w in MD_WL:
                for h in rotated(heaps, r):
                    heap = h
                    if h in ("file", "cfile"):
                        heap = h + ":" + os.path.join(tmp, "md-%d.heap" % r)
                    res = run([prog["mdwork"], heap, w], env_scale)
                    if res and w in res:
                        md.put(w, h, r, res[w])
            for h in rotated(["file", "cfile"], r):
                path = os.path.join(tmp, "procs-%d.heap" % r)
                res = run([prog["mdwork"], h + ":" + path, "procs1",
                           "procs2"], env_scale)
                for w in ("procs1", "procs2"):
                    if res and w in res:
                        procs.put(w, h, r, res[w])
            if have_bip:
                for w, _ in BIP_WL:
                    for h in rotated(["boost", "mmalloc", "cmmalloc"], r):
                        path = os.path.join(tmp, "bip-%d.heap" % r)
                        res = run([prog["bip"], h, path, w], env_scale)
                        if os.path.exists(path):
                            os.unlink(path)
                        if res and w in res:
                            bipt.put(w, h, r, res[w])
            for label, path, _, _ in rotated(att_files, r) if att_files \
                    else []:
                p = subprocess.run([prog["attach"], "time", path],
                                   capture_output=True, text=True,
                                   check=False)
                if p.returncode == 0 and p.stdout.startswith("attach "):
                    att.put("attach", label, r, float(p.stdout.split()[1]))
                else:
                    log("attach time %s failed: %s" % (label,
                                                       p.stderr.strip()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.time() - started
    load_after = uptime()
    cmd = "make bench"
    envs = " ".join("%s=%s" % (k, os.environ[k]) for k in
                    ("BENCH_QUICK", "BENCH_ROUNDS", "BENCH_SCALE",
                     "BENCH_ALLOCATORS", "BENCH_TMPDIR")
                    if os.environ.get(k))
    if envs:
        cmd = envs + " " + cmd
    direct = " ".join(shlex.quote(x) for x in ["python3"] + sys.argv)

    o = []
    o.append("# mmalloc benchmarks\n")
    o.append("Regenerate with `%s` in the build directory (the runner "
             "itself: `%s`)." % (cmd, direct))
    o.append("Measured %s on %s, %s, %d cores; %d interleaved rounds, "
             "work scale %s%s; took %.0f s.\n" %
             (datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
              .strftime("%Y-%m-%d %H:%M UTC"), platform.node(),
              platform.machine(), os.cpu_count() or 0, rounds, scale,
              " (BENCH_QUICK: a smoke run, not a measurement)" if quick
              else "", elapsed))
    o.append("- Load before: `%s`" % load_before)
    o.append("- Load after: `%s`" % load_after)
    o.append("- Allocators: " + ", ".join(
        "%s (%s)" % (a, preload[a] or "the C library's, no preload")
        for a in anames))
    o.append("\nEach figure is the median over the rounds; each ratio is "
             "the median of the per-round ratios (both runs of a pair "
             "made in the same round).  Lower is better everywhere "
             "except where a speed-up is named.\n")
    for n in notes:
        o.append("- **Note:** " + n)
    if notes:
        o.append("")

    # 1. malloc workloads.
    peers = [a for a in anames if a != "glibc"]
    o.append("## malloc workloads (ns per operation; ratio to glibc)\n")
    o.append("| workload | glibc | " + " | ".join(peers) + " |")
    o.append("|---|---:|" + "---:|" * len(peers))
    for w, desc in TIME_WL:
        cells = [fmt(mal.median(w, "glibc"))]
        for a in peers:
            cells.append("%s (%s×)" % (fmt(mal.median(w, a)),
                                       fratio(mal.ratio(w, a, "glibc"))))
        o.append("| %s: %s | %s |" % (w, desc, " | ".join(cells)))
    gm = {a: geomean([mal.ratio(w, a, "glibc") for w, _ in TIME_WL])
          for a in peers}
    o.append("| **geometric mean of the ratios** | 1 | " +
             " | ".join("%s×" % fratio(gm[a]) for a in peers) + " |")
    o.append("")
    o.append("Two threads against one (throughput gained by the second "
             "thread, threads1 / threads2 per round):\n")
    o.append("| " + " | ".join(anames) + " |")
    o.append("|" + "---:|" * len(anames))
    scal = {a: mal.ratio2(a, "threads1", "threads2") for a in anames}
    o.append("| " + " | ".join("%s×" % fratio(scal[a]) for a in anames)
             + " |")
    o.append("")

    # 2. footprint.
    o.append("## Bytes of resident memory per live object (RSS)\n")
    o.append("About 32 MiB of blocks of one size, every byte written "
             "(median of %d round(s)).\n" % rss_rounds)
    head = anames + (["mmalloc / mimalloc"] if "mimalloc" in anames
                     else [])
    o.append("| size | " + " | ".join(head) + " |")
    o.append("|---:|" + "---:|" * len(head))
    for s in RSS_SIZES:
        w = "rss%d" % s
        cells = [fmt(rss.median(w, a)) for a in anames]
        if "mimalloc" in anames:
            cells.append(fratio(rss.ratio(w, "mmalloc", "mimalloc")))
        o.append("| %d | %s |" % (s, " | ".join(cells)))
    o.append("")

    # 3. mmalloc (md, ...).
    o.append("## mmalloc (md, ...) on the three kinds of heap (ns per "
             "operation; ratio to the default heap)\n")
    o.append("`default` is md = NULL (thread caches), `anon` is "
             "mmalloc_attach (-1, NULL), `file` a fresh heap file, "
             "`cfile` a fresh heap file attached with MMALLOC_CACHE "
             "(thread caches).\n")
    o.append("| workload | default | anon | file | cfile |")
    o.append("|---|---:|---:|---:|---:|")
    for w in MD_WL:
        cells = [fmt(md.median(w, "default"))]
        for h in ("anon", "file", "cfile"):
            cells.append("%s (%s×)" % (fmt(md.median(w, h)),
                                       fratio(md.ratio(w, h, "default"))))
        o.append("| %s: %s | %s |" % (w, MD_DESC[w], " | ".join(cells)))
    o.append("")

    # 3b. Processes on one heap file.
    o.append("## Processes on one heap file (churn 16-256 B; wall ns per "
             "operation of all processes)\n")
    o.append("| heap | 1 process | 2 processes | throughput gained |")
    o.append("|---|---:|---:|---:|")
    for h in ("file", "cfile"):
        o.append("| %s | %s | %s | %s× |" % (
            h, fmt(procs.median("procs1", h)), fmt(procs.median("procs2", h)),
            fratio(procs.ratio2(h, "procs1", "procs2"))))
    o.append("")

    # 4. Boost.Interprocess.
    if have_bip:
        o.append("## Heap files: Boost.Interprocess managed_mapped_file "
                 "against an mmalloc file heap (ns per operation)\n")
        o.append("`mmalloc` is a plain heap file, `cached` one attached "
                 "with MMALLOC_CACHE.\n")
        o.append("| workload | Boost | mmalloc | cached | Boost / mmalloc "
                 "| Boost / cached |")
        o.append("|---|---:|---:|---:|---:|---:|")
        for w, desc in BIP_WL:
            o.append("| %s: %s | %s | %s | %s | %s× | %s× |" % (
                w, desc, fmt(bipt.median(w, "boost")),
                fmt(bipt.median(w, "mmalloc")),
                fmt(bipt.median(w, "cmmalloc")),
                fratio(bipt.ratio(w, "boost", "mmalloc")),
                fratio(bipt.ratio(w, "boost", "cmmalloc"))))
        o.append("")

    # 5. attach.
    ref = att_files[0][0] if att_files else None
    if att_files:
        o.append("## Attaching an existing heap file (fresh process; "
                 "attach + detach)\n")
        o.append("| heap | file size | on disk | µs | ratio to %s |" % ref)
        o.append("|---|---:|---:|---:|---:|")
        for label, _, size, disk in att_files:
            o.append("| %s | %d | %d | %s | %s |" % (
                label, size, disk, fmt(att.median("attach", label), 1),
                fratio(att.ratio("attach", label, ref))))
        o.append("")

    # 6. targets.
    o.append("## Targets of the performance issue\n")
    o.append("| target | measured | held |")
    o.append("|---|---|---|")

    def target(what, measured, ok):
        o.append("| %s | %s | %s |" % (
            what, measured,
            "n/a" if ok is None else ("**held**" if ok else "not held")))

    g = gm.get("mmalloc")
    target("replacement: geometric mean of time ≤ 0.5× glibc",
           "%s×" % fratio(g), None if g is None else g <= 0.5)
    worst = max(((mal.ratio(w, "mmalloc", "glibc") or 0, w)
                 for w, _ in TIME_WL), default=(0, ""))
    slower = [w for w, _ in TIME_WL
              if (mal.ratio(w, "mmalloc", "glibc") or 0) > 1]
    target("replacement: no workload slower than glibc",
           "worst %s (%s×)%s" % (worst[1], fratio(worst[0]),
                                 "; slower: " + ", ".join(slower)
                                 if slower else ""),
           not slower)
    if "mimalloc" in anames:
        pr = mal.ratio("pair", "mmalloc", "mimalloc")
        target("replacement: malloc/free pair ≤ 1.1× mimalloc's",
               "%s×" % fratio(pr), None if pr is None else pr <= 1.1)
        rr = [(rss.ratio("rss%d" % s, "mmalloc", "mimalloc"), s)
              for s in RSS_SIZES]
        rr = [x for x in rr if x[0] is not None]
        bad = [s for q, s in rr if q > 1.05]
        target("bytes per live object within 5 % of mimalloc's, 8-4000 B",
               "worst %s× at %d B%s" % (
                   fratio(max(rr)[0]), max(rr)[1],
                   "; over at " + ", ".join(map(str, bad)) + " B"
                   if bad else "") if rr else "n/a",
               None if not rr else not bad)
    else:
        target("replacement: malloc/free pair ≤ 1.1× mimalloc's",
               "mimalloc not installed", None)
        target("bytes per live object within 5 % of mimalloc's",
               "mimalloc not installed", None)
    fr = md.ratio("pair", "cfile", "default")
    target("file heap (MMALLOC_CACHE): pair ≤ 2.5× the default heap's",
           "%s×" % fratio(fr), None if fr is None else fr <= 2.5)
    fr = md.ratio("pair", "file", "default")
    target("file heap (no cache): pair, for reference", "%s×" % fratio(fr),
           None)
    if have_bip:
        for c, label in (("cmmalloc", "MMALLOC_CACHE"),
                         ("mmalloc", "no cache")):
            sp = [(bipt.ratio(w, "boost", c), w) for w, _ in BIP_WL]
            sp = [x for x in sp if x[0] is not None]
            target("file heap (%s) ≥ 10× faster than Boost.Interprocess"
                   % label,
                   ", ".join("%s %s×" % (w, fratio(q)) for q, w in sp),
                   None if not sp else all(q >= 10 for q, _ in sp))
    else:
        target("file heap ≥ 10× faster than Boost.Interprocess",
               "Boost not built", None)
    big = [a for a in att_files if a[0] == "16 GiB"]
    if big and ref:
        t16 = att.median("attach", "16 GiB")
        q = att.ratio("attach", "16 GiB", ref)
        ok = (t16 is not None and q is not None and t16 < 1000 and q <= 1.5)
        target("attach 16 GiB < 1 ms and the same as 1 MiB (≤ 1.5×)",
               "%s µs, %s× the %s one" % (fmt(t16), fratio(q), ref), ok)
    else:
        target("attach 16 GiB < 1 ms", "16 GiB heap not made", None)
    s2 = scal.get("mmalloc")
    target("replacement: 2 threads ≥ 1.8× the throughput of 1",
           "%s×" % fratio(s2), None if s2 is None else s2 >= 1.8)
    s2d = md.ratio2("default", "threads1", "threads2")
    o.append("| (mmalloc (NULL, ...) directly: 2 threads against 1) | %s× "
             "| %s |" % (fratio(s2d), "" if s2d is None else
                         ("**held**" if s2d >= 1.8 else "not held")))
    for h, label in (("cfile", "MMALLOC_CACHE"), ("file", "no cache")):
        p2 = procs.ratio2(h, "procs1", "procs2")
        target("2 processes on one heap file (%s) ≥ 1.3× one" % label,
               "%s×" % fratio(p2), None if p2 is None else p2 >= 1.3)
    o.append("")
    o.append("The machine is shared and noisy when the load above is "
             "high: compare ratios, not absolute times, and trust only a "
             "run on a quiet machine.")

    # The plot.
    plotted = plot(args.plot, mal, rss, anames, peers)
    if plotted:
        o.append("\n![ratios to glibc and bytes per object](%s)" %
                 os.path.basename(args.plot))
    else:
        o.append("\n(No plot: %s.)" % PLOT_WHY[0])

    text = "\n".join(o) + "\n"
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out + "-t", "w") as f:
        f.write(text)
    os.replace(args.out + "-t", args.out)
    sys.stdout.write(text)
    log("wrote %s%s in %.0f s" % (args.out, " and " + args.plot
                                  if plotted else "", elapsed))


PLOT_WHY = ["gnuplot is not installed (apt-get install gnuplot-nox)"]


def plot(png, mal, rss, anames, peers):
    """Draw the ratios to glibc and the bytes per object into PNG with
    gnuplot; False (and why in PLOT_WHY) when it cannot."""
    gp = shutil.which("gnuplot")
    if gp is None:
        log("no plot: " + PLOT_WHY[0])
        return False
    base = os.path.splitext(png)[0]
    d1, d2, script = base + "-ratio.dat", base + "-rss.dat", base + ".gp"
    with open(d1, "w") as f:
        f.write("workload " + " ".join(peers) + "\n")
        for w, _ in TIME_WL:
            f.write(w + " " + " ".join(
                "%g" % (mal.ratio(w, a, "glibc") or float("nan"))
                for a in peers) + "\n")
    with open(d2, "w") as f:
        f.write("size " + " ".join(anames) + "\n")
        for s in RSS_SIZES:
            f.write("%d " % s + " ".join(
                "%g" % ((rss.median("rss%d" % s, a) or float("nan")) / s)
                for a in anames) + "\n")
    terms = subprocess.run([gp, "-e", "set terminal"], capture_output=True,
                           text=True, check=False)
    term = ("pngcairo size 1100,1000 font 'sans,10'"
            if "pngcairo" in terms.stdout + terms.stderr
            else "png size 1100,1000")
    with open(script, "w") as f:
        f.write("""set terminal %s
set output '%s'
set multiplot layout 2,1
set title 'malloc workloads: time relative to glibc (lower is better; median of per-round ratios)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y 2
set grid ytics
set ylabel 'ratio to glibc'
set xtics rotate by -30
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot '%s' using 2:xtic(1) title columnheader(2)%s
unset arrow
set title 'resident bytes per live object, divided by the object size (lower is better)'
set style data linespoints
unset logscale
set logscale x 2
set xlabel 'object size (bytes)'
set ylabel 'RSS per object / size'
set xtics norotate
set key top right
plot '%s' using 1:2 title columnheader(2)%s
unset multiplot
""" % (term, png, d1,
            "".join(", '' using %d title columnheader(%d)" % (i, i)
                    for i in range(3, len(peers) + 2)),
            d2,
            "".join(", '' using 1:%d title columnheader(%d)" % (i, i)
                    for i in range(3, len(anames) + 2))))
    p = subprocess.run([gp, script], capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        PLOT_WHY[0] = "gnuplot failed: " + p.stderr.strip()[:200]
        log("no plot: " + PLOT_WHY[0])
        return False
    return True


if __name__ == "__main__":
    main()
