#!/usr/bin/env python3
"""Generate packages/stats/test/fixtures/ks-cases.json from scipy.stats.ks_2samp.

scipy is the independent oracle for `ks2Samp`. Small samples are stored
inline; large ones are described by a generator spec (seed, sizes, kind) and
rebuilt bit-for-bit on both sides from the mulberry32 PRNG below, which is
re-implemented identically in test/ks.test.ts. Every generated value is a sum
of multiples of 2^-32 (exact in a double) followed by at most one rounding
multiply/add, so Python and JavaScript produce identical doubles.

Usage: python3 packages/stats/scripts/gen-ks-fixtures.py   (needs numpy, scipy)
"""
import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy.stats import ks_2samp

M32 = 0xFFFFFFFF
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'ks-cases.json')
INLINE_MAX = 200  # store the data when n1 + n2 <= this


def imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    """Yield uniforms k / 2^32 in [0, 1) (the JS mulberry32 PRNG, 32-bit exact)."""
    a = seed & M32
    while True:
        a = (a + 0x6D2B79F5) & M32
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        yield ((t ^ (t >> 14)) & M32) / 4294967296.0


SQRT3 = math.sqrt(3.0)


def draw(rng, kind):
    """One value of the given kind from the uniform stream `rng`."""
    if kind == 'uniform':
        return next(rng)
    # Irwin-Hall(4), centred and scaled to unit variance: the four-term sum is exact.
    s = next(rng) + next(rng) + next(rng) + next(rng)
    z = (s - 2.0) * SQRT3
    if kind == 'normal':
        return z
    if kind == 'ties':
        return float(math.floor(z * 3.0))
    raise ValueError(kind)


def generate(spec):
    """Rebuild (x, y) from a generator spec; mirrored by generateCase() in the tests."""
    rng = mulberry32(spec['seed'])
    kind = spec['kind']
    n1, n2 = spec['n1'], spec['n2']
    if kind == 'copyshift':
        # y is x with every value below `frac` moved up by 1: D is about frac.
        x = [next(rng) for _ in range(n1)]
        frac = spec['frac']
        y = [(v + 1.0 if v < frac else v) for v in x[:n2]]
        return x, y
    x = [draw(rng, kind) for _ in range(n1)]
    y = [draw(rng, kind) * spec.get('scale', 1.0) + spec.get('shift', 0.0) for _ in range(n2)]
    return x, y


def enc(v):
    """JSON has no NaN/Infinity: encode non-finite numbers as strings."""
    v = float(v)
    if math.isfinite(v):
        return v
    if math.isnan(v):
        return 'NaN'
    return 'Infinity' if v > 0 else '-Infinity'


def run_scipy(x, y, alternative, method):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        r = ks_2samp(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
                     alternative=alternative, method=method)
    fell_back = any('Switching to' in str(w.message) for w in caught)
    if fell_back:
        used = 'asymp-fallback'
    elif method == 'auto':
        used = 'exact' if max(len(x), len(y)) <= 10000 else 'asymp'
    else:
        used = method
    return {
        'statistic': enc(r.statistic),
        'pValue': enc(r.pvalue),
        'method': used,
        'location': enc(r.statistic_location),
        'sign': int(r.statistic_sign),
    }


cases = []


def add(name, alternative, method, x=None, y=None, spec=None):
    if spec is not None:
        x, y = generate(spec)
    case = {'name': name, 'alternative': alternative, 'method': method}
    if spec is not None and len(x) + len(y) > INLINE_MAX:
        case['gen'] = spec
    else:
        case['x'] = [enc(v) for v in x]
        case['y'] = [enc(v) for v in y]
    case['expected'] = run_scipy(x, y, alternative, method)
    cases.append(case)


ALTS = ['two-sided', 'less', 'greater']

# 1. Tiny samples, n1, n2 in 1..5, half of them integer-valued (ties).
seed = 1000
for n1 in range(1, 6):
    for n2 in range(1, 6):
        kind = 'ties' if (n1 + n2) % 2 == 0 else 'normal'
        spec = {'seed': seed, 'n1': n1, 'n2': n2, 'kind': kind, 'shift': 0.5}
        seed += 1
        for alt in ALTS:
            for method in ['auto', 'asymp']:
                add(f'tiny {n1}x{n2} {kind}', alt, method, spec=spec)

# 2. Small and medium samples; shifts chosen to reach every branch of kstwo.
small_sizes = [(6, 9), (10, 10), (12, 18), (20, 15), (25, 40), (50, 50), (64, 48),
               (100, 80), (137, 211), (200, 200)]
for idx, (n1, n2) in enumerate(small_sizes):
    for shift in [0.0, 0.4, 1.5]:
        kind = 'ties' if idx % 3 == 2 else 'normal'
        spec = {'seed': 2000 + idx * 10 + int(shift * 10), 'n1': n1, 'n2': n2,
                'kind': kind, 'shift': shift}
        for alt in ALTS:
            for method in ['exact', 'asymp']:
                add(f'small {n1}x{n2} {kind} shift={shift}', alt, method, spec=spec)

# 3. Medium sizes, incl. one-sided exact with unequal sizes on both sides of
#    the point where scipy's path counting overflows and falls back.
for idx, (n1, n2) in enumerate([(500, 500), (300, 700), (600, 420), (510, 500),
                                (1000, 999), (1000, 1000), (2000, 1500)]):
    for kind, shift in [('normal', 0.1), ('ties', 0.0)]:
        spec = {'seed': 3000 + idx * 2 + (kind == 'ties'), 'n1': n1, 'n2': n2,
                'kind': kind, 'shift': shift}
        for alt in ALTS:
            add(f'medium {n1}x{n2} {kind}', alt, 'auto', spec=spec)
