#!/usr/bin/env python3
"""Unit tests of scripts/ab/ab.py's parsing and records (no torch, no Go
needed): python3 -m unittest discover -s scripts/ab -p 'test_*.py'.
scripts/ab-authors.sh --check runs them first.

FIXTURE (kdlib/exp/testdata/ab-record.json) is a record made by ab.py's
make_row and make_doc from the measurements of fixture_doc; Go's
TestABRecordFixture reads it with exp.ReadABRecord, and test_fixture_is_abs
checks that ab.py still writes exactly it, so the two sides cannot drift.
Regenerate it with: python3 scripts/ab/test_ab.py --write-fixture
"""

import datetime
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ab  # noqa: E402

FIXTURE = os.path.join(HERE, "..", "..", "kdlib", "exp", "testdata", "ab-record.json")


def fixture_doc():
    """A record of two operations, three rounds each, from made-up
    measurements."""
    def rounds(side, cpu, wall, rss):
        return [{"side": side, "cpu_s": c, "wall_s": w, "process_peak_rss_mb": r} for c, w, r in zip(cpu, wall, rss)]
    rows = [
        ab.make_row("de", rounds("authors", [130.0, 120.0, 125.0], [70.0, 64.0, 66.0], [2000.0, 2048.4, 2010.0]),
                    rounds("kdrec", [4.1, 3.9, 4.0], [3.3, 3.2, 3.1], [300.0, 310.6, 305.0])),
        ab.make_row("hetcomp1", rounds("authors", [400.5, 390.0, 410.0], [210.0, 200.0, 220.0], [6287.3, 6280.0, 6281.0]),
                    rounds("kdrec", [13.6, 13.0, 14.0], [7.0, 6.9, 7.2], [150.2, 149.0, 148.0])),
    ]
    utc = datetime.timezone.utc
    return ab.make_doc(datetime.datetime(2030, 1, 2, 10, 0, 0, 123, tzinfo=utc), datetime.datetime(2030, 1, 2, 11, 0, 0, tzinfo=utc),
                       "box", {"cpu": "Test CPU 9000", "cpus": 4, "simd": "avx2+fma", "memory": "15.5 GiB", "kernel": "6.1.0", "arch": "x86_64"},
                       2, 3, [0.12, 0.3, 0.25], [0.5, 0.4, 0.3], 0.5, 1.0, "go version go1.26 linux/amd64", "abc1234",
                       {"python": "3.11.2", "torch": "1.13.0", "numpy": "1.24.2", "blas": "libopenblas.so", "threads": 2},
                       rows, [{"side": "authors", "op": "de", "cpu_s": 120.0}], 0.04, 0.1, 0.02)


