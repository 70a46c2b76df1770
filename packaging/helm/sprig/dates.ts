// Go's time.Time and time.Duration for templates: Sprig's date functions, Go layout formatting and
// parsing ("2006-01-02T15:04:05Z07:00"), Duration printing and parsing.
import { type GoFunc, goFunc, GoStruct } from '../../gotemplate/values.ts';

const second = 1_000_000_000n;
const minute = 60n * second;
const hour = 60n * minute;

/** time.Duration (int64 nanoseconds); prints as Go does ("1h2m3s"). */
export class GoDuration extends GoStruct {
  constructor(readonly nanoseconds: bigint) {
    super();
  }
  override get goTypeName(): string {
    return 'time.Duration';
  }
  override get goIsPointer(): boolean {
    return false;
  }
  override goFieldNames(): string[] {
    return [];
  }
  override goString(): string {
    return formatDuration(this.nanoseconds);
  }
  goJson(): unknown {
    return this.nanoseconds;
  }
  override goMethods(): Record<string, GoFunc> {
    return {
      String: goFunc([], () => this.goString()),
      Seconds: goFunc([], () => Number(this.nanoseconds) / 1e9),
      Minutes: goFunc([], () => Number(this.nanoseconds) / 6e10),
      Hours: goFunc([], () => Number(this.nanoseconds) / 3.6e12),
      Milliseconds: goFunc([], () => this.nanoseconds / 1_000_000n),
      Nanoseconds: goFunc([], () => this.nanoseconds),
    };
  }
}

function fraction(v: bigint, digits: number): string {
  let text = v.toString().padStart(digits, '0');
  text = text.replace(/0+$/, '');
  return text ? `.${text}` : '';
}

/** time.Duration.String() */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < second) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${u / 1000n}${fraction(u % 1000n, 3)}µs`;
    else out = `${u / 1_000_000n}${fraction(u % 1_000_000n, 6)}ms`;
  } else {
    const secs = u / second;
    const frac = fraction(u % second, 9);
    u = secs;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

const unitNanos: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: second, m: minute, h: hour };

/** time.ParseDuration */
export function parseDuration(text: string): bigint {
  let s = text;
  const orig = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let total = 0;
  let totalBig = 0n;
  while (s !== '') {
    // µ and μ escaped: one character above U+00FF in the bundle makes V8 keep its whole source (7.5 MB) in two bytes
    // per character.
    const m = /^(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]*)/.exec(s);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
    if (m[3] === '') throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unit = unitNanos[m[3]!];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(orig)}`);
    totalBig += BigInt(m[1] || '0') * unit;
    if (m[2]) total += Number(`0.${m[2]}`) * Number(unit);
    s = s.slice(m[0].length);
  }
  const result = totalBig + BigInt(Math.round(total));
  return neg ? -result : result;
}

// ---- time.Time --------------------------------------------------------------------------------

/** A Go time.Time: an instant plus the zone it is shown in. */
export class GoTime extends GoStruct {
  constructor(
    /** Milliseconds since the epoch. */
    readonly ms: number,
    /** Nanoseconds within the millisecond. */
    readonly extraNanos: number,
    readonly zone: string,
  ) {
    super();
  }
  override get goTypeName(): string {
    return 'time.Time';
  }
  override get goIsPointer(): boolean {
    return false;
  }
  override goFieldNames(): string[] {
    return [];
  }
  override goString(): string {
    return formatTime(this, '2006-01-02 15:04:05.999999999 -0700 MST');
  }
  goJson(): unknown {
    return formatTime(this, '2006-01-02T15:04:05.999999999Z07:00');
  }
  in(zone: string): GoTime {
    return new GoTime(this.ms, this.extraNanos, zone);
  }
  override goMethods(): Record<string, GoFunc> {
    return {
      Format: goFunc(['string'], (layout: string) => formatTime(this, layout)),
      Unix: goFunc([], () => BigInt(Math.floor(this.ms / 1000))),
      UnixNano: goFunc([], () => BigInt(this.ms) * 1_000_000n + BigInt(this.extraNanos)),
      UTC: goFunc([], () => this.in('UTC')),
      Local: goFunc([], () => this.in('Local')),
      Year: goFunc([], () => BigInt(fieldsOf(this).year)),
      String: goFunc([], () => this.goString()),
      Add: goFunc(['any'], (d: unknown) => addDuration(this, d instanceof GoDuration ? d.nanoseconds : BigInt(d as bigint))),
    };
  }
}

