// Key ranges. A prefix names every key that starts with it; backends compare keys as UTF-8
// bytes (etcd does, and SQLite's BINARY collation does), which orders them by code point.

/**
 * The smallest string above every string that starts with `prefix`, or undefined when there is
 * none (the empty prefix, or one made only of U+10FFFF): the exclusive end of the prefix's range.
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = [...prefix];
  while (codePoints.length) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    // Skip the surrogate block: those code points have no UTF-8 form.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return codePoints.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** The same range as bytes, as etcd wants it: increment the last byte that is not 0xff. */
export function prefixEndBytes(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // No upper bound: etcd reads range_end "\0" as "every key from `key` on".
  return Buffer.from([0]);
}
