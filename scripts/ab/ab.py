#!/usr/bin/env python3
"""A/B of kdrec against the authors' PyTorch code, operation by operation
(started by scripts/ab-authors.sh, which checks the dependencies, builds the
binaries and exports the data first; see docs/scale.md, "A/B against the
authors' code").

For every operation, N rounds of: the authors' side (scripts/ab/authors.py,
one process, one timed operation), then kdrec's side (the operation's Go
benchmark, one process, -test.benchtime 1x). Each side reports the CPU time
(user + system over all threads) and the wall time of the operation alone,
set-up excluded; the peak resident memory of each process (set-up included)
is read from wait4. The table gives the medians and their ratios
(authors ÷ kdrec: how many times faster kdrec is), with the machine, the
load average before and after, and the date. The measurements go to --out
as JSON and, with --record DIR, to DIR/<date>-<host>.json (never
overwritten: a second run of the day on the same host gets -2, -3, ...),
the file `kdsweep report` renders into the docs' <!-- ledger:ab --> block.

The JSON format, "kdrec-ab/1" (kdlib/exp's ABFile reads it):

  format        "kdrec-ab/1"
  started, ended  UTC times, RFC 3339
  host          the host name (its first label)
  machine       {cpu, cpus, simd, memory, kernel, arch}
  threads, reps threads per side; rounds per operation
  load_before, load_after  1-, 5- and 15-minute load averages
  max_load1     the highest 1-minute load when a measurement started
                (the A/B's own threads count in it: context only)
  idle_load     the --idle-load threshold of records before format
                field max_foreign_cores existed (above it: not idle)
  max_foreign_cores  the highest CPU use, in cores, of everything but the
                measured process, averaged over one measured process's
                life (from /proc/stat's busy time minus the process's
                own user + system time and ab.py's): the idle criterion;
                absent when a measurement had no reading (no /proc/stat),
                and then idle_load is the criterion
  idle_foreign  the --idle-foreign threshold (above it: not idle)
  max_steal_cores  the highest steal time, in cores, averaged over one
                measured process's life (/proc/stat): the host running
                other guests, which busy time does not show (reported,
                not part of the idle criterion); absent in older records
  kdrec         {go: `go version`, revision: git revision (+changes)}
  authors       {python, torch, numpy, blas} of the authors' side
  rows          one per operation, in the order run: {op, what, target
                (the issue's ratio, or null), kdrec_bench, n (rounds),
                authors_cpu_s, authors_wall_s, kdrec_cpu_s, kdrec_wall_s
                (medians over the rounds), authors_peak_rss_mb,
                kdrec_peak_rss_mb (the highest over the rounds)}
  raw           every measurement as the two sides reported it

Ratios are not stored: a reader computes them from the medians.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

# op -> (what, Go package under kdlib/, benchmark pattern, target ratio)
OPS = {
    "teacher": ("BPR teacher epoch, d=200", "train", "^BenchmarkBPREpochD200$", None),
    "student": ("BPR student epoch, d=20", "train", "^BenchmarkBPREpochD20$", 5),
    "de": ("DE epoch at tau=1 (soft phase)", "distill", "^BenchmarkDESoftPhase$/^epoch$", 20),
    "htd": ("HTD epoch at tau=1 (soft phase)", "distill", "^BenchmarkHTDSoftPhase$/^epoch$", 20),
    "ftd": ("FTD epoch", "distill", "^BenchmarkLatentEpoch$/^FTD$", None),
    "rrd": ("RRD epoch", "distill", "^BenchmarkEpochRRD$", None),
    "irrrd": ("IR-RRD epoch", "distill", "^BenchmarkEpochIRRRD$", 10),
    "loo": ("sampled-LOO evaluation, valid+test", "exp", "^BenchmarkEvalLOOD200ValidTest$", None),
    "full": ("full-ranking evaluation, valid+test", "exp", "^BenchmarkEvalFullD200ValidTest$", 20),
    "hetcomp1": ("HetComp epoch, phase 1, d=6, no DKC step", "distill", "^BenchmarkHetCompEpochPhase1$", None),
    "hetcomp2": ("HetComp epoch, phase 2, d=6, no DKC step", "distill", "^BenchmarkHetCompEpochPhase2$", None),
    "hetcomp-student": ("MF student epoch (BPR), d=6, HetComp's split", "distill", "^BenchmarkHetCompStudentEpoch$", None),
}

# The checkout each operation's authors' side reads (ab.py's option names).
CHECKOUTS = {"irrrd": ("de_rrd", "ir_rrd"), "ftd": ("td",), "htd": ("td",), "full": ("td",),
             "hetcomp1": ("hetcomp",), "hetcomp2": ("hetcomp",)}

FORMAT = "kdrec-ab/1"

BENCH_LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine():
    """CPU model, logical CPUs, memory, kernel."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    simd = "+".join(x for x in ("avx2", "fma", "avx512f") if x in flags)
    return {"cpu": model, "cpus": os.cpu_count(), "simd": simd, "memory": mem,
            "kernel": platform.release(), "arch": platform.machine()}