function addDuration(t: GoTime, d: bigint): GoTime {
  const totalNanos = BigInt(t.extraNanos) + (d % 1_000_000n);
  const ms = t.ms + Number(d / 1_000_000n) + Number(totalNanos / 1_000_000n);
  return new GoTime(ms, Number(((totalNanos % 1_000_000n) + 1_000_000n) % 1_000_000n), t.zone);
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yday: number;
  offsetSeconds: number;
  abbreviation: string;
}

function zoneOffsetSeconds(ms: number, zone: string): { offset: number; abbreviation: string } {
  if (zone === 'UTC' || zone === '') return { offset: 0, abbreviation: 'UTC' };
  if (zone === 'Local') {
    const offset = -new Date(ms).getTimezoneOffset() * 60;
    const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value;
    return { offset, abbreviation: offset === 0 && (!name || /^(GMT|UTC)$/.test(name)) ? 'UTC' : (name ?? 'UTC') };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    timeZoneName: 'short',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  const offset = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 1000);
  return { offset, abbreviation: parts.find((p) => p.type === 'timeZoneName')?.value ?? zone };
}

function fieldsOf(t: GoTime): Fields {
  const { offset, abbreviation } = zoneOffsetSeconds(t.ms, t.zone);
  const d = new Date(t.ms + offset * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    yday: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86400000) + 1,
    offsetSeconds: offset,
    abbreviation,
  };
}

const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const longMonths = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Go's layout tokens in the order time.nextStdChunk recognizes them. */
const layoutToken =
  /January|Jan|Monday|Mon|MST|2006|06|002|01|1|02|_2|2|15|03|3|04|4|05|5|PM|pm|Z070000|Z07:00:00|Z0700|Z07:00|Z07|-070000|-07:00:00|-0700|-07:00|-07|[.,](?:0+|9+)(?!\d)/g;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatOffset(offset: number, token: string): string {
  if (offset === 0 && token.startsWith('Z')) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = pad(abs % 60, 2);
  const body = token.replace(/^[Z-]/, '');
  switch (body) {
    case '070000':
      return `${sign}${hh}${mm}${ss}`;
    case '07:00:00':
      return `${sign}${hh}:${mm}:${ss}`;
    case '0700':
      return `${sign}${hh}${mm}`;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    default:
      return `${sign}${hh}`;
  }
}

/** time.Time.Format */
export function formatTime(t: GoTime, layout: string): string {
  const f = fieldsOf(t);
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1_000_000 + t.extraNanos;
  return layout.replace(layoutToken, (token) => {
    switch (token) {
      case 'January':
        return longMonths[f.month - 1]!;
      case 'Jan':
        return longMonths[f.month - 1]!.slice(0, 3);
      case 'Monday':
        return longDays[f.weekday]!;
      case 'Mon':
        return longDays[f.weekday]!.slice(0, 3);
      case 'MST':
        return f.abbreviation;
      case '2006':
        return pad(f.year, 4);
      case '06':
        return pad(f.year % 100, 2);
      case '002':
        return pad(f.yday, 3);
      case '01':
        return pad(f.month, 2);
      case '1':
        return String(f.month);
      case '02':
        return pad(f.day, 2);
      case '_2':
        return String(f.day).padStart(2, ' ');
      case '2':
        return String(f.day);
      case '15':
        return pad(f.hour, 2);
      case '03':
        return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
      case '3':
        return String(f.hour % 12 === 0 ? 12 : f.hour % 12);
      case '04':
        return pad(f.minute, 2);
      case '4':
        return String(f.minute);
      case '05':
        return pad(f.second, 2);
      case '5':
        return String(f.second);
      case 'PM':
        return f.hour >= 12 ? 'PM' : 'AM';
      case 'pm':
        return f.hour >= 12 ? 'pm' : 'am';
    }
    if (/^[Z-]/.test(token)) return formatOffset(f.offsetSeconds, token);
    // Fractional seconds: .000 keeps zeros, .999 trims them.
    const digits = token.length - 1;
    const text = pad(nanos, 9).slice(0, digits);
    if (token[1] === '0') return token[0] + text;
    const trimmed = text.replace(/0+$/, '');
    return trimmed ? token[0] + trimmed : '';
  });
}

