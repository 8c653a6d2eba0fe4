/**
 * Everything the REST API can do, the CLI can do (issue 16): every operation of the composed
 * hub's /api/openapi.json is called by an `isac` command (services/cli/src/command-table.ts) or
 * excused, with a reason, in its short NOT_IN_CLI list; and every command the table names exists.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { ROOT } from '../support/hub-process.js';
import { registerCommands } from '../../services/cli/src/commands/index.js';
import { CLI_OPERATIONS, NOT_IN_CLI, commandNames } from '../../services/cli/src/command-table.js';

describe('the CLI covers the API', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let operations: string[];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-coverage-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: 'coverage-admin-password-1' },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    const res = await fetch(`http://127.0.0.1:${hub.httpPort}/api/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
  });

  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has a command for every operation of /api/openapi.json, or a stated reason not to', () => {
    expect(operations.length).to.be.greaterThan(40);
    const called = new Set(Object.values(CLI_OPERATIONS).flat());
    const missing = operations.filter((op) => !called.has(op as never) && !(op in NOT_IN_CLI));
    expect(missing, `operations without an isac command: ${missing.join(', ')}`).to.deep.equal([]);
    const excusedButCalled = Object.keys(NOT_IN_CLI).filter((op) => called.has(op as never));
    expect(excusedButCalled, 'excused and yet called').to.deep.equal([]);
    const gone = [...called, ...Object.keys(NOT_IN_CLI)].filter((op) => !operations.includes(op));
    expect(gone, 'named operations the hub does not document').to.deep.equal([]);
  });

  it('names only commands the CLI has', () => {
    const program = new Command('isac');
    registerCommands(program, () => {
      throw new Error('no command runs here');
    });
    const names = commandNames(program);
    const unknown = Object.keys(CLI_OPERATIONS).filter((c) => !names.includes(c));
    expect(unknown, `the table names commands isac lacks: ${unknown.join(', ')}`).to.deep.equal([]);
    expect(names).to.include.members([
      'admin user disable',
      'admin org pgp-key set',
      'admin dead-letters drop',
    ]);
  });
});
