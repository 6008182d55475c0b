#!/usr/bin/env python3
"""Unit tests of scripts/ab/ab.py's parsing (no torch, no Go needed):
python3 -m unittest discover -s scripts/ab -p 'test_*.py'. scripts/ab-authors.sh --check
runs them first."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab  # noqa: E402


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


if __name__ == "__main__":
    unittest.main()
