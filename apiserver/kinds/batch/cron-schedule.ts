// Validates a CronJob schedule the way Kubernetes' cron parser accepts it: five fields or a
// descriptor (@hourly, @every 1h…), optionally with a TZ= prefix (which Kubernetes refuses).
const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const ranges: [number, number, Record<string, number>?][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12, { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }],
  [0, 6, { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }],
];

function fieldError(field: string, [min, max, names]: [number, number, Record<string, number>?]): string | undefined {
  for (const part of field.split(',')) {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^\d+$/.test(step)) return `failed to parse int from ${step}`;
    if (range === '*' || range === '?') continue;
    const bounds = range!.split('-');
    if (bounds.length > 2) return `too many hyphens: ${range}`;
    for (const bound of bounds) {
      const value = /^\d+$/.test(bound) ? Number(bound) : names?.[bound.toLowerCase()];
      if (value === undefined) return `failed to parse int from ${bound}`;
      if (value < min) return `beginning of range (${value}) below minimum (${min}): ${range}`;
      if (value > max) return `end of range (${value}) above maximum (${max}): ${range}`;
    }
  }
  return undefined;
}

/** A description of what is wrong with `schedule`, or undefined when it is valid. */
export function cronScheduleError(schedule: string): string | undefined {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (text.startsWith('@')) {
    if (descriptors.has(text)) return undefined;
    if (text.startsWith('@every ')) return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text) ? undefined : `failed to parse duration ${text}`;
    return `unrecognized descriptor: ${text}`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${text}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldError(fields[i]!, ranges[i]!);
    if (problem) return problem;
  }
  return undefined;
}
