/**
 * A wake-up call between components of one process (the ingest pipeline tells the dispatcher
 * that jobs are waiting). Losing a signal is harmless: workers also poll.
 */
export class Signal {
  private readonly listeners = new Set<() => void>();
  notify(): void {
    for (const l of this.listeners) l();
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
