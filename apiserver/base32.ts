// RFC 4648 base32 (Go's encoding/base32 StdEncoding), unpadded: kube-apiserver names its identity Lease with it,
// and Sprig's b32enc pads it.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The letter's 5-bit value, or -1 when it is not in the alphabet. */
export function base32Value(letter: string): number {
  return alphabet.indexOf(letter);
}
