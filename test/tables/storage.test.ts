// Storage tables: PersistentVolumes, PersistentVolumeClaims, StorageClasses, VolumeAttributesClasses and the CSI kinds.

import { describe, expect, it } from 'vitest';
import { ago, cellsOf, meta, samples } from './fixtures.ts';

describe('PersistentVolume', () => {
  it('prints capacity, RWO, policy, phase, claim, class, <unset> attributes class, reason, age and mode', () => {
    expect(cellsOf('', 'persistentvolumes', samples['/persistentvolumes'])).toEqual([
      'pv-1',
      '10Gi',
      'RWO',
      'Retain',
      'Bound',
      'default/data',
      'local-path',
      '<unset>',
      '',
      '5m',
      'Filesystem',
    ]);
  });

  it('abbreviates access modes in fixed order without duplicates', () => {
    const volume = { metadata: meta('pv'), spec: { accessModes: ['ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteMany'] }, status: {} };
    expect(cellsOf('', 'persistentvolumes', volume)[2]).toBe('RWO,ROX,RWX,RWOP');
  });

  it('prints 0 without capacity, Terminating while deleted, an empty claim and <unset> volume mode', () => {
    const volume = { metadata: meta('pv', { deletionTimestamp: ago(3) }), spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released', reason: 'Gone' } };
    const [, capacity, modes, , status, claim, storageClass, , reason, , mode] = cellsOf('', 'persistentvolumes', volume);
    expect({ capacity, modes, status, claim, storageClass, reason, mode }).toEqual({ capacity: '0', modes: '', status: 'Terminating', claim: '', storageClass: '', reason: 'Gone', mode: '<unset>' });
  });

  it('takes the storage class from the beta annotation when present, even empty', () => {
    const volume = (annotations: any) => ({ metadata: meta('pv', { annotations }), spec: { storageClassName: 'fast' }, status: {} });
    expect(cellsOf('', 'persistentvolumes', volume({ 'volume.beta.kubernetes.io/storage-class': 'slow' }))[6]).toBe('slow');
    expect(cellsOf('', 'persistentvolumes', volume({ 'volume.beta.kubernetes.io/storage-class': '' }))[6]).toBe('');
    expect(cellsOf('', 'persistentvolumes', volume({}))[6]).toBe('fast');
  });

  it('prints capacities in canonical form', () => {
    expect(cellsOf('', 'persistentvolumes', { metadata: meta('pv'), spec: { capacity: { storage: '1.5Gi' } } })[1]).toBe('1536Mi');
  });
});

describe('PersistentVolumeClaim', () => {
  it('prints a bound claim', () => {
    expect(cellsOf('', 'persistentvolumeclaims', samples['/persistentvolumeclaims'])).toEqual(['data', 'Bound', 'pv-1', '10Gi', 'RWO', 'local-path', '<unset>', '5m', 'Filesystem']);
  });

  it('prints no capacity or access modes until a volume is bound', () => {
    const claim = {
      metadata: meta('pending'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeAttributesClassName: 'gold' },
      status: { phase: 'Pending' },
    };
    expect(cellsOf('', 'persistentvolumeclaims', claim)).toEqual(['pending', 'Pending', '', '', '', '', 'gold', '5m', '<unset>']);
  });

  it('prints 0 for a bound claim whose status has no capacity, and Terminating while deleted', () => {
    const claim = { metadata: meta('c', { deletionTimestamp: ago(1) }), spec: { volumeName: 'pv-9' }, status: { phase: 'Bound' } };
    expect(cellsOf('', 'persistentvolumeclaims', claim).slice(1, 5)).toEqual(['Terminating', 'pv-9', '0', '']);
  });
});

describe('StorageClass and VolumeAttributesClass', () => {
  it('marks the default class and prints the binding mode and expansion flag', () => {
    expect(cellsOf('storage.k8s.io', 'storageclasses', samples['storage.k8s.io/storageclasses'])).toEqual([
      'local-path (default)',
      'rancher.io/local-path',
      'Delete',
      'WaitForFirstConsumer',
      false,
      '5m',
    ]);
  });

  it('honours the beta default annotation only when exactly "true", and fills in Delete and Immediate', () => {
    const storageClass = (annotations: any) => ({ metadata: meta('sc', { annotations }), provisioner: 'p', allowVolumeExpansion: true });
    expect(cellsOf('storage.k8s.io', 'storageclasses', storageClass({ 'storageclass.beta.kubernetes.io/is-default-class': 'true' }))).toEqual([
      'sc (default)',
      'p',
      'Delete',
      'Immediate',
      true,
      '5m',
    ]);
    expect(cellsOf('storage.k8s.io', 'storageclasses', storageClass({ 'storageclass.kubernetes.io/is-default-class': 'True' }))[0]).toBe('sc');
  });

  it('marks a default VolumeAttributesClass', () => {
    expect(cellsOf('storage.k8s.io', 'volumeattributesclasses', samples['storage.k8s.io/volumeattributesclasses'])).toEqual(['gold', 'csi.example.com', '5m']);
    const marked = { metadata: meta('gold', { annotations: { 'volumeattributesclass.alpha.kubernetes.io/is-default-class': 'true' } }), driverName: 'd' };
    expect(cellsOf('storage.k8s.io', 'volumeattributesclasses', marked)[0]).toBe('gold (default)');
  });
});

describe('CSI kinds', () => {
  it('prints a CSIDriver with its flags, token audiences and modes', () => {
    expect(cellsOf('storage.k8s.io', 'csidrivers', samples['storage.k8s.io/csidrivers'])).toEqual(['csi.example.com', false, true, false, 'vault', false, 'Persistent,Ephemeral', '5m']);
  });

  it('prints a CSIDriver with every default', () => {
    expect(cellsOf('storage.k8s.io', 'csidrivers', { metadata: meta('d'), spec: {} })).toEqual(['d', true, false, false, '<unset>', false, '<none>', '5m']);
  });

  it('prints CSINode driver counts, storage capacities and volume attachments', () => {
    expect(cellsOf('storage.k8s.io', 'csinodes', samples['storage.k8s.io/csinodes'])).toEqual(['node-1', 1, '5m']);
    expect(cellsOf('storage.k8s.io', 'csistoragecapacities', samples['storage.k8s.io/csistoragecapacities'])).toEqual(['cap-1', 'local-path', '100Gi']);
    expect(cellsOf('storage.k8s.io', 'csistoragecapacities', { metadata: meta('c'), storageClassName: 's' })).toEqual(['c', 's', '<unset>']);
    expect(cellsOf('storage.k8s.io', 'volumeattachments', samples['storage.k8s.io/volumeattachments'])).toEqual(['csi-123', 'csi.example.com', 'pv-1', 'node-1', true, '5m']);
  });
});
