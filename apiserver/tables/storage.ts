// Tables of PersistentVolumes, PersistentVolumeClaims, StorageClasses, VolumeAttributesClasses and
// the CSI kinds (CSINode, CSIDriver, CSIStorageCapacity, VolumeAttachment).

import { canonicalQuantity, quantityOrZero } from './quantity.ts';
import { ageColumn, column, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

const accessModeAbbreviations: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** `RWO,ROX,RWX,RWOP`: the modes present, in this fixed order. */
function accessModes(modes: string[] | undefined): string {
  const present = new Set(modes ?? []);
  return accessModeAbbreviations
    .filter(([mode]) => present.has(mode))
    .map(([, short]) => short)
    .join(',');
}

const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

/** The legacy annotation wins over spec.storageClassName whenever it is present, even empty. */
function storageClassOf(object: any): string {
  const annotations = object?.metadata?.annotations;
  if (annotations && Object.hasOwn(annotations, betaStorageClassAnnotation)) return text(annotations[betaStorageClassAnnotation]);
  return text(object?.spec?.storageClassName);
}

function unsetIfMissing(value: unknown): string {
  return typeof value === 'string' ? value : '<unset>';
}

function phaseOrTerminating(object: any): string {
  return object?.metadata?.deletionTimestamp ? 'Terminating' : text(object?.status?.phase);
}

const volumeAttributesClassColumn = column('VolumeAttributesClass', 'string', 'The VolumeAttributesClass the volume uses.');
const volumeModeColumn = column('VolumeMode', 'string', 'Filesystem or raw block device.', { priority: 1 });

export const persistentVolumePrinter = printer(
  [
    nameColumn,
    column('Capacity', 'string', 'Storage capacity of the volume.'),
    column('Access Modes', 'string', 'How the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    column('Status', 'string', 'Phase of the volume.'),
    column('Claim', 'string', 'The claim bound to this volume.'),
    column('StorageClass', 'string', 'The StorageClass the volume belongs to.'),
    volumeAttributesClassColumn,
    column('Reason', 'string', 'Why the volume is in its phase.'),
    ageColumn,
    volumeModeColumn,
  ],
  (volume: any, now) => {
    const spec = volume?.spec;
    const claim = spec?.claimRef ? `${text(spec.claimRef.namespace)}/${text(spec.claimRef.name)}` : '';
    return [
      objectName(volume),
      quantityOrZero(spec?.capacity?.storage),
      accessModes(spec?.accessModes),
      text(spec?.persistentVolumeReclaimPolicy),
      phaseOrTerminating(volume),
      claim,
      storageClassOf(volume),
      unsetIfMissing(spec?.volumeAttributesClassName),
      text(volume?.status?.reason),
      objectAge(volume, now),
      unsetIfMissing(spec?.volumeMode),
    ];
  },
);

export const persistentVolumeClaimPrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Phase of the claim.'),
    column('Volume', 'string', 'The volume bound to the claim.'),
    column('Capacity', 'string', 'Storage capacity of the bound volume.'),
    column('Access Modes', 'string', 'How the bound volume can be mounted.'),
    column('StorageClass', 'string', 'The StorageClass the claim asks for.'),
    volumeAttributesClassColumn,
    ageColumn,
    volumeModeColumn,
  ],
  (claim: any, now) => {
    const spec = claim?.spec;
    // Capacity and modes describe the bound volume: empty until the claim names one.
    const bound = Boolean(spec?.volumeName);
    return [
      objectName(claim),
      phaseOrTerminating(claim),
      text(spec?.volumeName),
      bound ? quantityOrZero(claim?.status?.capacity?.storage) : '',
      bound ? accessModes(claim?.status?.accessModes) : '',
      storageClassOf(claim),
      unsetIfMissing(spec?.volumeAttributesClassName),
      objectAge(claim, now),
      unsetIfMissing(spec?.volumeMode),
    ];
  },
);

function annotationIsTrue(object: any, ...keys: string[]): boolean {
  const annotations = object?.metadata?.annotations;
  return keys.some((key) => annotations?.[key] === 'true');
}

