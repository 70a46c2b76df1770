// The scheduling queue, as kube-scheduler's: an active heap ordered by priority (then arrival), a
// back-off heap for pods that failed recently (1 s doubling to 10 s), and the unschedulable pods,
// which move back when the cluster changes (or after 5 minutes). Pods nominated to nodes by
// preemption are tracked so lower-priority pods leave room for them.
import type { PodInfo } from './pod-info.ts';

export interface QueuedPod {
  info: PodInfo;
  /** When the pod (re)entered the queue: ties of priority go to the oldest. */
  timestamp: number;
  /** Arrival order, for pods queued within the same millisecond. */
  seq: number;
  attempts: number;
  /** When its current back-off ends. */
  backoffExpiry: number;
  /** When it was parked as unschedulable. */
  unschedulableSince: number;
  /** The plugins that rejected it last time: only cluster events that concern them move it. */
  unschedulablePlugins: Set<string>;
}

export const initialBackoffMs = 1000;
export const maxBackoffMs = 10_000;
/** Pods parked longer than this are retried even if nothing changed (podMaxInUnschedulablePodsDuration). */
export const maxUnschedulableMs = 5 * 60_000;

/** A binary heap keyed by pod uid, so entries can be updated or removed in place. */
class PodHeap {
  private readonly items: QueuedPod[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly less: (a: QueuedPod, b: QueuedPod) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(uid: string): boolean {
    return this.index.has(uid);
  }

  get(uid: string): QueuedPod | undefined {
    const at = this.index.get(uid);
    return at === undefined ? undefined : this.items[at];
  }

  peek(): QueuedPod | undefined {
    return this.items[0];
  }

  push(item: QueuedPod): void {
    const existing = this.index.get(item.info.uid);
    if (existing !== undefined) {
      this.items[existing] = item;
      this.fix(existing);
      return;
    }
    this.items.push(item);
    this.index.set(item.info.uid, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): QueuedPod | undefined {
    if (!this.items.length) return undefined;
    const top = this.items[0]!;
    this.removeAt(0);
    return top;
  }

  remove(uid: string): QueuedPod | undefined {
    const at = this.index.get(uid);
    if (at === undefined) return undefined;
    const item = this.items[at]!;
    this.removeAt(at);
    return item;
  }

  values(): QueuedPod[] {
    return [...this.items];
  }

  private removeAt(at: number): void {
    const item = this.items[at]!;
    this.index.delete(item.info.uid);
    const last = this.items.pop()!;
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last.info.uid, at);
      this.fix(at);
    }
  }

  private fix(at: number): void {
    if (!this.up(at)) this.down(at);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(b.info.uid, i);
    this.index.set(a.info.uid, j);
  }

  private up(at: number): boolean {
    let moved = false;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(this.items[at]!, this.items[parent]!)) break;
      this.swap(at, parent);
      at = parent;
      moved = true;
    }
    return moved;
  }

  private down(at: number): void {
    const n = this.items.length;
    while (true) {
      const left = 2 * at + 1;
      if (left >= n) return;
      let child = left;
      if (left + 1 < n && this.less(this.items[left + 1]!, this.items[left]!)) child = left + 1;
      if (!this.less(this.items[child]!, this.items[at]!)) return;
      this.swap(at, child);
      at = child;
    }
  }
}

export function backoffDuration(attempts: number): number {
  return Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.max(0, attempts - 1));
}

