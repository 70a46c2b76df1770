// The Event table, shared by core/v1 `events` and `events.k8s.io/events` (one storage in Kubernetes).
// An events.k8s.io/v1 object is read through the field mapping Kubernetes uses to convert it
// to the core form (regarding → involvedObject, note → message, deprecated* → legacy fields).

import { ageSince, timestampMillis } from './duration.ts';
import { column, integer, nameColumn, printer, text } from './printer.ts';

interface CoreEventView {
  name: string;
  involvedObject: any;
  message: string;
  type: string;
  reason: string;
  source: any;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: any;
}

function asCoreEvent(event: any): CoreEventView {
  const isEventsApi = typeof event?.apiVersion === 'string' ? event.apiVersion.startsWith('events.k8s.io/') : !event?.involvedObject && Boolean(event?.regarding);
  if (isEventsApi) {
    return {
      name: text(event?.metadata?.name),
      involvedObject: event?.regarding,
      message: text(event?.note),
      type: text(event?.type),
      reason: text(event?.reason),
      source: event?.deprecatedSource,
      reportingController: text(event?.reportingController),
      reportingInstance: text(event?.reportingInstance),
      firstTimestamp: event?.deprecatedFirstTimestamp,
      lastTimestamp: event?.deprecatedLastTimestamp,
      eventTime: event?.eventTime,
      count: integer(event?.deprecatedCount),
      series: event?.series,
    };
  }
  return {
    name: text(event?.metadata?.name),
    involvedObject: event?.involvedObject,
    message: text(event?.message),
    type: text(event?.type),
    reason: text(event?.reason),
    source: event?.source,
    reportingController: text(event?.reportingComponent),
    reportingInstance: text(event?.reportingInstance),
    firstTimestamp: event?.firstTimestamp,
    lastTimestamp: event?.lastTimestamp,
    eventTime: event?.eventTime,
    count: integer(event?.count),
    series: event?.series,
  };
}

function eventCells(object: any, now: number): unknown[] {
  const event = asCoreEvent(object);
  const firstSeen = timestampMillis(event.firstTimestamp) !== undefined ? ageSince(event.firstTimestamp, now) : ageSince(event.eventTime, now);
  let lastSeen = timestampMillis(event.lastTimestamp) !== undefined ? ageSince(event.lastTimestamp, now) : firstSeen;
  let count = event.count;
  if (event.series) {
    lastSeen = ageSince(event.series.lastObservedTime, now);
    count = integer(event.series.count);
  } else if (count === 0) {
    // Events of the newer API that happened once carry no count.
    count = 1;
  }
  const kind = text(event.involvedObject?.kind).toLowerCase();
  const name = text(event.involvedObject?.name);
  const component = text(event.source?.component) || event.reportingController;
  const host = text(event.source?.host) || event.reportingInstance;
  return [
    lastSeen,
    event.type,
    event.reason,
    name ? `${kind}/${name}` : kind,
    text(event.involvedObject?.fieldPath),
    host ? `${component}, ${host}` : component,
    event.message.trim(),
    firstSeen,
    count,
    event.name,
  ];
}

export const eventPrinter = printer(
  [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Normal or Warning.'),
    column('Reason', 'string', 'Short machine-readable reason.'),
    column('Object', 'string', 'The object the event is about.'),
    column('Subobject', 'string', 'The part of the object the event is about.', { priority: 1 }),
    column('Source', 'string', 'The component (and host) that reported the event.', { priority: 1 }),
    column('Message', 'string', 'What happened.'),
    column('First Seen', 'string', 'Time since the event was first observed.', { priority: 1 }),
    column('Count', 'string', 'How many times the event occurred.', { priority: 1 }),
    { ...nameColumn, priority: 1 },
  ],
  eventCells,
);
