// The type model server-side apply walks objects with (structured-merge-diff's schema package):
// an atom is a scalar, a list and/or a map; lists are atomic or associative (a set, or a map keyed by
// `keys`); maps are structs with named fields and/or maps with an element type, granular ("separable")
// or atomic. Types refer to each other lazily (schemas are recursive), and a type with all three
// atoms is "untyped": it takes the shape of the value it meets.

import type { JsonValue } from './go-format.ts';

export type ScalarType = 'numeric' | 'string' | 'boolean' | 'untyped';
export type ElementRelationship = 'associative' | 'atomic' | 'separable';

export interface StructField {
  readonly type: TypeRef;
  readonly default?: JsonValue;
}

export interface MapAtom {
  readonly fields: ReadonlyMap<string, StructField>;
  /** The type of entries that are not named fields; undefined means such entries are not allowed. */
  readonly elementType: TypeRef | undefined;
  /** '' (unset) behaves as separable. */
  readonly elementRelationship: ElementRelationship | '';
}

export interface ListAtom {
  readonly elementType: TypeRef;
  readonly elementRelationship: ElementRelationship | '';
  readonly keys: readonly string[];
}

export interface Atom {
  readonly scalar?: ScalarType;
  readonly list?: ListAtom;
  readonly map?: MapAtom;
}

/**
 * A reference to a type, resolved on first use. `name` is set for named types (so that two references
 * to the same named type compare equal); `atom` is undefined when the name cannot be resolved.
 */
export class TypeRef {
  private resolved: Atom | null | undefined;

  constructor(
    private readonly resolver: () => Atom | undefined,
    readonly name?: string,
  ) {}

  static inline(atom: Atom): TypeRef {
    const ref = new TypeRef(() => atom);
    ref.resolved = atom;
    return ref;
  }

  get atom(): Atom | undefined {
    if (this.resolved === undefined) this.resolved = this.resolver() ?? null;
    return this.resolved ?? undefined;
  }

  sameTypeAs(other: TypeRef): boolean {
    return this === other || (this.name !== undefined && this.name === other.name);
  }

  describe(): string {
    return this.name ?? 'inlined type';
  }
}

const untypedAtomic: TypeRef = new TypeRef(
  () => ({
    scalar: 'untyped',
    list: { elementType: untypedAtomic, elementRelationship: 'atomic', keys: [] },
    map: { fields: new Map(), elementType: untypedAtomic, elementRelationship: 'atomic' },
  }),
  '__untyped_atomic_',
);

const untypedDeduced: TypeRef = new TypeRef(
  () => ({
    scalar: 'untyped',
    list: { elementType: untypedAtomic, elementRelationship: 'atomic', keys: [] },
    map: { fields: new Map(), elementType: untypedDeduced, elementRelationship: 'separable' },
  }),
  '__untyped_deduced_',
);

/** Anything, compared and owned as a whole. */
export const untypedAtomicType = untypedAtomic;
/** The type used when a kind has no schema: maps are granular, lists atomic. */
export const deducedType = untypedDeduced;

/** The same atom with a different element relationship (a `x-kubernetes-map-type` on a reference). */
export function withElementRelationship(atom: Atom, relationship: ElementRelationship): Atom | undefined {
  if (atom.map) return { ...atom, map: { ...atom.map, elementRelationship: relationship } };
  if (atom.list) return { ...atom, list: { ...atom.list, elementRelationship: relationship } };
  return undefined;
}

export function isUntypedDeducedRef(ref: TypeRef | undefined): boolean {
  if (!ref) return false;
  if (ref.name !== undefined) return ref.name === '__untyped_deduced_';
  return ref.atom?.scalar === 'untyped';
}

export function isUntypedDeducedMap(map: MapAtom): boolean {
  return isUntypedDeducedRef(map.elementType) && map.fields.size === 0;
}
