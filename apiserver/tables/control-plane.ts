// Tables of API server kinds: FlowSchemas, PriorityLevelConfigurations, APIServices,
// StorageVersions and StorageVersionMigrations.

import { listWithMore } from './network.ts';
import { ageColumn, column, integer, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

export const flowSchemaPrinter = printer(
  [
    nameColumn,
    column('PriorityLevel', 'string', 'The priority level requests of this schema are assigned to.'),
    column('MatchingPrecedence', 'string', 'Order in which schemas are matched; lower first.'),
    column('DistinguisherMethod', 'string', 'How requests are split into flows.'),
    ageColumn,
    column('MissingPL', 'string', 'Whether the priority level it references is missing.'),
  ],
  (schema: any, now) => {
    const dangling = (schema?.status?.conditions ?? []).find((c: any) => c?.type === 'Dangling');
    return [
      objectName(schema),
      text(schema?.spec?.priorityLevelConfiguration?.name),
      integer(schema?.spec?.matchingPrecedence),
      schema?.spec?.distinguisherMethod ? text(schema.spec.distinguisherMethod.type) : '<none>',
      objectAge(schema, now),
      dangling ? text(dangling.status) : '?',
    ];
  },
  {
    // Lists are shown in matching order: precedence, then name.
    orderObjects: (schemas) =>
      [...schemas].sort((a, b) => {
        const byPrecedence = integer(a?.spec?.matchingPrecedence) - integer(b?.spec?.matchingPrecedence);
        if (byPrecedence !== 0) return byPrecedence;
        const [nameA, nameB] = [objectName(a), objectName(b)];
        return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
      }),
  },
);

export const priorityLevelConfigurationPrinter = printer(
  [
    nameColumn,
    column('Type', 'string', 'Exempt or Limited.'),
    column('NominalConcurrencyShares', 'string', 'Share of the server\'s concurrency for this level.'),
    column('Queues', 'string', 'Number of queues.'),
    column('HandSize', 'string', 'Queues considered for each flow (shuffle sharding).'),
    column('QueueLengthLimit', 'string', 'Requests a queue may hold.'),
    ageColumn,
  ],
  (level: any, now) => {
    const limited = level?.spec?.limited;
    const queuing = limited?.limitResponse?.queuing;
    return [
      objectName(level),
      text(level?.spec?.type),
      limited ? integer(limited.nominalConcurrencyShares) : '<none>',
      queuing ? integer(queuing.queues) : '<none>',
      queuing ? integer(queuing.handSize) : '<none>',
      queuing ? integer(queuing.queueLengthLimit) : '<none>',
      objectAge(level, now),
    ];
  },
);

function apiServiceAvailability(service: any): string {
  const available = (service?.status?.conditions ?? []).find((c: any) => c?.type === 'Available');
  if (!available) return 'Unknown';
  const status = text(available.status);
  return status !== 'True' && available.reason ? `${status} (${available.reason})` : status;
}

export const apiServicePrinter = printer(
  [
    nameColumn,
    column('Service', 'string', 'The service that serves this API, or Local.'),
    column('Available', 'string', 'Whether the API is reachable.'),
    ageColumn,
  ],
  (service: any, now) => {
    const backend = service?.spec?.service;
    return [
      objectName(service),
      backend ? `${text(backend.namespace)}/${text(backend.name)}` : 'Local',
      apiServiceAvailability(service),
      objectAge(service, now),
    ];
  },
  { alwaysIncludeColumns: true },
);

export const storageVersionPrinter = printer(
  [
    nameColumn,
    column('CommonEncodingVersion', 'string', 'The encoding version every API server agrees on.'),
    column('StorageVersions', 'string', 'Encoding version of each API server.'),
    ageColumn,
  ],
  (version: any, now) => [
    objectName(version),
    typeof version?.status?.commonEncodingVersion === 'string' ? version.status.commonEncodingVersion : '<unset>',
    listWithMore((version?.status?.storageVersions ?? []).map((v: any) => `${text(v?.apiServerID)}=${text(v?.encodingVersion)}`)),
    objectAge(version, now),
  ],
);

export const storageVersionMigrationPrinter = printer(
  [column('Name', 'string', 'Name of the migration.'), column('Resource', 'string', 'The resource being migrated, as resource.version.group.')],
  (migration: any) => {
    const resource = migration?.spec?.resource;
    return [objectName(migration), `${text(resource?.resource)}.${text(resource?.version)}.${text(resource?.group)}`];
  },
);
