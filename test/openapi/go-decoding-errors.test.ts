// The Go library behaviour the decoding checks reproduce, case by case, and the duplicate-key scan.
import { describe, expect, it } from 'vitest';
import { findDuplicateKeys } from '../../apiserver/openapi/duplicate-fields.ts';
import { base64Error, goQuote, quantityError, quantityFormatError, rfc3339Error } from '../../apiserver/openapi/go-decoding-errors.ts';

describe('Go texts', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('spec.replicas')).toBe('"spec.replicas"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\nnl')).toBe('"tab\\there\\nnl"');
    expect(goQuote('\x00\x7f')).toBe('"\\x00\\x7f"');
    expect(goQuote('ünïcode')).toBe('"ünïcode"');
  });

  it("finds base64 errors where Go's decoder does", () => {
    for (const valid of ['', 'YQ==', 'YWI=', 'YWJj', 'YWJjZA==', 'YW\nJj', 'YWJj\r\n']) expect(base64Error(valid), valid).toBeUndefined();
    expect(base64Error('YW*j')).toBe('illegal base64 data at input byte 2'); // a foreign character
    expect(base64Error('YWJjZ')).toBe('illegal base64 data at input byte 4'); // a lone final symbol
    expect(base64Error('YWJjZA')).toBe('illegal base64 data at input byte 4'); // missing padding: the quantum's start
    expect(base64Error('YWJjZA=')).toBe('illegal base64 data at input byte 7'); // half the padding: the end
    expect(base64Error('=YWJ')).toBe('illegal base64 data at input byte 0'); // padding first
    expect(base64Error('YQ==YQ==')).toBe('illegal base64 data at input byte 4'); // data after padding
  });

  it('parses quantities as resource.ParseQuantity does', () => {
    for (const valid of ['0', '1', '100m', '1.5', '.5', '1Gi', '512Mi', '1e3', '1E-3', '+1', '-2k', '1.']) expect(quantityError(valid), valid).toBeUndefined();
    expect(quantityError('')).toBe(quantityFormatError);
    expect(quantityError('abc')).toBe(quantityFormatError);
    expect(quantityError('1 Gi')).toBe(quantityFormatError);
    expect(quantityError('1Qi')).toBe(quantityFormatError);
    expect(quantityError('1Gb')).toBe(quantityFormatError); // 'b' can start no suffix
    expect(quantityError('1Mm')).toBe("unable to parse quantity's suffix");
    expect(quantityError('1mi')).toBe("unable to parse quantity's suffix");
  });

  it('parses RFC 3339 times as time.Parse does', () => {
    for (const valid of ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.5Z', '2024-05-01T10:20:30+02:00', '2024-02-29T00:00:00Z']) expect(rfc3339Error(valid), valid).toBeUndefined();
    expect(rfc3339Error('2024-05-01')).toBe('parsing time "2024-05-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"');
    expect(rfc3339Error('2024-05-01 10:20:30Z')).toBe('parsing time "2024-05-01 10:20:30Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 10:20:30Z" as "T"');
    expect(rfc3339Error('2024-05-01T10:20:30')).toBe('parsing time "2024-05-01T10:20:30" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"');
    expect(rfc3339Error('2023-02-29T00:00:00Z')).toBe('parsing time "2023-02-29T00:00:00Z": day out of range');
    expect(rfc3339Error('2024-05-01T24:00:00Z')).toBe('parsing time "2024-05-01T24:00:00Z": hour out of range');
    expect(rfc3339Error('2024-05-01T10:20:30Zjunk')).toBe('parsing time "2024-05-01T10:20:30Zjunk": extra text: "junk"');
    expect(rfc3339Error('2024-05-01T10:20:30.123456Z', true)).toBeUndefined();
    expect(rfc3339Error('2024-05-01T10:20:30Z', true)).toBe(
      'parsing time "2024-05-01T10:20:30Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    );
  });
});

describe('duplicate keys in JSON text', () => {
  it('finds repeated keys with their paths through objects and arrays', () => {
    expect(findDuplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2},[{"e":1,"e":1}]]},"a":3}')).toEqual([
      ['b', 'c', 0, 'd'],
      ['b', 'c', 1, 0, 'e'],
      ['a'],
    ]);
  });

  it('compares keys after unescaping and ignores look-alikes inside strings', () => {
    expect(findDuplicateKeys('{"a":"{\\"a\\":1}","\\u0061":2, "x" : [ "a", "a" ]}')).toEqual([['a']]);
    expect(findDuplicateKeys('{"k":{"x":1},"l":{"x":1}}')).toEqual([]);
  });
});