for alt in ALTS:
    add('medium 600x420 forced exact', alt, 'exact',
        spec={'seed': 3100, 'n1': 600, 'n2': 420, 'kind': 'normal', 'shift': 0.15})

# 4. Exact at the 'auto' limit (max(n1, n2) <= 10000).
for idx, (n1, n2, shift) in enumerate([(10000, 10000, 0.02), (10000, 9999, 0.03),
                                       (8000, 6000, 0.05), (10000, 2500, 0.0)]):
    spec = {'seed': 4000 + idx, 'n1': n1, 'n2': n2, 'kind': 'normal', 'shift': shift}
    for alt in ALTS:
        add(f'large exact {n1}x{n2}', alt, 'auto', spec=spec)
add('large exact ties 5000x5000', 'two-sided', 'auto',
    spec={'seed': 4100, 'n1': 5000, 'n2': 5000, 'kind': 'ties', 'shift': 0.0})

# 5. Asymptotic beyond 10000, up to 1e5.
for idx, (n1, n2, shift) in enumerate([(100000, 100000, 0.0), (100000, 60000, 0.01),
                                       (20000, 15000, 0.05), (12000, 12000, 0.3)]):
    spec = {'seed': 5000 + idx, 'n1': n1, 'n2': n2, 'kind': 'normal', 'shift': shift}
    for alt in ALTS:
        add(f'asymp {n1}x{n2} shift={shift}', alt, 'auto', spec=spec)
# Forced exact beyond the auto limit, and lcm past int32 (scipy falls back).
add('forced exact 20000x20000', 'two-sided', 'exact',
    spec={'seed': 5100, 'n1': 20000, 'n2': 20000, 'kind': 'normal', 'shift': 0.02})
add('forced exact 15000x12000', 'two-sided', 'exact',
    spec={'seed': 5101, 'n1': 15000, 'n2': 12000, 'kind': 'normal', 'shift': 0.02})
for alt in ALTS:
    add('forced exact lcm > int32 50000x49999', alt, 'exact',
        spec={'seed': 5102, 'n1': 50000, 'n2': 49999, 'kind': 'normal', 'shift': 0.01})
# Tiny D at large effective n: Durbin's matrix branch of kstwo for n > 140.
for n, frac in [(2000, 0.008), (20000, 0.002), (3000, 0.02)]:
    for method in ['asymp', 'auto']:
        add(f'copyshift {n} frac={frac}', 'two-sided', method,
            spec={'seed': 5200 + n, 'n1': n, 'n2': n, 'kind': 'copyshift', 'frac': frac})

# 6. Edge cases.
inf = float('inf')
edge = [
    ('identical samples', [0.5, 1.5, 2.5, 3.5], [0.5, 1.5, 2.5, 3.5]),
    ('all values equal', [7.0] * 6, [7.0] * 4),
    ('disjoint', [1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0]),
    ('infinities', [-inf, 0.0, 1.0, inf], [-inf, -inf, 2.0, 3.0, inf]),
    ('signed zeros', [-0.0, 0.0, 1.0], [0.0, -0.0, -1.0]),
    ('one value each', [1.0], [2.0]),
    ('one value each equal', [3.0], [3.0]),
    ('heavy ties', [1.0] * 10 + [2.0] * 5, [1.0] * 3 + [2.0] * 9 + [3.0] * 2),
]
for name, x, y in edge:
    for alt in ALTS:
        for method in ['auto', 'asymp']:
            add(f'edge {name}', alt, method, x=x, y=y)

check_rng = mulberry32(12345)
check = [next(check_rng) for _ in range(1000)]
doc = {
    'generator': 'packages/stats/scripts/gen-ks-fixtures.py',
    'scipy': scipy.__version__,
    'numpy': np.__version__,
    'prngCheck': {'seed': 12345, 'first': check[:5], 'sum1000': math.fsum(check)},
    'cases': cases,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(doc, f, indent=None, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {len(cases)} cases to {os.path.normpath(OUT)}')

# The distributions on their own: kstwo.sf (two-sided, finite n) and
# scipy.special.smirnov (one-sided) over a grid that reaches every branch.
from scipy.special import smirnov
from scipy.stats import kstwo

grid = []
for n in [1, 2, 3, 5, 10, 37, 100, 140, 141, 500, 1000, 5000, 20000, 100000, 100001,
          500000, 2000000]:
    xs = {0.4 / n, 0.75 / n, 1.0 / n, 1.5 / n, 3.0 / n, 1 - 1.0 / n, 1 - 0.5 / n}
    for z in [0.05, 0.3, 0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 14.0]:
        xs.add(z / math.sqrt(n))
    xs.update([0.01, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99])
    for x in sorted(xs):
        if 0 < x < 1:
            grid.append({'n': n, 'x': x, 'kstwoSf': enc(kstwo.sf(x, n)),
                         'smirnovSf': enc(smirnov(n, x))})
OUT2 = os.path.join(os.path.dirname(OUT), 'ks-distributions.json')
with open(OUT2, 'w') as f:
    json.dump({'generator': doc['generator'], 'scipy': scipy.__version__, 'points': grid},
              f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {len(grid)} distribution points to {os.path.normpath(OUT2)}')
