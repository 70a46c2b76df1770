import { defineKind } from '../define.ts';

export const volumeAttachments = defineKind({
  group: 'storage.k8s.io',
  kind: 'VolumeAttachment',
  plural: 'volumeattachments',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  status: true,
});
