#!/usr/bin/env python3
"""Generate the scipy oracle fixtures for the inverse survival functions the
drift windows' needed sample counts rest on (kstwobign.isf, chi2.isf):
packages/stats/test/fixtures/needed-samples-cases.json.

Usage: python3 packages/stats/scripts/gen-needed-samples-fixtures.py   (needs scipy)
"""
import json
import os

import scipy
from scipy.stats import chi2, kstwobign

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'needed-samples-cases.json')
PS = [0.5, 0.1, 0.05, 0.01, 1e-3, 1e-4, 1e-6, 1e-7, 3e-8, 1e-10, 1e-14]

cases = {
    'generator': 'packages/stats/scripts/gen-needed-samples-fixtures.py',
    'scipy': scipy.__version__,
    'kolmogorovIsf': [{'p': p, 'x': float(kstwobign.isf(p))} for p in PS],
    'chiSquareIsf': [{'p': p, 'dof': dof, 'x': float(chi2.isf(p, dof))} for p in PS for dof in [1, 2, 5, 9, 22, 99]],
}
with open(OUT, 'w') as f:
    json.dump(cases, f)
print(f'wrote {OUT}')
