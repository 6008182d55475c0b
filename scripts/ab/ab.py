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
load average before and after, and the date. Raw measurements go to --out
as JSON.
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
}

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


def run_child(cmd, cwd, env, timeout):
    """Runs cmd; returns (rc, stdout+stderr text, peak RSS MiB of the
    process from wait4, seconds). The child is killed after timeout s."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    try:
        out = p.stdout.read()
    finally:
        killer.cancel()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out.decode("utf-8", "replace"), ru.ru_maxrss / 1024.0, time.perf_counter() - t0


def authors_cmd(a, op, seed, max_batches=0):
    cmd = [a.python, os.path.join(a.repo, "scripts", "ab", "authors.py"), "--op", op, "--data", a.data,
           "--de-rrd", a.de_rrd, "--ir-rrd", a.ir_rrd, "--td", a.td, "--threads", str(a.threads), "--seed", str(seed)]
    if max_batches:
        cmd += ["--max-batches", str(max_batches)]
    return cmd


def run_authors(a, op, seed, env, max_batches=0):
    rc, out, rss, secs = run_child(authors_cmd(a, op, seed, max_batches), a.repo, env, a.timeout)
    res = None
    for line in out.splitlines():
        if line.startswith("AB-RESULT "):
            res = json.loads(line[len("AB-RESULT "):])
    if rc != 0 or res is None:
        raise RuntimeError("authors' side, %s: exit %d\n%s" % (op, rc, tail(out)))
    res["process_peak_rss_mb"], res["process_s"] = rss, secs
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
    rc, out, rss, secs = run_child(cmd, cwd, env, a.timeout)
    if rc != 0:
        raise RuntimeError("kdrec side, %s: exit %d\n%s" % (op, rc, tail(out)))
    res = parse_bench(out, pattern)
    res.update({"side": "kdrec", "op": op, "process_peak_rss_mb": rss, "process_s": secs})
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
        print("%-8s %s" % (op, msg), flush=True)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--bin", required=True, help="directory of the test binaries (train.test, distill.test, exp.test)")
    ap.add_argument("--data", required=True, help="directory written by scripts/ab/export")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--de-rrd", required=True)
    ap.add_argument("--ir-rrd", required=True)
    ap.add_argument("--td", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per process")
    ap.add_argument("--idle-load", type=float, default=1.0,
                    help="warn when the 1-minute load average exceeds this at any measurement")
    ap.add_argument("--out", default="", help="JSON file for the raw measurements")
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
            print("%-8s round %d/%d: authors %s s CPU, %s s wall | kdrec %s s CPU, %s s wall (load %.2f / %.2f)"
                  % (op, rep + 1, a.reps, fmt(ra["cpu_s"]), fmt(ra["wall_s"]), fmt(rb["cpu_s"]), fmt(rb["wall_s"]), la[0], lb[0]),
                  flush=True)
        med = lambda xs, k: statistics.median(x[k] for x in xs)
        rows.append({"op": op, "what": OPS[op][0], "target": OPS[op][3],
                     "authors_cpu": med(A, "cpu_s"), "authors_wall": med(A, "wall_s"),
                     "kdrec_cpu": med(B, "cpu_s"), "kdrec_wall": med(B, "wall_s"),
                     "authors_rss": max(x["process_peak_rss_mb"] for x in A),
                     "kdrec_rss": max(x["process_peak_rss_mb"] for x in B),
                     "kdrec_bench": "kdlib/%s %s" % (OPS[op][1], OPS[op][2])})
    load_after = loadavg()
    ended = datetime.datetime.now(datetime.timezone.utc)

    print()
    print("A/B: kdrec against the authors' PyTorch code, CiteULike-t (%s)" % json.load(open(os.path.join(a.data, "meta.json")))["split"])
    print("date: %s – %s" % (started.strftime("%Y-%m-%d %H:%M:%SZ"), ended.strftime("%H:%M:%SZ")))
    print("machine: %s, %d logical CPUs (%s), %s, Linux %s %s" % (mach["cpu"], mach["cpus"], mach["simd"], mach["memory"], mach["kernel"], mach["arch"]))
    print("threads: %d per side (torch.set_num_threads, OMP/OPENBLAS_NUM_THREADS; GOMAXPROCS)" % a.threads)
    if env_authors:
        print("authors' side: Python %s, torch %s, numpy %s, BLAS %s" % (env_authors["python"], env_authors["torch"], env_authors["numpy"], env_authors["blas"]))
    print("kdrec side: %s, revision %s" % (a.go_version or "go ?", a.revision or "?"))
    print("load average (1, 5, 15 min): before %s, after %s; highest 1-min load at a measurement %.2f"
          % (" ".join("%.2f" % x for x in load_before), " ".join("%.2f" % x for x in load_after), max_load))
    print("rounds: %d per operation, alternated authors/kdrec; medians; ratio = authors ÷ kdrec" % a.reps)
    print()
    hdr = ("operation", "authors CPU s", "authors wall s", "kdrec CPU s", "kdrec wall s", "× CPU", "× wall", "target (wall)", "peak MiB authors/kdrec")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
    for r in rows:
        rc = r["authors_cpu"] / r["kdrec_cpu"] if r["kdrec_cpu"] > 0 else None
        rw = r["authors_wall"] / r["kdrec_wall"] if r["kdrec_wall"] > 0 else None
        r["ratio_cpu"], r["ratio_wall"] = rc, rw
        tgt = "–"
        if r["target"]:
            tgt = "≥ %d× %s" % (r["target"], "met" if rw is not None and rw >= r["target"] else "not met")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %.0f / %.0f |" % (
            r["what"], fmt(r["authors_cpu"]), fmt(r["authors_wall"]), fmt(r["kdrec_cpu"]), fmt(r["kdrec_wall"]),
            fmt(rc), fmt(rw), tgt, r["authors_rss"], r["kdrec_rss"]))
    print()
    if max_load > a.idle_load:
        print("WARNING: the machine was not idle (1-minute load up to %.2f > %.2f on %d CPUs): these ratios are not the"
              " idle measurement the docs ask for. Under load PyTorch's OpenMP threads wait for each other at every"
              " operation, which inflates the authors' times far more than kdrec's." % (max_load, a.idle_load, mach["cpus"]))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"started": started.isoformat(), "ended": ended.isoformat(), "machine": mach,
                       "load_before": load_before, "load_after": load_after, "threads": a.threads, "reps": a.reps,
                       "go": a.go_version, "revision": a.revision, "authors_env": env_authors,
                       "rows": rows, "raw": raw}, f, indent=1)
        print("raw measurements: %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
