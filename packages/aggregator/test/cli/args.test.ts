import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HELP, parseArgs, UsageError } from '../../src/cli/args.js';

describe('cli', () => {
  describe('parseArgs', () => {
    it('parses serve with every flag', () => {
      assert.deepEqual(
        parseArgs(['serve', '--config', 'm.yaml', '--data-dir', 'd', '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', '--http', ':0']),
        { command: 'serve', config: 'm.yaml', dataDir: 'd', otlp: '127.0.0.1:0', otlpGrpc: '127.0.0.1:0', http: ':0' },
      );
    });

    it('turns the gRPC receiver off with --otlp-grpc off', () => {
      assert.deepEqual(parseArgs(['serve', '--otlp-grpc', 'off']), { command: 'serve', otlpGrpc: false });
    });

    it('gives help for no command, help, and --help on a command', () => {
      assert.deepEqual(parseArgs([]), { command: 'help' });
      assert.deepEqual(parseArgs(['help', 'serve']), { command: 'help', topic: 'serve' });
      assert.deepEqual(parseArgs(['serve', '--help']), { command: 'help', topic: 'serve' });
      assert.match(HELP.serve, /--data-dir DIR/);
    });

    it('passes baseline arguments through untouched', () => {
      assert.deepEqual(parseArgs(['baseline', '--model', 'm', '--input', 'x.csv']), {
        command: 'baseline',
        argv: ['--model', 'm', '--input', 'x.csv'],
      });
    });

    it('names an unknown flag or command', () => {
      assert.throws(() => parseArgs(['serve', '--colour', 'red']), (e: unknown) => e instanceof UsageError && /--colour/.test(e.message));
      assert.throws(() => parseArgs(['frobnicate']), /unknown command "frobnicate"/);
    });
  });
});
