// Ages as kubectl shows them ("5m30s", "3h5m", "2d3h", "3y45d"): the server computes these strings,
// with the rules of k8s.io/apimachinery's HumanDuration, and kubectl prints them verbatim.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A duration in milliseconds as Kubernetes prints it; every division truncates toward zero. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / SECOND);
  // Two seconds of clock skew into the future still reads as "now".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(milliseconds / MINUTE);
  if (minutes < 10) {
    const rest = seconds % 60;
    return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(milliseconds / HOUR);
  if (hours < 8) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const rest = hours % 24;
    return rest === 0 ? `${days}d` : `${days}d${rest}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const rest = days % 365;
    return rest === 0 ? `${years}y` : `${years}y${rest}d`;
  }
  return `${years}y`;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; undefined when absent or unparsable (Go's zero time). */
export function timestampMillis(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const millis = Date.parse(timestamp);
  return Number.isNaN(millis) ? undefined : millis;
}

/** "5m" since a timestamp, or `<unknown>` without one: the AGE cell and every "… ago". */
export function ageSince(timestamp: unknown, now: number): string {
  const millis = timestampMillis(timestamp);
  return millis === undefined ? '<unknown>' : humanDuration(now - millis);
}
