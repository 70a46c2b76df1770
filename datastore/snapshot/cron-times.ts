// The times a cron expression fires, in the server's local time. node-cron parses the expression; the next time is
// found here from Date's own local-time fields. node-cron finds it through Intl.DateTimeFormat, which maps ICU's
// locale data into the process: that alone made an idle server 6-20 MB bigger.
import cron from 'node-cron';

/** The allowed values of each field, as node-cron expands them (6 fields: a 5-field expression fires at second 0). */
export interface CronFields {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
}

/** The expanded fields, or undefined when the expression uses node-cron's day tokens (L, W, #), which this does not walk. */
export function cronFields(expression: string): CronFields | undefined {
  const parsed = cron.parse(expression) as unknown as Record<keyof CronFields, (number | string)[]>;
  const fields = {} as CronFields;
  for (const name of ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const) {
    const values = parsed[name];
    if (!values.every((value) => typeof value === 'number')) return undefined;
    fields[name] = [...(values as number[])].sort((a, b) => a - b);
  }
  return fields;
}

/** Days looked at: the calendar repeats its days of week every 28 years (a Monday the 29th of February included). */
const searchDays = 366 * 29;

/**
 * The first time strictly after `after` (whole seconds) the fields allow; day of month and day of week must both
 * match, as node-cron has it. A time that does not exist locally (skipped by a daylight-saving change) is skipped.
 */
export function nextCronTime(fields: CronFields, after: Date): Date | undefined {
  const from = new Date(Math.floor(after.getTime() / 1000) * 1000);
  let day = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  for (let i = 0; i < searchDays; i++, day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1)) {
    if (!fields.month.includes(day.getMonth() + 1) || !fields.dayOfMonth.includes(day.getDate()) || !fields.dayOfWeek.includes(day.getDay())) continue;
    const first = i === 0 ? from.getHours() * 3600 + from.getMinutes() * 60 + from.getSeconds() : -1;
    for (const hour of fields.hour) {
      if (hour * 3600 + 3599 <= first) continue;
      for (const minute of fields.minute) {
        if (hour * 3600 + minute * 60 + 59 <= first) continue;
        for (const second of fields.second) {
          if (hour * 3600 + minute * 60 + second <= first) continue;
          const time = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute, second);
          if (time.getHours() === hour && time.getMinutes() === minute && time > from) return time;
        }
      }
    }
  }
  return undefined;
}