def cpu_seconds():
    """The machine's busy and steal CPU time so far, in seconds over all
    CPUs, from /proc/stat's "cpu" line: busy is user, nice, system, irq
    and softirq (idle, iowait and steal excluded); steal is the time the
    hypervisor ran something else while a virtual CPU wanted to run.
    (None, None) where /proc/stat is unreadable."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("cpu "):
                    v = [int(x) for x in line.split()[1:]]
                    tck = os.sysconf("SC_CLK_TCK")
                    return (v[0] + v[1] + v[2] + v[5] + v[6]) / tck, v[7] / tck
    except (OSError, ValueError, IndexError):
        pass
    return None, None


def busy_seconds():
    """The busy part of cpu_seconds (None where /proc/stat is unreadable)."""
    return cpu_seconds()[0]


def foreign_cores(busy0, busy1, own, secs):
    """The CPU use, in cores, of everything but the measured processes over
    secs seconds: the machine's busy time (busy1 - busy0, from
    busy_seconds) minus their own CPU time own; never negative (the clock
    ticks of /proc/stat are coarser than rusage's); None when a reading is
    missing or secs is not positive."""
    if busy0 is None or busy1 is None or secs <= 0:
        return None
    return max(0.0, (busy1 - busy0 - own) / secs)


def run_child(cmd, cwd, env, timeout, usage=None):
    """Runs cmd; returns (rc, stdout+stderr text, peak RSS MiB of the
    process from wait4, seconds). The child is killed after timeout s.
    When usage is a dict, it receives "process_cpu_s" (the child's user +
    system time over its life), "foreign_cores" (the machine's other
    CPU use during the child's life, in cores: busy time minus the
    child's and this process's own, over the wall time) and "steal_cores"
    (the steal time over the wall time: CPU the host gave to others, which
    slows the child without showing as busy); None without /proc/stat."""
    b0, st0 = cpu_seconds()
    s0 = os.times()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    try:
        out = p.stdout.read()
    finally:
        killer.cancel()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    s1 = os.times()
    b1, st1 = cpu_seconds()
    p.returncode = os.waitstatus_to_exitcode(status)
    if usage is not None:
        me = (s1.user - s0.user) + (s1.system - s0.system)
        own = ru.ru_utime + ru.ru_stime
        usage["process_cpu_s"] = own
        usage["foreign_cores"] = foreign_cores(b0, b1, own + me, secs)
        usage["steal_cores"] = None if st0 is None or st1 is None or secs <= 0 else max(0.0, (st1 - st0) / secs)
    return p.returncode, out.decode("utf-8", "replace"), ru.ru_maxrss / 1024.0, secs


def checkouts(op):
    """The checkouts (ab.py option names) the authors' side of op reads."""
    return CHECKOUTS.get(op, ("de_rrd",))


def authors_cmd(a, op, seed, max_batches=0):
    cmd = [a.python, os.path.join(a.repo, "scripts", "ab", "authors.py"), "--op", op, "--data", a.data,
           "--threads", str(a.threads), "--seed", str(seed)]
    for k in checkouts(op):
        cmd += ["--" + k.replace("_", "-"), getattr(a, k)]
    if max_batches:
        cmd += ["--max-batches", str(max_batches)]
    return cmd


def run_authors(a, op, seed, env, max_batches=0):
    usage = {}
    rc, out, rss, secs = run_child(authors_cmd(a, op, seed, max_batches), a.repo, env, a.timeout, usage)
    res = None
    for line in out.splitlines():
        if line.startswith("AB-RESULT "):
            res = json.loads(line[len("AB-RESULT "):])
    if rc != 0 or res is None:
        raise RuntimeError("authors' side, %s: exit %d\n%s" % (op, rc, tail(out)))
    res["process_peak_rss_mb"], res["process_s"] = rss, secs
    res.update(usage)
    return res


def parse_bench(out, pattern):
    """The metrics of the one benchmark line in a go test -bench output."""
    for line in out.splitlines():
        m = BENCH_LINE.match(line.strip())
        if not m:
            continue
        fields = m.group(3).split()
        vals = {}
        for k in range(0, len(fields) - 1, 2):
            try:
                vals[fields[k + 1]] = float(fields[k])
            except ValueError:
                pass
        if "ns/op" not in vals:
            continue
        cpu = None
        if "cpu-ms/op" in vals:
            cpu = vals["cpu-ms/op"] / 1e3
        elif "cpu-s/op" in vals:
            cpu = vals["cpu-s/op"]
        if cpu is None:
            raise RuntimeError("%s: the benchmark reports no CPU time (cpu-ms/op or cpu-s/op): %s" % (pattern, line))
        return {"name": m.group(1), "n": int(m.group(2)), "wall_s": vals["ns/op"] / 1e9, "cpu_s": cpu, "metrics": vals}
    raise RuntimeError("%s: no benchmark result in the output" % pattern)


def kdrec_cmd(a, op):
    _, pkg, pattern, _ = OPS[op]
    return [os.path.join(a.bin, pkg + ".test"), "-test.run", "^$", "-test.bench", pattern,
            "-test.benchtime", "1x", "-test.count", "1"], os.path.join(a.repo, "kdlib", pkg), pattern


def run_kdrec(a, op, env):
    cmd, cwd, pattern = kdrec_cmd(a, op)
    usage = {}
    rc, out, rss, secs = run_child(cmd, cwd, env, a.timeout, usage)
    if rc != 0:
        raise RuntimeError("kdrec side, %s: exit %d\n%s" % (op, rc, tail(out)))
    res = parse_bench(out, pattern)
    res.update({"side": "kdrec", "op": op, "process_peak_rss_mb": rss, "process_s": secs})
    res.update(usage)
    return res


def tail(s, n=25):
    return "\n".join(s.splitlines()[-n:])


def envs(a):
    base = dict(os.environ)
    t = str(a.threads)
    py = dict(base, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t)
    go = dict(base, GOMAXPROCS=t)
    return py, go


def fmt(x, prec=3):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return ("%%.%dg" % prec) % x


def check(a):
    """Wiring check: every operation of the authors' side on 2 batches (the
    evaluations whole), every kdrec benchmark listed by its test binary."""
    py, go = envs(a)
    ok = True
    for op in a.ops:
        what, pkg, pattern, _ = OPS[op]
        try:
            r = run_authors(a, op, 0, py, max_batches=2)
            msg = "authors ok (%s s CPU, %s)" % (fmt(r["cpu_s"]), json.dumps(r["detail"]))
        except RuntimeError as e:
            ok, msg = False, "authors FAILED: %s" % e
        top = pattern.split("/")[0]
        rc, out, _, _ = run_child([os.path.join(a.bin, pkg + ".test"), "-test.list", top],
                                  os.path.join(a.repo, "kdlib", pkg), go, 120)
        if rc != 0 or not re.search(top, out, re.M):
            ok, msg = False, msg + "; kdrec benchmark %s NOT FOUND in %s.test" % (top, pkg)
        else:
            msg += "; kdrec %s found" % top.strip("^$")
        print("%-15s %s" % (op, msg), flush=True)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--bin", required=True, help="directory of the test binaries (train.test, distill.test, exp.test)")
    ap.add_argument("--data", required=True, help="directory written by scripts/ab/export")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--de-rrd", default="")
    ap.add_argument("--ir-rrd", default="")
    ap.add_argument("--td", default="")
    ap.add_argument("--hetcomp", default="")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per process")
    ap.add_argument("--idle-load", type=float, default=1.0,
                    help="recorded for old readers only; the idle criterion is --idle-foreign")
    ap.add_argument("--idle-foreign", type=float, default=0.1,
                    help="warn when anything but the measured process used more than this many cores, on average, during a measurement")
    ap.add_argument("--out", default="", help="JSON file for the measurements (format above)")
    ap.add_argument("--record", default="", help="directory (results/ab) to add the measurements to as <date>-<host>.json")
    ap.add_argument("--go-version", default="")
    ap.add_argument("--revision", default="")
    ap.add_argument("--check", action="store_true", help="wiring check only (see check)")
    a = ap.parse_args()
    a.ops = [o.strip() for o in a.ops.split(",") if o.strip()]
    for o in a.ops:
        if o not in OPS:
            sys.exit("ab.py: --ops: unknown operation %r (known: %s)" % (o, ", ".join(OPS)))
    if a.reps < 1:
        sys.exit("ab.py: --reps must be ≥ 1")
    for o in a.ops:
        for k in checkouts(o):
            if not getattr(a, k):
                sys.exit("ab.py: operation %s needs --%s (the authors' checkout)" % (o, k.replace("_", "-")))
    if a.record and not os.path.isdir(a.record):
        sys.exit("ab.py: --record %s: not a directory" % a.record)
    if a.check:
        return check(a)

    py, go = envs(a)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()
    mach = machine()
    rows, raw = [], []
    max_load = load_before[0]
    env_authors = None
    for op in a.ops:
        A, B = [], []
        for rep in range(a.reps):
            la = loadavg()
            ra = run_authors(a, op, rep, py)
            ra["load1_before"], ra["rep"] = la[0], rep
            lb = loadavg()
            rb = run_kdrec(a, op, go)
            rb["load1_before"], rb["rep"] = lb[0], rep
            max_load = max(max_load, la[0], lb[0])
            A.append(ra)
            B.append(rb)
            raw += [ra, rb]
            env_authors = {k: ra[k] for k in ("torch", "numpy", "python", "blas", "threads")}
            print("%-15s round %d/%d: authors %s s CPU, %s s wall | kdrec %s s CPU, %s s wall (others used %s / %s cores)"
                  % (op, rep + 1, a.reps, fmt(ra["cpu_s"]), fmt(ra["wall_s"]), fmt(rb["cpu_s"]), fmt(rb["wall_s"]),
                     fmt(ra.get("foreign_cores"), 2), fmt(rb.get("foreign_cores"), 2)),
                  flush=True)
        rows.append(make_row(op, A, B))
    load_after = loadavg()
    ended = datetime.datetime.now(datetime.timezone.utc)

    doc = make_doc(started, ended, host(), mach, a.threads, a.reps, load_before, load_after, max_load, a.idle_load,
                   a.go_version, a.revision, env_authors, rows, raw, max_foreign(raw), a.idle_foreign,
                   max_foreign(raw, "steal_cores"))
    print()
    print(summary(doc, a.data))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print("measurements: %s" % a.out)
    if a.record:
        path = write_new(a.record, doc)
        print("recorded: %s (commit it; `go run ./cmd/kdsweep report` renders it into docs/scale.md)" % path)
    return 0


def make_row(op, A, B):
    """The row of op from its rounds' measurements A (authors) and B
    (kdrec): medians of the times, the highest peak memory."""
    med = lambda xs, k: statistics.median(x[k] for x in xs)
    return {"op": op, "what": OPS[op][0], "target": OPS[op][3],
            "kdrec_bench": "kdlib/%s %s" % (OPS[op][1], OPS[op][2]), "n": len(A),
            "authors_cpu_s": med(A, "cpu_s"), "authors_wall_s": med(A, "wall_s"),
            "kdrec_cpu_s": med(B, "cpu_s"), "kdrec_wall_s": med(B, "wall_s"),
            "authors_peak_rss_mb": max(x["process_peak_rss_mb"] for x in A),
            "kdrec_peak_rss_mb": max(x["process_peak_rss_mb"] for x in B)}


def make_doc(started, ended, hostname, mach, threads, reps, load_before, load_after, max_load, idle_load,
             go_version, revision, env_authors, rows, raw, max_foreign=None, idle_foreign=None, max_steal=None):
    """The measurement document in the format of the module doc."""
    doc = {"format": FORMAT, "started": started.isoformat(timespec="seconds"), "ended": ended.isoformat(timespec="seconds"),
            "host": hostname, "machine": mach, "threads": threads, "reps": reps,
            "load_before": load_before, "load_after": load_after, "max_load1": max_load, "idle_load": idle_load,
            "kdrec": {"go": go_version, "revision": revision},
            "authors": {k: (env_authors or {}).get(k, "") for k in ("python", "torch", "numpy", "blas")},
            "rows": rows, "raw": raw}
    if max_foreign is not None:
        doc["max_foreign_cores"], doc["idle_foreign"] = max_foreign, idle_foreign
    if max_steal is not None:
        doc["max_steal_cores"] = max_steal
    return doc


def max_foreign(raw, key="foreign_cores"):
    """The highest foreign CPU use (cores; key "steal_cores": the steal
    time) over the measurements raw, or None when a measurement has no
    reading (no /proc/stat): the record then leaves max_foreign_cores out
    and is judged by the load, rather than claiming that nothing else ran."""
    vals = [r.get(key) for r in raw]
    if not vals or any(v is None for v in vals):
        return None
    return max(vals)


def not_idle(doc):
    """Whether doc's run was not idle: by the foreign CPU use where the
    record has it, else (older records) by the 1-minute load."""
    if doc.get("max_foreign_cores") is not None:
        return doc["max_foreign_cores"] > doc["idle_foreign"]
    return doc["max_load1"] > doc["idle_load"]


def host():
    """The host name's first label, reduced to letters, digits, - and _."""
    name = platform.node().split(".")[0] or "unknown"
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def write_new(dirname, doc):
    """Writes doc to dirname/<date>-<host>.json, the date that of its
    start (UTC); never overwrites: when the name is taken it tries -2,
    -3, ... Returns the path written."""
    base = "%s-%s" % (doc["started"][:10], doc["host"])
    for k in range(1, 1000):
        path = os.path.join(dirname, base + ("" if k == 1 else "-%d" % k) + ".json")
        try:
            f = open(path, "x")
        except FileExistsError:
            continue
        with f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        return path
    raise RuntimeError("%s: no free name for %s" % (dirname, base))


def ratio(x, y):
    return x / y if y > 0 else None


def summary(doc, data=""):
    """The printed report of a measurement document: its context lines and
    the table (ratio = authors ÷ kdrec)."""
    out = []
    splits = []
    for sub, what in (("", "LOO"), ("hetcomp", "60/20/20 for the hetcomp operations")):
        try:
            with open(os.path.join(data, sub, "meta.json")) as f:
                splits.append("%s (%s)" % (json.load(f)["split"], what))
        except (OSError, ValueError, KeyError):
            pass
    out.append("A/B: kdrec against the authors' PyTorch code, CiteULike-t" + (": " + "; ".join(splits) if splits else ""))
    out.append("date: %s – %s" % (doc["started"], doc["ended"]))
    m = doc["machine"]
    out.append("machine: %s (%s), %s logical CPUs (%s), %s, Linux %s %s" % (m["cpu"], doc["host"], m["cpus"], m["simd"], m["memory"], m["kernel"], m["arch"]))
    out.append("threads: %d per side (torch.set_num_threads, OMP/OPENBLAS_NUM_THREADS; GOMAXPROCS)" % doc["threads"])
    e = doc["authors"]
    out.append("authors' side: Python %s, torch %s, numpy %s, BLAS %s" % (e["python"], e["torch"], e["numpy"], e["blas"]))
    out.append("kdrec side: %s, revision %s" % (doc["kdrec"]["go"] or "go ?", doc["kdrec"]["revision"] or "?"))
    out.append("load average (1, 5, 15 min): before %s, after %s; highest 1-min load at a measurement %.2f"
               % (" ".join("%.2f" % x for x in doc["load_before"]), " ".join("%.2f" % x for x in doc["load_after"]), doc["max_load1"]))
    if doc.get("max_foreign_cores") is not None:
        out.append("other processes: at most %.2f cores on average during a measurement (idle threshold %.2f)"
                   % (doc["max_foreign_cores"], doc["idle_foreign"]))
    if doc.get("max_steal_cores") is not None:
        out.append("steal (the host running others while this VM wanted to run): at most %.2f cores during a measurement"
                   % doc["max_steal_cores"])
    out.append("rounds: %d per operation, alternated authors/kdrec; medians; ratio = authors ÷ kdrec" % doc["reps"])
    out.append("")
    hdr = ("operation", "authors CPU s", "authors wall s", "kdrec CPU s", "kdrec wall s", "× CPU", "× wall", "target (wall)", "peak MiB authors/kdrec")
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
    for r in doc["rows"]:
        rc = ratio(r["authors_cpu_s"], r["kdrec_cpu_s"])
        rw = ratio(r["authors_wall_s"], r["kdrec_wall_s"])
        tgt = "–"
        if r["target"]:
            tgt = "≥ %d× %s" % (r["target"], "met" if rw is not None and rw >= r["target"] else "not met")
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %.0f / %.0f |" % (
            r["what"], fmt(r["authors_cpu_s"]), fmt(r["authors_wall_s"]), fmt(r["kdrec_cpu_s"]), fmt(r["kdrec_wall_s"]),
            fmt(rc), fmt(rw), tgt, r["authors_peak_rss_mb"], r["kdrec_peak_rss_mb"]))
    if not_idle(doc):
        if doc.get("max_foreign_cores") is not None:
            why = "other processes used up to %.2f cores > %.2f during a measurement" % (doc["max_foreign_cores"], doc["idle_foreign"])
        else:
            why = "1-minute load up to %.2f > %.2f on %s CPUs" % (doc["max_load1"], doc["idle_load"], m["cpus"])
        out.append("")
        out.append("WARNING: the machine was not idle (%s): these ratios are not the"
                   " idle measurement the docs ask for. Under load PyTorch's OpenMP threads wait for each other at every"
                   " operation, which inflates the authors' times far more than kdrec's." % why)
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
