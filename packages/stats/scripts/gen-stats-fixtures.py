#!/usr/bin/env python3
"""Generate the scipy/numpy oracle fixtures for chi-square, Jensen-Shannon,
Wasserstein, PSI and the Kolmogorov limit distribution:
packages/stats/test/fixtures/stats-cases.json.

Every case stores its inputs inline (Python's float repr round-trips exactly
through JSON), so the TypeScript tests need no generator of their own.

Usage: python3 packages/stats/scripts/gen-stats-fixtures.py   (needs numpy, scipy)
"""
import json
import os

import numpy as np
import scipy
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2, chi2_contingency, kstwobign, wasserstein_distance

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'stats-cases.json')
PSI_FLOOR = 1e-4  # must equal PSI_FLOOR in src/psi.ts
rng = np.random.default_rng(20240611)


def chi_square_cases():
    cases = []
    for i in range(60):
        k = int(rng.integers(2, 21))
        scale = [5, 50, 1000, 1e6][i % 4]
        ref = rng.poisson(rng.uniform(0.2, 3.0, k) * scale / 3).astype(float)
        cur = rng.poisson(rng.uniform(0.2, 3.0, k) * scale / 3).astype(float)
        if i % 10 == 3:
            ref[0] = 0  # a category seen only in the current window
        if i % 10 == 7 and k > 2:
            ref[1] = cur[1] = 0  # a category seen in neither: dropped, as documented
        if ref.sum() == 0 or cur.sum() == 0:
            continue
        keep = (ref + cur) > 0
        table = np.vstack([ref[keep], cur[keep]])
        if table.shape[1] < 2:
            continue
        res = chi2_contingency(table, correction=False)
        cases.append({'reference': ref.tolist(), 'current': cur.tolist(),
                      'statistic': float(res[0]), 'pValue': float(res[1]), 'dof': int(res[2])})
    return cases


def js_cases():
    cases = []
    for i in range(60):
        k = int(rng.integers(1, 51))
        p = rng.uniform(0, 1, k) * (rng.uniform(0, 1, k) > 0.2)
        q = rng.uniform(0, 1, k) * (rng.uniform(0, 1, k) > 0.2)
        if i % 6 == 1:
            p = rng.poisson(20, k).astype(float)  # counts, not proportions
            q = rng.poisson(20, k).astype(float)
        if i % 15 == 2:
            q = p.copy()  # identical: distance 0
        if i % 15 == 4 and k >= 2:
            p = np.zeros(k); q = np.zeros(k); p[0] = 1; q[1] = 3  # disjoint: distance 1
        if p.sum() == 0:
            p[0] = 1.0
        if q.sum() == 0:
            q[-1] = 1.0
        cases.append({'p': p.tolist(), 'q': q.tolist(), 'distance': float(jensenshannon(p, q, base=2))})
    return cases


def wasserstein_cases():
    cases = []
    for i in range(60):
        n = int(rng.integers(1, 400))
        m = int(rng.integers(1, 400))
        kind = i % 4
        if kind == 0:
            x = rng.normal(0, 1, n); y = rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 2), m)
        elif kind == 1:
            x = rng.integers(0, 10, n).astype(float); y = rng.integers(0, 12, m).astype(float)  # ties
        elif kind == 2:
            x = rng.lognormal(0, 1, n) * 1e3; y = rng.lognormal(0.2, 1, m) * 1e3
        else:
            x = rng.uniform(-5, 5, n); y = rng.uniform(-4, 6, m)
        sd = float(np.std(x))
        w = float(wasserstein_distance(x, y))
        cases.append({'x': x.tolist(), 'y': y.tolist(), 'distance': w,
                      'normalized': (w / sd) if sd > 0 else None})
    return cases


def psi_reference(e, a):
    e = np.asarray(e, float); a = np.asarray(a, float)
    e = e / e.sum(); a = a / a.sum()
    e = np.where(e == 0, PSI_FLOOR, e)
    a = np.where(a == 0, PSI_FLOOR, a)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_cases():
    cases = []
    for i in range(60):
        k = int(rng.integers(2, 21))
        e = rng.poisson(rng.uniform(1, 50), k).astype(float)
        a = rng.poisson(rng.uniform(1, 50), k).astype(float)
        if i % 5 == 0:
            e = e / max(e.sum(), 1)  # proportions
        if i % 7 == 0:
            a[0] = 0  # an emptied bin, floored
        if e.sum() == 0:
            e[0] = 1
        if a.sum() == 0:
            a[-1] = 1
        n = int(rng.integers(10, 100000)); m = int(rng.integers(10, 100000))
        value = psi_reference(e, a)
        cases.append({'expected': e.tolist(), 'actual': a.tolist(), 'psi': value, 'n': n, 'm': m, 'bins': k,
                      'pValue': float(chi2.sf(value * n * m / (n + m), k - 1))})
    return cases


def kolmogorov_cases():
    xs = [0.05, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.99, 1.0, 1.01, 1.1, 1.2, 1.3, 1.36, 1.5, 1.63, 1.8, 2.0,
          2.5, 3.0, 3.5, 4.0, 5.0, 6.0] + [float(v) for v in rng.uniform(0.1, 4.0, 26)]
    return [{'x': x, 'sf': float(kstwobign.sf(x))} for x in xs]


def main():
    out = {
        'generator': 'packages/stats/scripts/gen-stats-fixtures.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__},
        'psiFloor': PSI_FLOOR,
        'chiSquare': chi_square_cases(),
        'jensenShannon': js_cases(),
        'wasserstein': wasserstein_cases(),
        'psi': psi_cases(),
        'kolmogorovLimit': kolmogorov_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f"wrote {OUT}: " + ', '.join(f"{k} {len(v)}" for k, v in out.items() if isinstance(v, list)))


if __name__ == '__main__':
    main()