/** time.ParseInLocation for the layout tokens charts use. */
export function parseTime(layout: string, value: string, zone: string): GoTime {
  const groups: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of layout.matchAll(layoutToken)) {
    pattern += m.index! > last ? escapeRegExp(layout.slice(last, m.index)) : '';
    last = m.index! + m[0].length;
    const token = m[0];
    groups.push(token);
    switch (token) {
      case 'January':
        pattern += `(${longMonths.join('|')})`;
        break;
      case 'Jan':
        pattern += `(${longMonths.map((x) => x.slice(0, 3)).join('|')})`;
        break;
      case 'Monday':
        pattern += `(${longDays.join('|')})`;
        break;
      case 'Mon':
        pattern += `(${longDays.map((x) => x.slice(0, 3)).join('|')})`;
        break;
      case 'MST':
        pattern += '([A-Z]{3,5}|[+-]\\d+)';
        break;
      case '2006':
        pattern += '(\\d{4})';
        break;
      case '_2':
        pattern += ' ?(\\d{1,2})';
        break;
      case '002':
        pattern += '(\\d{3})';
        break;
      case 'PM':
      case 'pm':
        pattern += '(AM|PM|am|pm)';
        break;
      default:
        if (/^[Z-]/.test(token)) pattern += '(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)';
        else if (/^[.,]/.test(token)) pattern += `(?:[.,](\\d+))?`;
        else if (token.length === 2) pattern += '(\\d{2})';
        else pattern += '(\\d{1,2})';
    }
  }
  pattern += escapeRegExp(layout.slice(last));
  const m = new RegExp(`^${pattern}$`).exec(value);
  if (!m) throw new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`);
  let year = 0;
  let month = 1;
  let day = 1;
  let hour24 = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  groups.forEach((token, i) => {
    const v = m[i + 1];
    if (v === undefined) return;
    switch (token) {
      case 'January':
        month = longMonths.indexOf(v) + 1;
        break;
      case 'Jan':
        month = longMonths.findIndex((x) => x.startsWith(v)) + 1;
        break;
      case '2006':
        year = Number(v);
        break;
      case '06':
        year = Number(v) + (Number(v) >= 69 ? 1900 : 2000);
        break;
      case '01':
      case '1':
        month = Number(v);
        break;
      case '02':
      case '_2':
      case '2':
        day = Number(v);
        break;
      case '15':
        hour24 = Number(v);
        break;
      case '03':
      case '3':
        hour24 = Number(v) % 12;
        break;
      case '04':
      case '4':
        min = Number(v);
        break;
      case '05':
      case '5':
        sec = Number(v);
        break;
      case 'PM':
      case 'pm':
        pm = v.toUpperCase() === 'PM';
        break;
      default:
        if (/^[Z-]/.test(token)) {
          if (v === 'Z') offset = 0;
          else {
            const digits = v.slice(1).replace(/:/g, '');
            offset = (v[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0));
          }
        } else if (/^[.,]/.test(token)) nanos = Number(v.padEnd(9, '0').slice(0, 9));
    }
  });
  if (pm) hour24 += 12;
  if (month < 1 || month > 12) throw new Error(`parsing time ${JSON.stringify(value)}: month out of range`);
  const local = Date.UTC(year, month - 1, day, hour24, min, sec);
  let ms: number;
  if (offset !== undefined) ms = local - offset * 1000;
  else {
    // Interpret the wall clock in the zone: correct by the zone's offset at that instant.
    const guess = zoneOffsetSeconds(local, zone).offset;
    ms = local - guess * 1000;
  }
  return new GoTime(ms + Math.floor(nanos / 1_000_000), nanos % 1_000_000, offset !== undefined && offset === 0 && zone !== 'Local' ? 'UTC' : zone);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function now(): GoTime {
  const ms = Date.now();
  return new GoTime(ms, 0, 'Local');
}

/** sprig's date argument: a time.Time, or Unix seconds as an int; anything else means now. */
function timeArg(date: unknown): GoTime {
  if (date instanceof GoTime) return date;
  if (typeof date === 'bigint') return new GoTime(Number(date) * 1000, 0, 'Local');
  return now();
}

function validZone(zone: string): string {
  if (zone === 'Local' || zone === 'UTC' || zone === '') return zone || 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

function dateInZone(layout: string, date: unknown, zone: string): string {
  return formatTime(timeArg(date).in(validZone(zone)), layout);
}

function durationRound(value: unknown): string {
  let d: bigint;
  if (typeof value === 'string') {
    try {
      d = parseDuration(value);
    } catch {
      d = 0n;
    }
  } else if (typeof value === 'bigint') d = value;
  else if (value instanceof GoDuration) d = value.nanoseconds;
  else if (value instanceof GoTime) d = BigInt(Date.now() - value.ms) * 1_000_000n;
  else d = 0n;
  const u = d < 0n ? -d : d;
  const day = 24n * hour;
  const units: [bigint, string][] = [
    [365n * day, 'y'],
    [30n * day, 'mo'],
    [day, 'd'],
    [hour, 'h'],
    [minute, 'm'],
    [second, 's'],
  ];
  for (const [size, name] of units) if (u > size) return `${u / size}${name}`;
  return '0s';
}

export const dateFuncs: Record<string, GoFunc> = {
  now: goFunc([], now),
  date: goFunc(['string', 'any'], (layout: string, date: unknown) => dateInZone(layout, date, 'Local')),
  date_in_zone: goFunc(['string', 'any', 'string'], dateInZone),
  dateInZone: goFunc(['string', 'any', 'string'], dateInZone),
  htmlDate: goFunc(['any'], (date: unknown) => dateInZone('2006-01-02', date, 'Local')),
  htmlDateInZone: goFunc(['any', 'string'], (date: unknown, zone: string) => dateInZone('2006-01-02', date, zone)),
  toDate: goFunc(['string', 'string'], (layout: string, value: string) => {
    try {
      return parseTime(layout, value, 'Local');
    } catch {
      return new GoTime(Date.UTC(1, 0, 1), 0, 'UTC');
    }
  }),
  mustToDate: goFunc(['string', 'string'], (layout: string, value: string) => parseTime(layout, value, 'Local')),
  unixEpoch: goFunc(['any'], (date: unknown) => String(Math.floor(timeArg(date).ms / 1000))),
  dateModify: goFunc(['string', 'any'], (fmt: string, date: unknown) => {
    try {
      return addDuration(timeArg(date), parseDuration(fmt));
    } catch {
      return timeArg(date);
    }
  }),
  date_modify: goFunc(['string', 'any'], (fmt: string, date: unknown) => {
    try {
      return addDuration(timeArg(date), parseDuration(fmt));
    } catch {
      return timeArg(date);
    }
  }),
  mustDateModify: goFunc(['string', 'any'], (fmt: string, date: unknown) => addDuration(timeArg(date), parseDuration(fmt))),
  must_date_modify: goFunc(['string', 'any'], (fmt: string, date: unknown) => addDuration(timeArg(date), parseDuration(fmt))),
  ago: goFunc(['any'], (date: unknown) => {
    const since = BigInt(Math.round((Date.now() - timeArg(date).ms) / 1000)) * second;
    return formatDuration(since);
  }),
  duration: goFunc(['any'], (sec: unknown) => {
    let n = 0n;
    if (typeof sec === 'string') n = /^[+-]?\d+$/.test(sec) ? BigInt(sec) : 0n;
    else if (typeof sec === 'bigint') n = sec;
    return formatDuration(n * second);
  }),
  durationRound: goFunc(['any'], durationRound),
};
