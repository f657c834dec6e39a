#!/usr/bin/env python3
"""Write the baseline builder's input fixtures: one table as Parquet, CSV and JSON Lines.

The Parquet file is written by pyarrow the way data teams write it in practice
(snappy compression, dictionary encoding, several row groups), so the test
proves hyparquet reads a standard writer's output. The CSV and JSON Lines hold
the same rows, so the test can check all three formats give the same baseline.
`expected.json` holds counts, sums and extremes computed here with pyarrow
compute: an oracle independent of the TypeScript code under test.

Usage: pip install pyarrow && python3 packages/aggregator/scripts/make_parquet_fixture.py
"""
import csv
import json
import math
import os
import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'baseline')
ROWS = 2000
ROW_GROUP_SIZE = 500  # -> 4 row groups

rng = random.Random(20240611)


def maybe_null(value, p):
    return None if rng.random() < p else value


rows = []
languages = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ja']
for i in range(ROWS):
    label = rng.choices(['positive', 'negative', 'neutral'], weights=[5, 3, 2])[0]
    rows.append({
        # float with nulls, spread over several binary orders of magnitude
        'age': maybe_null(round(rng.lognormvariate(3.5, 0.4), 3), 0.03),
        # integers, never null
        'text_length': int(rng.expovariate(1 / 120)) + 1,
        # negative, zero and positive values (the histogram's sign handling)
        'balance_delta': maybe_null(0.0 if rng.random() < 0.05 else rng.gauss(0, 50), 0.02),
        # low-cardinality string, dictionary encoded, with nulls
        'language': maybe_null(rng.choice(languages), 0.04),
        # 150 distinct values: past the default bound of 100 categories
        'merchant': f'm{rng.randrange(150):03d}',
        'is_premium': rng.random() < 0.3,
        'label': label,
        'confidence': round(rng.betavariate(8, 2), 6),
    })

schema = pa.schema([
    ('age', pa.float64()),
    ('text_length', pa.int64()),
    ('balance_delta', pa.float64()),
    ('language', pa.string()),
    ('merchant', pa.string()),
    ('is_premium', pa.bool_()),
    ('label', pa.string()),
    ('confidence', pa.float64()),
])
table = pa.Table.from_pylist(rows, schema=schema)
os.makedirs(OUT, exist_ok=True)
pq.write_table(table, os.path.join(OUT, 'rows.parquet'), compression='snappy',
               use_dictionary=True, row_group_size=ROW_GROUP_SIZE)
meta = pq.ParquetFile(os.path.join(OUT, 'rows.parquet')).metadata
assert meta.num_row_groups == ROWS // ROW_GROUP_SIZE, meta.num_row_groups
encodings = meta.row_group(0).column(3).encodings
assert any('DICTIONARY' in e for e in encodings), encodings
assert meta.row_group(0).column(0).compression == 'SNAPPY'


def text(value):
    # repr() of a float is the shortest string that round-trips, as JavaScript's Number() reads it
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return repr(value) if isinstance(value, float) else str(value)


with open(os.path.join(OUT, 'rows.csv'), 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(schema.names)
    for r in rows:
        w.writerow([text(r[c]) for c in schema.names])

with open(os.path.join(OUT, 'rows.jsonl'), 'w') as f:
    for r in rows:
        f.write(json.dumps(r) + '\n')

expected = {'rows': ROWS, 'numeric': {}, 'categorical': {}}
for name in ['age', 'text_length', 'balance_delta']:
    col = table.column(name)
    valid = pc.drop_null(col)
    expected['numeric'][name] = {
        'count': len(valid),
        'missing': col.null_count,
        'sum': pc.sum(valid).as_py(),
        'min': pc.min(valid).as_py(),
        'max': pc.max(valid).as_py(),
        'zeros': pc.sum(pc.equal(valid, 0)).as_py(),
        'negatives': pc.sum(pc.less(valid, 0)).as_py(),
    }
for name in ['language', 'merchant', 'is_premium', 'label']:
    col = table.column(name)
    counts = pc.value_counts(pc.drop_null(col)).to_pylist()
    expected['categorical'][name] = {
        'missing': col.null_count,
        'counts': {text(c['values']): c['counts'] for c in counts},
    }
expected['confidence'] = {'count': len(table.column('confidence')),
                          'sum': pc.sum(table.column('confidence')).as_py()}
assert all(not math.isnan(v) for v in expected['numeric']['age'].values())

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=2, sort_keys=True)
    f.write('\n')
print(f'wrote {ROWS} rows in {meta.num_row_groups} row groups to {os.path.normpath(OUT)}')
