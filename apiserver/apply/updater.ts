// Field ownership across writes (structured-merge-diff's merge.Updater): `update` records what a
// non-apply write changed and takes those fields from their previous owners; `apply` merges an applied
// configuration, removes the fields its manager stopped applying (unless someone else owns them), and
// reports conflicts with other managers unless forced. Managers are keyed by an opaque identifier;
// each owns a field set recorded at an API version, converted through `converter` when versions differ.

import { FieldSet } from './field-set.ts';
import { compareGoStrings, goQuote } from './go-format.ts';
import { pathString, valuesEqual, type Path } from './path.ts';
import { compare, ensureNamedFieldsAreMembers, merge, reconcileFieldSetWithSchema, removeItems, toFieldSet, type Comparison, type TypedValue } from './typed.ts';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** True for sets written by apply, false for those written by updates. */
  readonly applied: boolean;
}

export type ManagerSets = Map<string, VersionedSet>;

/** Converts a typed value to another API version; throws when it cannot. */
export interface VersionConverter {
  convert(value: TypedValue, version: string): TypedValue;
  /** True for errors meaning "that version no longer exists" (such managers are dropped). */
  isMissingVersionError(error: unknown): boolean;
}

/** The converter for a single stored form: every version reads the same object. */
export const identityConverter: VersionConverter = {
  convert: (value) => value,
  isMissingVersionError: () => false,
};

export interface Conflict {
  manager: string;
  path: Path;
}

/** Apply conflicts (merge.Conflicts), worded as upstream prints them. */
export class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(formatConflicts(conflicts, goQuote));
  }
}

