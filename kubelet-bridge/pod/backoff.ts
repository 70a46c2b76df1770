// Restart and image-pull back-off per container, as the kubelet does it: the delay starts at 10 s and doubles
// up to 5 minutes; it is forgotten once the container has run (or nothing has failed) for 10 minutes.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** After this long without a failure the next one starts from initialMs again. */
  resetAfterMs: number;
}

export const kubeletBackoff: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

interface Entry {
  delayMs: number;
  /** When the last failure was recorded. */
  lastFailure: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly policy: BackoffPolicy = kubeletBackoff,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failure (a container exit that will be restarted, a failed pull) and returns the delay before the next try. */
  fail(key: string): number {
    const now = this.now();
    const entry = this.entries.get(key);
    const delayMs = !entry || now - entry.lastFailure > this.policy.resetAfterMs ? this.policy.initialMs : Math.min(this.policy.maxMs, entry.delayMs * 2);
    this.entries.set(key, { delayMs, lastFailure: now });
    return delayMs;
  }

  /** Milliseconds until `key` may be tried again (0 = now). */
  remainingMs(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.lastFailure + entry.delayMs - this.now());
  }

  /** The delay of the current back-off period (for messages such as "back-off 20s restarting failed container"). */
  currentDelayMs(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/** "10s", "1m20s", "5m0s": Go's duration format for whole seconds, as kubelet messages show it. */
export function goDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}
