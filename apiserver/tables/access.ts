// Tables of RoleBindings, ClusterRoleBindings, CertificateSigningRequests and ClusterTrustBundles.

import { humanDuration } from './duration.ts';
import { ageColumn, column, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

/** Subject names by kind; ServiceAccounts as `namespace/name`; other kinds are left out. */
function subjectColumns(subjects: any[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const subject of subjects ?? []) {
    if (subject?.kind === 'User') users.push(text(subject.name));
    else if (subject?.kind === 'Group') groups.push(text(subject.name));
    else if (subject?.kind === 'ServiceAccount') serviceAccounts.push(`${text(subject.namespace)}/${text(subject.name)}`);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

// RoleBindings and ClusterRoleBindings share one printer.
export const roleBindingPrinter = printer(
  [
    nameColumn,
    column('Role', 'string', 'The role granted, as Kind/name.'),
    ageColumn,
    column('Users', 'string', 'Users the role is granted to.', { priority: 1 }),
    column('Groups', 'string', 'Groups the role is granted to.', { priority: 1 }),
    column('ServiceAccounts', 'string', 'Service accounts the role is granted to.', { priority: 1 }),
  ],
  (binding: any, now) => [
    objectName(binding),
    `${text(binding?.roleRef?.kind)}/${text(binding?.roleRef?.name)}`,
    objectAge(binding, now),
    ...subjectColumns(binding?.subjects),
  ],
);

/** Denied, else Approved, else Pending (condition types only), then `,Failed` and `,Issued` when they apply. */
function signingRequestCondition(request: any): string {
  const types = new Set((request?.status?.conditions ?? []).map((c: any) => c?.type));
  let condition = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) condition += ',Failed';
  if (request?.status?.certificate) condition += ',Issued';
  return condition;
}

export const certificateSigningRequestPrinter = printer(
  [
    nameColumn,
    ageColumn,
    column('SignerName', 'string', 'The signer asked to sign the request.'),
    column('Requestor', 'string', 'The user who created the request.'),
    column('RequestedDuration', 'string', 'Validity period asked for.'),
    column('Condition', 'string', 'Approval and issuance state.'),
  ],
  (request: any, now) => {
    const seconds = request?.spec?.expirationSeconds;
    return [
      objectName(request),
      objectAge(request, now),
      request?.spec?.signerName || '<none>',
      text(request?.spec?.username),
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      signingRequestCondition(request),
    ];
  },
);

export const clusterTrustBundlePrinter = printer(
  [nameColumn, column('SignerName', 'string', 'The signer whose trust anchors the bundle holds.')],
  (bundle: any) => [objectName(bundle), bundle?.spec?.signerName || '<none>'],
);