export class SchedulingQueue {
  private readonly active = new PodHeap(
    (a, b) => a.info.priority > b.info.priority || (a.info.priority === b.info.priority && (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq))),
  );
  private seq = 0;
  private readonly backoff = new PodHeap((a, b) => a.backoffExpiry < b.backoffExpiry);
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Pods popped and not yet done. */
  private readonly inFlight = new Map<string, QueuedPod>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiter: (() => void) | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private closed = false;
  /** nominatedNodeName of pods waiting for preemption victims to go: node → pods. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNode = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {
    this.flushTimer = setInterval(() => this.flushUnschedulable(), 30_000);
    this.flushTimer.unref?.();
  }

  get cycle(): number {
    return this.schedulingCycle;
  }

  /** A new pod to schedule (or one whose spec changed): straight to the active heap. */
  add(info: PodInfo): void {
    const uid = info.uid;
    const previous = this.backoff.remove(uid) ?? this.unschedulable.get(uid) ?? this.active.get(uid);
    this.unschedulable.delete(uid);
    if (this.inFlight.has(uid)) {
      this.inFlight.get(uid)!.info = info;
      return;
    }
    this.active.push({ info, timestamp: previous?.timestamp ?? this.now(), seq: previous?.seq ?? this.seq++, attempts: previous?.attempts ?? 0, backoffExpiry: 0, unschedulableSince: 0, unschedulablePlugins: new Set() });
    this.wake();
  }

  /**
   * An update of a pod waiting here: keep its place; a parked pod is retried now when its spec or
   * labels changed (`changed`), and only refreshed when just its status did.
   */
  update(info: PodInfo, changed = true): void {
    const uid = info.uid;
    const inActive = this.active.get(uid);
    if (inActive) {
      inActive.info = info;
      this.active.push(inActive);
      return;
    }
    const inBackoff = this.backoff.get(uid);
    if (inBackoff) {
      inBackoff.info = info;
      return;
    }
    const parked = this.unschedulable.get(uid);
    if (parked) {
      parked.info = info;
      if (!changed) return;
      this.unschedulable.delete(uid);
      this.requeue(parked);
      return;
    }
    const flying = this.inFlight.get(uid);
    if (flying) {
      flying.info = info;
      return;
    }
    this.add(info);
  }

  delete(uid: string): void {
    this.active.remove(uid);
    this.backoff.remove(uid);
    this.unschedulable.delete(uid);
    this.inFlight.delete(uid);
    this.setNominated(uid, undefined, undefined);
  }

  has(uid: string): boolean {
    return this.active.has(uid) || this.backoff.has(uid) || this.unschedulable.has(uid) || this.inFlight.has(uid);
  }

  /** The next pod to schedule, or undefined when the active heap is empty. */
  tryPop(): QueuedPod | undefined {
    const item = this.active.pop();
    if (!item) return undefined;
    item.attempts++;
    this.schedulingCycle++;
    this.inFlight.set(item.info.uid, item);
    return item;
  }

  /** Resolves when the active heap has a pod (or the queue closes). */
  async waitForPods(): Promise<void> {
    while (!this.active.size && !this.closed) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  get closedDown(): boolean {
    return this.closed;
  }

  /** The scheduling attempt of this pod is over (bound, assumed, or handed back). */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * A pod that fit nowhere: parked until the cluster changes, unless something changed while it
   * was being scheduled (then it only backs off), as kube-scheduler's moveRequestCycle.
   */
  addUnschedulable(item: QueuedPod, podCycle: number): void {
    this.inFlight.delete(item.info.uid);
    item.timestamp = this.now();
    item.backoffExpiry = item.timestamp + backoffDuration(item.attempts);
    if (this.moveRequestCycle >= podCycle) {
      this.backoff.push(item);
      this.armBackoffTimer();
      return;
    }
    item.unschedulableSince = item.timestamp;
    this.unschedulable.set(item.info.uid, item);
  }

  /** A pod whose attempt failed with an error: retried after its back-off. */
  addBackoff(item: QueuedPod): void {
    this.inFlight.delete(item.info.uid);
    item.timestamp = this.now();
    item.backoffExpiry = item.timestamp + backoffDuration(item.attempts);
    this.backoff.push(item);
    this.armBackoffTimer();
  }

  /** The cluster changed in a way that may help parked pods (`which` picks them; all by default). */
  moveAllToActiveOrBackoff(which?: (item: QueuedPod) => boolean): void {
    for (const [uid, item] of this.unschedulable) {
      if (which && !which(item)) continue;
      this.unschedulable.delete(uid);
      this.requeue(item);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  private requeue(item: QueuedPod): void {
    if (item.backoffExpiry > this.now()) {
      this.backoff.push(item);
      this.armBackoffTimer();
    } else {
      item.timestamp = this.now();
      this.active.push(item);
      this.wake();
    }
  }

  private armBackoffTimer(): void {
    const next = this.backoff.peek();
    if (!next || this.closed) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => this.flushBackoff(), Math.max(0, next.backoffExpiry - this.now()));
    this.backoffTimer.unref?.();
  }

  private flushBackoff(): void {
    this.backoffTimer = undefined;
    const now = this.now();
    let moved = false;
    for (let next = this.backoff.peek(); next && next.backoffExpiry <= now; next = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(next);
      moved = true;
    }
    if (moved) this.wake();
    this.armBackoffTimer();
  }

  private flushUnschedulable(): void {
    const now = this.now();
    for (const [uid, item] of this.unschedulable) {
      if (now - item.unschedulableSince < maxUnschedulableMs) continue;
      this.unschedulable.delete(uid);
      this.requeue(item);
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Records (or clears) the node a pod is nominated to. */
  setNominated(uid: string, nodeName: string | undefined, info: PodInfo | undefined): void {
    const before = this.nominatedNode.get(uid);
    if (before === nodeName) {
      if (nodeName && info) this.nominated.get(nodeName)!.set(uid, info);
      return;
    }
    if (before) {
      const pods = this.nominated.get(before);
      pods?.delete(uid);
      if (pods && !pods.size) this.nominated.delete(before);
      this.nominatedNode.delete(uid);
    }
    if (nodeName && info) {
      this.nominatedNode.set(uid, nodeName);
      let pods = this.nominated.get(nodeName);
      if (!pods) this.nominated.set(nodeName, (pods = new Map()));
      pods.set(uid, info);
    }
  }

  nominatedPods(nodeName: string): Iterable<PodInfo> | undefined {
    return this.nominated.get(nodeName)?.values();
  }

  hasNominatedPods(): boolean {
    return this.nominated.size > 0;
  }

  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.wake();
  }
}
