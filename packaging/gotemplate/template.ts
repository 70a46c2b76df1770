// A set of associated templates, as Go's *template.Template: parse texts into it, then execute by name.
import { builtinFuncs } from './builtins.ts';
import { type ExecContext, type MissingKey, executeTree } from './exec.ts';
import { quote } from './fmt.ts';
import { isEmptyTree, parseTemplates, type Tree } from './parse.ts';
import type { GoFunc } from './values.ts';

export interface TemplateSetOptions {
  funcs?: Record<string, GoFunc>;
  /** Go's Option("missingkey=…"). */
  missingKey?: MissingKey;
  leftDelim?: string;
  rightDelim?: string;
  /** Limit of nested parentheses in expressions (Go: 10000). */
  maxExpressionDepth?: number;
  /** Name of the set's root template (Go's template.New(name)), used in error messages. */
  name?: string;
  /**
   * Parsed trees by template name and text, shared by sets that have the same functions (trees are
   * immutable once parsed, so renders of the same chart parse each template once).
   */
  parseCache?: Map<string, Map<string, Tree>>;
}

export class TemplateSet implements ExecContext {
  private readonly trees = new Map<string, Tree>();
  private readonly funcs = new Map<string, GoFunc>();
  missingKey: MissingKey;
  private readonly options: TemplateSetOptions;

  constructor(options: TemplateSetOptions = {}) {
    this.options = options;
    this.missingKey = options.missingKey ?? 'default';
    if (options.funcs) this.addFuncs(options.funcs);
  }

  /** Adds or replaces functions (Go's Funcs). */
  addFuncs(funcs: Record<string, GoFunc>): this {
    for (const [name, fn] of Object.entries(funcs)) this.funcs.set(name, fn);
    return this;
  }

  lookupFunc(name: string): GoFunc | undefined {
    return this.funcs.get(name);
  }

  lookupTree(name: string): Tree | undefined {
    return this.trees.get(name);
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  names(): string[] {
    return [...this.trees.keys()];
  }

  /**
   * Parses `text` as the template `name` (Go's t.New(name).Parse(text)): the text becomes `name` and
   * each {{define}} its own template. A later non-empty definition replaces an earlier one.
   */
  parse(name: string, text: string): this {
    const cache = this.options.parseCache;
    const key = `${name}\u0000${text}`;
    let trees = cache?.get(key);
    if (!trees) {
      trees = parseTemplates(name, text, {
        hasFunction: (fn) => this.funcs.has(fn) || Object.prototype.hasOwnProperty.call(builtinFuncs, fn),
        leftDelim: this.options.leftDelim,
        rightDelim: this.options.rightDelim,
        maxExpressionDepth: this.options.maxExpressionDepth,
      });
      if (cache) {
        if (cache.size > 4096) cache.clear();
        cache.set(key, trees);
      }
    }
    for (const [treeName, tree] of trees) {
      const old = this.trees.get(treeName);
      // Go's associate: an empty definition does not replace a non-empty one.
      if (old && isEmptyTree(tree.root) && old.root) continue;
      this.trees.set(treeName, tree);
    }
    return this;
  }

  /** Executes the named template with `data` as dot (Go's ExecuteTemplate). */
  execute(name: string, data: unknown): string {
    const tree = this.trees.get(name);
    if (!tree) throw new Error(`template: no template ${quote(name)} associated with template ${quote(this.options.name ?? name)}`);
    return executeTree(this, tree, name, data);
  }

  /** A copy sharing parsed trees and functions; later parses into either do not affect the other. */
  clone(): TemplateSet {
    const copy = new TemplateSet({ ...this.options, funcs: undefined, missingKey: this.missingKey });
    for (const [name, fn] of this.funcs) copy.funcs.set(name, fn);
    for (const [name, tree] of this.trees) copy.trees.set(name, tree);
    return copy;
  }

  /** "; defined templates are: …" as in Go's error messages. */
  definedTemplates(): string {
    const names = [...this.trees.entries()].filter(([, tree]) => tree.root).map(([name]) => quote(name));
    return names.length ? `; defined templates are: ${names.join(', ')}` : '';
  }
}
