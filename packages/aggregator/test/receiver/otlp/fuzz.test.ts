// Fuzzing of the OTLP decoders on mutations of SDK-encoded payloads (a short
// run; scripts/fuzz-decoders.ts runs 100,000 cases per decoder): every case
// decodes or is rejected with an OtlpDecodeError naming the field, none throws
// anything else, and none takes long. Crashes found by the long run become
// named regression tests below.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz, isDecodeError, mutateBytes, mutateJson, rng, seeds, TARGETS, type Seeds } from './fuzz-cases.js';
import { createHttpReceiver } from '../../../src/receiver/http.js';
import { RecordingSink } from '../recording-sink.js';

const CASES = Number(process.env['MODELWATCH_FUZZ_CASES'] ?? 2000);

describe('otlp decoders under fuzzing', () => {
  let inputs: Seeds;
  before(async () => {
    inputs = await seeds();
  });

  for (const target of TARGETS) {
    it(`${target.name}: ${CASES} mutated SDK payloads decode or are rejected naming the field, never crash`, () => {
      const r = fuzz(target, inputs, CASES, 1, isDecodeError);
      assert.deepEqual(r.crashes, [], `${target.name} crashed`);
      assert.equal(r.unnamed, 0, 'every rejection names what was wrong');
      assert.ok(r.rejected > CASES / 20, `mutations reach the error paths (${r.rejected} rejected)`);
      assert.ok(r.slowestMs < 1000, `slowest case ${r.slowestMs} ms`);
    });
  }

  it('the OTLP/HTTP receiver answers every mutated payload 200 or 400 with a message naming what was wrong, in the request\'s content type', async () => {
    const rx = await createHttpReceiver({ sink: new RecordingSink(), port: 0, maxBodyBytes: 1024 * 1024 });
    try {
      const r = rng(99);
      const statuses = new Map<number, number>();
      for (let i = 0; i < 300; i++) {
        const json = i % 2 === 1;
        const logs = i % 4 >= 2;
        const pool = json ? (logs ? inputs.logsJson : inputs.metricsJson) : logs ? inputs.logsProtobuf : inputs.metricsProtobuf;
        const base = pool[Math.floor(r() * pool.length)] as Uint8Array | string;
        const body = typeof base === 'string' ? mutateJson(base, r) : mutateBytes(base, r);
        const type = json ? 'application/json' : 'application/x-protobuf';
        const res = await fetch(`${rx.url}/v1/${logs ? 'logs' : 'metrics'}`, { method: 'POST', headers: { 'content-type': type }, body });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status === 200 || res.status === 400, `case ${i}: status ${res.status}`);
        assert.equal(res.headers.get('content-type')?.split(';')[0], type, `case ${i}: answered in the request's content type`);
        const text = Buffer.from(await res.arrayBuffer());
        if (res.status === 400) assert.ok(text.length > 0, `case ${i}: a 400 without a message`);
        if (res.status === 400 && json) assert.match(text.toString('utf8'), /"message":"[^"]+"/, `case ${i}`);
      }
      assert.ok((statuses.get(400) ?? 0) > 100, `error paths reached: ${JSON.stringify([...statuses])}`);
    } finally {
      await rx.close();
    }
  });
});
