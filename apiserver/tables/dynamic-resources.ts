// Tables of the dynamic resource allocation kinds (resource.k8s.io).

import { ageSince } from './duration.ts';
import { ageColumn, column, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

function nameAndAge() {
  return printer([nameColumn, ageColumn], (object: any, now) => [objectName(object), objectAge(object, now)]);
}

export const deviceClassPrinter = nameAndAge();
export const resourceClaimTemplatePrinter = nameAndAge();

/** `deleted`, `pending`, `allocated`, `reserved`, joined with `,` as they apply. */
function claimState(claim: any): string {
  const deleted = Boolean(claim?.metadata?.deletionTimestamp);
  const states: string[] = deleted ? ['deleted'] : [];
  if (!claim?.status?.allocation) {
    if (!deleted) states.push('pending');
  } else {
    states.push('allocated');
    if (claim.status.reservedFor?.length) states.push('reserved');
  }
  return states.join(',');
}

export const resourceClaimPrinter = printer(
  [nameColumn, column('State', 'string', 'Allocation state of the claim.'), ageColumn],
  (claim: any, now) => [objectName(claim), claimState(claim), objectAge(claim, now)],
);

export const resourceSlicePrinter = printer(
  [
    nameColumn,
    column('Node', 'string', 'The node whose devices the slice lists.'),
    column('Driver', 'string', 'The driver that publishes the slice.'),
    column('Pool', 'string', 'The device pool the slice belongs to.'),
    ageColumn,
  ],
  (slice: any, now) => [objectName(slice), text(slice?.spec?.nodeName), text(slice?.spec?.driver), text(slice?.spec?.pool?.name), objectAge(slice, now)],
);

export const deviceTaintRulePrinter = printer(
  [
    nameColumn,
    column('Key', 'string', 'Key of the taint.'),
    column('Value', 'string', 'Value of the taint.'),
    column('Effect', 'string', 'Effect of the taint.'),
    column('TimeAdded', 'string', 'Time since the taint was added.'),
    ageColumn,
  ],
  (rule: any, now) => {
    const taint = rule?.spec?.taint;
    return [objectName(rule), text(taint?.key), text(taint?.value), text(taint?.effect), taint?.timeAdded ? ageSince(taint.timeAdded, now) : '', objectAge(rule, now)];
  },
);