export const storageClassPrinter = printer(
  [
    nameColumn,
    column('Provisioner', 'string', 'The volume plugin that provisions volumes of this class.'),
    column('ReclaimPolicy', 'string', 'Reclaim policy of the volumes it provisions.'),
    column('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    column('AllowVolumeExpansion', 'string', 'Whether its volumes may be resized.'),
    ageColumn,
  ],
  (storageClass: any, now) => {
    const isDefault = annotationIsTrue(storageClass, 'storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class');
    return [
      objectName(storageClass) + (isDefault ? ' (default)' : ''),
      text(storageClass?.provisioner),
      typeof storageClass?.reclaimPolicy === 'string' ? storageClass.reclaimPolicy : 'Delete',
      typeof storageClass?.volumeBindingMode === 'string' ? storageClass.volumeBindingMode : 'Immediate',
      storageClass?.allowVolumeExpansion === true,
      objectAge(storageClass, now),
    ];
  },
);

export const volumeAttributesClassPrinter = printer(
  [nameColumn, column('DriverName', 'string', 'The CSI driver these attributes are for.'), ageColumn],
  (attributesClass: any, now) => {
    const isDefault = annotationIsTrue(attributesClass, 'volumeattributesclass.alpha.kubernetes.io/is-default-class');
    return [objectName(attributesClass) + (isDefault ? ' (default)' : ''), text(attributesClass?.driverName), objectAge(attributesClass, now)];
  },
);

export const csiNodePrinter = printer(
  [nameColumn, column('Drivers', 'integer', 'Number of CSI drivers registered on the node.'), ageColumn],
  (node: any, now) => [objectName(node), node?.spec?.drivers?.length ?? 0, objectAge(node, now)],
);

function flag(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

export const csiDriverPrinter = printer(
  [
    nameColumn,
    column('AttachRequired', 'boolean', 'Whether volumes need an attach step.'),
    column('PodInfoOnMount', 'boolean', 'Whether pod details are passed on mount.'),
    column('StorageCapacity', 'boolean', 'Whether the driver reports storage capacity.'),
    column('TokenRequests', 'string', 'Audiences of the service account tokens passed to the driver.'),
    column('RequiresRepublish', 'boolean', 'Whether volumes are re-published periodically.'),
    column('Modes', 'string', 'Volume lifecycle modes the driver supports.'),
    ageColumn,
  ],
  (driver: any, now) => {
    const spec = driver?.spec;
    const tokenRequests = Array.isArray(spec?.tokenRequests) ? spec.tokenRequests.map((t: any) => text(t?.audience)).join(',') : '<unset>';
    return [
      objectName(driver),
      flag(spec?.attachRequired, true),
      flag(spec?.podInfoOnMount, false),
      flag(spec?.storageCapacity, false),
      tokenRequests,
      flag(spec?.requiresRepublish, false),
      (spec?.volumeLifecycleModes ?? []).join(',') || '<none>',
      objectAge(driver, now),
    ];
  },
);

export const csiStorageCapacityPrinter = printer(
  [
    nameColumn,
    column('StorageClassName', 'string', 'The StorageClass this capacity applies to.'),
    column('Capacity', 'string', 'Capacity available for new volumes.'),
  ],
  (capacity: any) => [
    objectName(capacity),
    text(capacity?.storageClassName),
    capacity?.capacity === undefined || capacity?.capacity === null ? '<unset>' : canonicalQuantity(capacity.capacity),
  ],
);

export const volumeAttachmentPrinter = printer(
  [
    nameColumn,
    column('Attacher', 'string', 'The CSI driver that attaches the volume.', { format: 'name' }),
    column('PV', 'string', 'The persistent volume being attached.'),
    column('Node', 'string', 'The node the volume is attached to.'),
    column('Attached', 'boolean', 'Whether the attach operation succeeded.'),
    ageColumn,
  ],
  (attachment: any, now) => [
    objectName(attachment),
    text(attachment?.spec?.attacher),
    text(attachment?.spec?.source?.persistentVolumeName),
    text(attachment?.spec?.nodeName),
    attachment?.status?.attached === true,
    objectAge(attachment, now),
  ],
);
