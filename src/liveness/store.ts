/** Challenge sessions kept in memory: bounded in number, dropped a while after they expire. */
import { ChallengeSession, type ChallengeOptions } from './challenge.js';

export class ChallengeStore {
  private readonly sessions = new Map<string, ChallengeSession>();

  constructor(private readonly max = 1000, private readonly keepMs = 60_000) {}

  /** A new session; the oldest is dropped when the store is full. */
  create(options: ChallengeOptions): ChallengeSession {
    const now = options.now ?? Date.now();
    this.sweep(now);
    while (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value!);
    const s = new ChallengeSession(options);
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string, now = Date.now()): ChallengeSession | undefined {
    this.sweep(now);
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt + this.keepMs < now) this.sessions.delete(id);
  }
}
