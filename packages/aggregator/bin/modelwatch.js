#!/usr/bin/env node
// The `modelwatch` command. Exits explicitly: a gRPC or HTTP handle left by a
// failed start must not keep the process alive.
import { main } from '../dist/cli/main.js';

process.exit(await main(process.argv.slice(2)));