class ParseBench(unittest.TestCase):
    def test_units(self):
        # The three ways kdrec's benchmarks report CPU time, as go test prints them.
        cases = [
            ("BenchmarkBPREpochD20-2   \t       1\t 215782812 ns/op\t       120.3 cpu-ms/op\t12160360 B/op\t     510 allocs/op",
             "^BenchmarkBPREpochD20$", "BenchmarkBPREpochD20", 0.215782812, 0.1203),
            ("BenchmarkLatentEpoch/FTD \t1\t1234567890 ns/op\t 1.1 cpu-s/op\t 313.0 peak-RSS-MB\t 9 B/op\t 1 allocs/op",
             "^BenchmarkLatentEpoch$/^FTD$", "BenchmarkLatentEpoch/FTD", 1.23456789, 1.1),
            ("BenchmarkDESoftPhase/epoch-2 1 20000000000 ns/op 41000 cpu-ms/op 1331 GFLOP/op 66.5 GFLOPS 30.00 nets/row",
             "^BenchmarkDESoftPhase$/^epoch$", "BenchmarkDESoftPhase/epoch", 20.0, 41.0),
        ]
        for line, pat, name, wall, cpu in cases:
            out = "goos: linux\ngoarch: amd64\npkg: x\n" + line + "\nPASS\n"
            r = ab.parse_bench(out, pat)
            self.assertEqual(r["name"], name)
            self.assertAlmostEqual(r["wall_s"], wall, places=9)
            self.assertAlmostEqual(r["cpu_s"], cpu, places=9)

    def test_missing(self):
        with self.assertRaisesRegex(RuntimeError, "no benchmark result"):
            ab.parse_bench("PASS\n", "^BenchmarkX$")
        with self.assertRaisesRegex(RuntimeError, "no CPU time"):
            ab.parse_bench("BenchmarkX 1 100 ns/op 3 B/op\n", "^BenchmarkX$")

    def test_every_op_has_a_benchmark(self):
        for op, (what, pkg, pattern, target) in ab.OPS.items():
            self.assertIn(pkg, ("train", "distill", "exp"), op)
            self.assertTrue(pattern.startswith("^Benchmark"), op)

    def test_hetcomp_ops(self):
        # The HetComp operations time the benchmarks of hetcomp_bench_test.go
        # and read the HetComp checkout (the plain student DE-RRD's).
        want = {"hetcomp1": "^BenchmarkHetCompEpochPhase1$", "hetcomp2": "^BenchmarkHetCompEpochPhase2$",
                "hetcomp-student": "^BenchmarkHetCompStudentEpoch$"}
        for op, pattern in want.items():
            self.assertEqual(ab.OPS[op][1:3], ("distill", pattern))
        self.assertEqual(ab.checkouts("hetcomp1"), ("hetcomp",))
        self.assertEqual(ab.checkouts("hetcomp-student"), ("de_rrd",))
        self.assertEqual(ab.checkouts("irrrd"), ("de_rrd", "ir_rrd"))
        with open(os.path.join(HERE, "..", "..", "kdlib", "distill", "hetcomp_bench_test.go")) as f:
            bench = f.read()
        for pattern in want.values():
            self.assertIn("func " + pattern.strip("^$") + "(b *testing.B)", bench)


