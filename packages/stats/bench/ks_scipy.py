#!/usr/bin/env python3
"""Time scipy.stats.ks_2samp on the samples ks.bench.ts wrote (run by it).

Usage: ks_scipy.py DIR N:RUNS [N:RUNS ...]
Reads DIR/x-N.f64 and DIR/y-N.f64 (little-endian float64), times
ks_2samp(x, y) (method='auto', two-sided) in-process with perf_counter after
one untimed warm-up call, and prints one JSON object on stdout:
{"scipy": VERSION, "results": [{"n", "scipyMs", "statistic", "pValue"}]}.
Interpreter start-up and file loading are outside the timed region.
"""
import json
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.stats import ks_2samp


def main():
    directory = sys.argv[1]
    results = []
    for arg in sys.argv[2:]:
        n, runs = (int(part) for part in arg.split(':'))
        x = np.fromfile(f'{directory}/x-{n}.f64', dtype='<f8')
        y = np.fromfile(f'{directory}/y-{n}.f64', dtype='<f8')
        r = ks_2samp(x, y, method='auto')  # warm-up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = ks_2samp(x, y, method='auto')
            times.append((time.perf_counter() - t0) * 1000.0)
        results.append({'n': n, 'scipyMs': statistics.median(times),
                        'statistic': float(r.statistic), 'pValue': float(r.pvalue)})
    print(json.dumps({'scipy': scipy.__version__, 'results': results}))


if __name__ == '__main__':
    main()