/** One conflict prints alone; several are grouped by manager (managers sorted, paths in set order). */
export function formatConflicts(conflicts: Conflict[], printManager: (manager: string) => string): string {
  if (conflicts.length === 1) return `conflict with ${printManager(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  const byManager = new Map<string, Path[]>();
  for (const c of conflicts) {
    const paths = byManager.get(c.manager) ?? [];
    paths.push(c.path);
    byManager.set(c.manager, paths);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort(compareGoStrings)) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
  }
  return lines.join('\n');
}

export function conflictsFromManagers(sets: ManagerSets): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const manager of [...sets.keys()].sort(compareGoStrings)) {
    for (const path of sets.get(manager)!.set.paths()) conflicts.push({ manager, path });
  }
  return conflicts;
}

export interface UpdaterOptions {
  converter?: VersionConverter;
  /** Per API version: a filter applied to every field set recorded at that version (kube's reset fields). */
  ignoreFilter?: Map<string, (set: FieldSet) => FieldSet>;
  /** Per API version: fields never owned (the older form of ignoreFilter; only one may be given). */
  ignoredFields?: Map<string, FieldSet>;
  /** Return the merged object even when an apply changes nothing. */
  returnInputOnNoop?: boolean;
}

export class UpdaterError extends Error {}

export class Updater {
  private readonly converter: VersionConverter;

  constructor(private readonly options: UpdaterOptions = {}) {
    this.converter = options.converter ?? identityConverter;
    if (options.ignoreFilter && options.ignoredFields) throw new UpdaterError('IgnoreFilter and IgnoreFilter may not both be set');
  }

  private filterFor(version: string): ((set: FieldSet) => FieldSet) | undefined {
    if (this.options.ignoredFields) {
      const ignored = this.options.ignoredFields.get(version);
      return (set) => (ignored ? set.recursiveDifference(ignored) : set);
    }
    return this.options.ignoreFilter?.get(version);
  }

  private filterComparison(c: Comparison, version: string): Comparison {
    const filter = this.filterFor(version);
    if (!filter) return c;
    return { removed: filter(c.removed), modified: filter(c.modified), added: filter(c.added) };
  }

  /**
   * Takes from other managers the fields that changed between `oldObject` and `newObject`; fails with
   * ApplyConflicts when some are owned by others and `force` is false.
   */
  private updateOwnership(oldObject: TypedValue, newObject: TypedValue, version: string, managers: ManagerSets, workflow: string, force: boolean): Comparison {
    const conflicts: ManagerSets = new Map();
    const removed: ManagerSets = new Map();
    let comparison: Comparison;
    try {
      comparison = compare(oldObject, newObject);
    } catch (e) {
      throw new UpdaterError(`failed to compare objects: ${(e as Error).message}`);
    }
    const versions = new Map<string, Comparison>([[version, this.filterComparison(comparison, version)]]);
    comparison = versions.get(version)!;

    for (const [manager, managerSet] of [...managers]) {
      if (manager === workflow) continue;
      let c = versions.get(managerSet.apiVersion);
      if (!c) {
        let versionedOld: TypedValue;
        let versionedNew: TypedValue;
        try {
          versionedOld = this.converter.convert(oldObject, managerSet.apiVersion);
        } catch (e) {
          if (this.converter.isMissingVersionError(e)) {
            managers.delete(manager);
            continue;
          }
          throw new UpdaterError(`failed to convert old object: ${(e as Error).message}`);
        }
        try {
          versionedNew = this.converter.convert(newObject, managerSet.apiVersion);
        } catch (e) {
          if (this.converter.isMissingVersionError(e)) {
            managers.delete(manager);
            continue;
          }
          throw new UpdaterError(`failed to convert new object: ${(e as Error).message}`);
        }
        try {
          c = this.filterComparison(compare(versionedOld, versionedNew), managerSet.apiVersion);
        } catch (e) {
          throw new UpdaterError(`failed to compare objects: ${(e as Error).message}`);
        }
        versions.set(managerSet.apiVersion, c);
      }
      const conflictSet = managerSet.set.intersection(c.modified.union(c.added));
      if (!conflictSet.empty()) conflicts.set(manager, { set: conflictSet, apiVersion: managerSet.apiVersion, applied: false });
      if (!c.removed.empty()) removed.set(manager, { set: c.removed, apiVersion: managerSet.apiVersion, applied: false });
    }

    if (!force && conflicts.size > 0) throw new ApplyConflicts(conflictsFromManagers(conflicts));

    for (const [manager, conflictSet] of conflicts) {
      const m = managers.get(manager)!;
      managers.set(manager, { ...m, set: m.set.difference(conflictSet.set) });
    }
    for (const [manager, removedSet] of removed) {
      const m = managers.get(manager);
      if (m) managers.set(manager, { ...m, set: m.set.difference(removedSet.set) });
    }
    for (const [manager, m] of [...managers]) if (m.set.empty()) managers.delete(manager);
    return comparison;
  }

  /** A non-apply write: `manager` becomes the owner of everything it changed. */
  update(liveObject: TypedValue, newObject: TypedValue, version: string, managers: ManagerSets, manager: string): { object: TypedValue; managers: ManagerSets } {
    const sets = this.reconcileWithSchemaChanges(liveObject, managers);
    const comparison = this.updateOwnership(liveObject, newObject, version, sets, manager, true);
    const previous = sets.get(manager)?.set ?? new FieldSet();
    let set = previous.difference(comparison.removed).union(comparison.modified).union(comparison.added);
    const filter = this.filterFor(version);
    if (filter) set = filter(set);
    if (set.empty()) sets.delete(manager);
    else sets.set(manager, { set, apiVersion: version, applied: false });
    return { object: newObject, managers: sets };
  }

  /**
   * An apply of `config` by `manager`. The object is undefined when nothing changed (unless
   * returnInputOnNoop). Throws ApplyConflicts when other managers own fields it changes.
   */
  apply(liveObject: TypedValue, config: TypedValue, version: string, managers: ManagerSets, manager: string, force: boolean): { object: TypedValue | undefined; managers: ManagerSets } {
    const sets = this.reconcileWithSchemaChanges(liveObject, managers);
    let newObject: TypedValue;
    try {
      newObject = merge(liveObject, config);
    } catch (e) {
      throw new UpdaterError(`failed to merge config: ${(e as Error).message}`);
    }
    const lastSet = sets.get(manager);
    let set: FieldSet;
    try {
      set = toFieldSet(config.value, config.type);
    } catch (e) {
      throw new UpdaterError(`failed to get field set: ${(e as Error).message}`);
    }
    const filter = this.filterFor(version);
    if (filter) set = filter(set);
    sets.set(manager, { set, apiVersion: version, applied: true });
    try {
      newObject = this.prune(newObject, sets, manager, lastSet);
    } catch (e) {
      throw new UpdaterError(`failed to prune fields: ${(e as Error).message}`);
    }
    this.updateOwnership(liveObject, newObject, version, sets, manager, force);
    if (!this.options.returnInputOnNoop && valuesEqual(liveObject.value, newObject.value)) return { object: undefined, managers: sets };
    return { object: newObject, managers: sets };
  }

  /**
   * Removes a field iff `applyingManager` applied it last time, did not apply it this time, and no
   * other manager owns it.
   */
  private prune(merged: TypedValue, managers: ManagerSets, applyingManager: string, lastSet: VersionedSet | undefined): TypedValue {
    if (!lastSet || lastSet.set.empty()) return merged;
    // Nothing can be pruned when the manager still applies everything it applied last time (whatever
    // prune removes, the add-back steps restore); without conversions this skips the whole walk.
    const applying = managers.get(applyingManager)!;
    if (this.converter === identityConverter && lastSet.apiVersion === applying.apiVersion && lastSet.set.difference(applying.set).empty()) return merged;
    const version = lastSet.apiVersion;
    let convertedMerged: TypedValue;
    try {
      convertedMerged = this.converter.convert(merged, version);
    } catch (e) {
      if (this.converter.isMissingVersionError(e)) return merged;
      throw new Error(`failed to convert merged object to last applied version: ${(e as Error).message}`);
    }
    let pruned = removeItems(convertedMerged, ensureNamedFieldsAreMembers(lastSet.set, convertedMerged.type));
    pruned = this.addBackOwnedItems(convertedMerged, pruned, version, managers);
    pruned = this.addBackDanglingItems(convertedMerged, pruned, lastSet);
    return this.converter.convert(pruned, managers.get(applyingManager)!.apiVersion);
  }

  /** Puts back what prune removed but some manager (or the applier's new configuration) owns. */
  private addBackOwnedItems(merged: TypedValue, pruned: TypedValue, prunedVersion: string, managers: ManagerSets): TypedValue {
    const managedAtVersion = new Map<string, FieldSet>();
    for (const m of managers.values()) managedAtVersion.set(m.apiVersion, (managedAtVersion.get(m.apiVersion) ?? new FieldSet()).union(m.set));
    // The pruned version goes first, so conversions never see an object missing required fields.
    const order = [...managedAtVersion.keys()].sort((a, b) => (a === prunedVersion ? -1 : b === prunedVersion ? 1 : 0));
    for (const version of order) {
      const managed = managedAtVersion.get(version)!;
      let m: TypedValue;
      let p: TypedValue;
      try {
        m = this.converter.convert(merged, version);
      } catch (e) {
        if (this.converter.isMissingVersionError(e)) continue;
        throw new Error(`failed add back owned items: failed to convert merged object at version ${version}: ${(e as Error).message}`);
      }
      try {
        p = this.converter.convert(pruned, version);
      } catch (e) {
        if (this.converter.isMissingVersionError(e)) {
          merged = m;
          continue;
        }
        throw new Error(`failed add back owned items: failed to convert pruned object at version ${version}: ${(e as Error).message}`);
      }
      const mergedSet = ensureNamedFieldsAreMembers(toFieldSet(m.value, m.type), m.type);
      const prunedSet = ensureNamedFieldsAreMembers(toFieldSet(p.value, p.type), m.type);
      pruned = removeItems(m, mergedSet.difference(prunedSet.union(ensureNamedFieldsAreMembers(managed, m.type))));
      merged = m;
    }
    return pruned;
  }

  /** Puts back what prune removed that the applier did not own last time (unowned or updaters' fields). */
  private addBackDanglingItems(merged: TypedValue, pruned: TypedValue, lastSet: VersionedSet): TypedValue {
    let convertedPruned: TypedValue;
    try {
      convertedPruned = this.converter.convert(pruned, lastSet.apiVersion);
    } catch (e) {
      if (this.converter.isMissingVersionError(e)) return merged;
      throw new Error(`failed add back dangling items: failed to convert pruned object to last applied version: ${(e as Error).message}`);
    }
    const prunedSet = ensureNamedFieldsAreMembers(toFieldSet(convertedPruned.value, convertedPruned.type), merged.type);
    const mergedSet = ensureNamedFieldsAreMembers(toFieldSet(merged.value, merged.type), merged.type);
    const last = ensureNamedFieldsAreMembers(lastSet.set, merged.type);
    return removeItems(merged, mergedSet.difference(prunedSet).intersection(last));
  }

  /** Managers' sets adjusted to schema changes since they were recorded (a copy; the input is untouched). */
  private reconcileWithSchemaChanges(liveObject: TypedValue, managers: ManagerSets): ManagerSets {
    const result: ManagerSets = new Map();
    for (const [manager, versioned] of managers) {
      let tv: TypedValue;
      try {
        tv = this.converter.convert(liveObject, versioned.apiVersion);
      } catch (e) {
        if (this.converter.isMissingVersionError(e)) continue;
        throw e;
      }
      const reconciled = reconcileFieldSetWithSchema(versioned.set, tv.type);
      result.set(manager, reconciled ? { ...versioned, set: reconciled } : versioned);
    }
    return result;
  }
}