class Records(unittest.TestCase):
    def test_make_row(self):
        d = fixture_doc()
        r = d["rows"][0]
        self.assertEqual((r["op"], r["n"], r["target"]), ("de", 3, 20))
        self.assertEqual((r["authors_cpu_s"], r["authors_wall_s"], r["kdrec_cpu_s"], r["kdrec_wall_s"]), (125.0, 66.0, 4.0, 3.2))
        self.assertEqual((r["authors_peak_rss_mb"], r["kdrec_peak_rss_mb"]), (2048.4, 310.6))
        self.assertEqual(d["started"], "2030-01-02T10:00:00+00:00")
        self.assertNotIn("threads", d["authors"])

    def test_fixture_is_abs(self):
        with open(FIXTURE) as f:
            self.assertEqual(json.load(f), json.loads(json.dumps(fixture_doc())),
                             "ab.py's record format changed: update kdlib/exp (ABRecord) and run test_ab.py --write-fixture")

    def test_write_new_never_overwrites(self):
        doc = fixture_doc()
        with tempfile.TemporaryDirectory() as d:
            p1 = ab.write_new(d, doc)
            self.assertEqual(os.path.basename(p1), "2030-01-02-box.json")
            with open(p1, "w") as f:
                f.write("kept")
            p2 = ab.write_new(d, doc)
            p3 = ab.write_new(d, doc)
            self.assertEqual([os.path.basename(p) for p in (p2, p3)], ["2030-01-02-box-2.json", "2030-01-02-box-3.json"])
            with open(p1) as f:
                self.assertEqual(f.read(), "kept")
            with open(p3) as f:
                self.assertEqual(json.load(f)["rows"][1]["op"], "hetcomp1")

    def test_summary(self):
        s = ab.summary(fixture_doc())
        # 125/4 = 31.25 in CPU, 66/3.2 = 20.6 in wall: the target of 20 is met.
        self.assertIn("| DE epoch at tau=1 (soft phase) | 125 | 66.0 | 4 | 3.2 | 31.2 | 20.6 | ≥ 20× met | 2048 / 311 |", s)
        self.assertNotIn("WARNING", s)
        # The A/B's own threads raise the load: it is not the criterion
        # when the record has the foreign CPU use.
        loaded = fixture_doc()
        loaded["max_load1"] = 3.5
        self.assertNotIn("WARNING", ab.summary(loaded))
        busy = fixture_doc()
        busy["max_foreign_cores"] = 0.8
        self.assertIn("WARNING: the machine was not idle (other processes used up to 0.80 cores", ab.summary(busy))
        # An older record without it falls back to the load.
        old = fixture_doc()
        del old["max_foreign_cores"], old["idle_foreign"]
        old["max_load1"] = 3.5
        self.assertIn("WARNING: the machine was not idle (1-minute load up to 3.50", ab.summary(old))

    def test_foreign_cores(self):
        # 3 s of busy time over 2 s while the measured processes used 2.5 s:
        # the others used 0.25 cores.
        self.assertAlmostEqual(ab.foreign_cores(100.0, 103.0, 2.5, 2.0), 0.25)
        # Tick rounding can make it negative: clamped at 0.
        self.assertEqual(ab.foreign_cores(100.0, 100.5, 0.52, 1.0), 0.0)
        self.assertIsNone(ab.foreign_cores(None, 1.0, 0.0, 1.0))
        self.assertIsNone(ab.foreign_cores(1.0, 2.0, 0.0, 0.0))

    def test_max_foreign(self):
        self.assertEqual(ab.max_foreign([{"foreign_cores": 0.02}, {"foreign_cores": 0.3}]), 0.3)
        # Without /proc/stat there is no reading: no claim of 0 cores,
        # so the record keeps the load criterion.
        self.assertIsNone(ab.max_foreign([{"foreign_cores": None}, {"foreign_cores": None}]))
        self.assertIsNone(ab.max_foreign([{"foreign_cores": 0.02}, {}]))
        self.assertIsNone(ab.max_foreign([]))
        doc = ab.make_doc(datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc),
                          datetime.datetime(2030, 1, 2, 1, tzinfo=datetime.timezone.utc), "box", {}, 2, 1,
                          [3.5, 1, 1], [1, 1, 1], 3.5, 1.0, "", "", None, [], [], ab.max_foreign([{"foreign_cores": None}]), 0.1)
        self.assertNotIn("max_foreign_cores", doc)
        self.assertNotIn("max_steal_cores", doc)
        self.assertTrue(ab.not_idle(doc))
        # The steal time is reported, not judged.
        self.assertEqual(ab.max_foreign([{"steal_cores": 0.0}, {"steal_cores": 0.4}], "steal_cores"), 0.4)
        s = ab.summary(fixture_doc())
        self.assertIn("steal (the host running others while this VM wanted to run): at most 0.02 cores", s)

    def test_run_child_usage(self):
        # run_child reports the child's own CPU time: a sleeping child
        # uses almost none, a spinning one at least what it spun.
        usage = {}
        rc, _, _, _ = ab.run_child([sys.executable, "-c", "import time; time.sleep(0.2)"], HERE, dict(os.environ), 30, usage)
        self.assertEqual(rc, 0)
        self.assertLess(usage["process_cpu_s"], 0.15)
        self.assertGreaterEqual(usage["foreign_cores"], 0.0)
        self.assertGreaterEqual(usage["steal_cores"], 0.0)
        spin = {}
        rc, _, _, _ = ab.run_child([sys.executable, "-c", "import time\nt=time.process_time()\nwhile time.process_time()-t<0.4: pass"],
                                   HERE, dict(os.environ), 30, spin)
        self.assertEqual(rc, 0)
        self.assertGreaterEqual(spin["process_cpu_s"], 0.4)

    def test_host(self):
        self.assertRegex(ab.host(), r"^[A-Za-z0-9_-]+$")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-fixture"]:
        with open(FIXTURE, "w") as f:
            json.dump(fixture_doc(), f, indent=1)
            f.write("\n")
        print("wrote " + FIXTURE)
        sys.exit(0)
    unittest.main()
