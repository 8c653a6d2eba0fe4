import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * A benchmark's helper process (subscribers, an SMTP server) that shares none of the measured
 * event loop: this module forked again with `flag=1` in its environment, spoken to over IPC with
 * `{ op }` messages. It answers `{ op: 'up' }` when ready and exits on `{ op: 'close' }`.
 */
export class ChildPeer<ToChild extends { op: string }> {
  private constructor(private readonly cp: ChildProcess) {}

  static async start<T extends { op: string }>(moduleUrl: string, flag: string): Promise<ChildPeer<T>> {
    // the peer stands for the members' machines and mail relay: the hub's allocator tuning
    // (ADR 0048) is the hub's, not theirs
    const { GLIBC_TUNABLES: _hubOnly, ...env } = process.env;
    const cp = fork(fileURLToPath(moduleUrl), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
      env: { ...env, [flag]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p = new ChildPeer<T>(cp);
    await p.next('up');
    return p;
  }

  next<T>(op: string): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: { op: string }): void => {
        if (m.op !== op) return;
        this.cp.off('message', on);
        resolve(m as T);
      };
      this.cp.on('message', on);
    });
  }

  ask<T>(m: ToChild, answer: string): Promise<T> {
    const r = this.next<T>(answer);
    this.cp.send(m);
    return r;
  }

  async close(): Promise<void> {
    if (this.cp.exitCode !== null) return;
    const exited = once(this.cp, 'exit');
    this.cp.send({ op: 'close' });
    await exited;
  }
}
