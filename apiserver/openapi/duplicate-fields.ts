// Duplicate object keys in a JSON text. JSON.parse keeps the last value silently; Kubernetes'
// strict decoding reports `duplicate field "spec.replicas"`, so the raw text is scanned once.

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

/** The paths (object keys and array indices) of every key that repeats within its object. */
export function findDuplicateKeys(json: string): PathSegment[][] {
  const duplicates: PathSegment[][] = [];
  // One frame per open container: its keys seen so far (objects) or next index (arrays).
  const frames: { keys?: Set<string>; index: number; key?: PathSegment }[] = [];
  const path = (): PathSegment[] => frames.slice(1).map((f) => f.key!);
  let pendingKey: string | undefined;
  let expectKey = false;
  const length = json.length;
  for (let i = 0; i < length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      // A string: find its end, decoding escapes only when there are any.
      let end = i + 1;
      let escaped = false;
      while (end < length) {
        const d = json.charCodeAt(end);
        if (d === 0x5c) {
          escaped = true;
          end += 2;
          continue;
        }
        if (d === 0x22) break;
        end++;
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(json.slice(i, end + 1)) as string) : json.slice(i + 1, end);
        const frame = frames[frames.length - 1]!;
        if (frame.keys!.has(key)) duplicates.push([...path(), key]);
        else frame.keys!.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = end;
      continue;
    }
    switch (c) {
      case 0x7b: // {
      case 0x5b: {
        // [
        const parent = frames[frames.length - 1];
        const key: PathSegment | undefined = parent === undefined ? undefined : parent.keys ? pendingKey : parent.index;
        frames.push(c === 0x7b ? { keys: new Set(), index: 0, key } : { index: 0, key });
        expectKey = c === 0x7b;
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        frames.pop();
        break;
      case 0x2c: {
        // ,
        const frame = frames[frames.length - 1];
        if (frame?.keys) expectKey = true;
        else if (frame) frame.index++;
        break;
      }
    }
  }
  return duplicates;
}
