// The executor of Go's text/template (text/template/exec.go) over the values of values.ts.
import { builtinFuncs } from './builtins.ts';
import { formatV, quote } from './fmt.ts';
import type { BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode, TemplateNode, Tree, VariableNode } from './parse.ts';
import { nodeString } from './parse.ts';
import { GoComplex, type GoFunc, GoStruct, type GoType, goTypeName, hasKey, isGoFunc, isGoMap, isTrue, methodsOf, sortedKeys } from './values.ts';

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** What the executor needs from a template set. */
export interface ExecContext {
  lookupTree(name: string): Tree | undefined;
  lookupFunc(name: string): GoFunc | undefined;
  readonly missingKey: MissingKey;
}

/** An error raised while executing a template; `output` is the text written before it. */
export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
  output = '';
  constructor(
    message: string,
    readonly templateName: string,
  ) {
    super(message);
  }
}

const walkBreak = Symbol('break');
const walkContinue = Symbol('continue');
/** Marks "no final argument" in a pipeline stage (Go's missingVal). */
const missing = Symbol('missing');

const maxExecDepth = 100000;

const typeNames: Record<GoType, string> = {
  any: 'interface {}',
  value: 'reflect.Value',
  string: 'string',
  int: 'int',
  int64: 'int64',
  uint32: 'uint32',
  float64: 'float64',
  bool: 'bool',
  slice: '[]interface {}',
  map: 'map[string]interface {}',
  bytes: '[]uint8',
};

function canBeNil(type: GoType): boolean {
  return type === 'any' || type === 'value' || type === 'slice' || type === 'map' || type === 'bytes';
}

interface Variable {
  name: string;
  value: unknown;
}

/** One execution of one template (Go's state). */
export class ExecState {
  out = '';
  private node: Node | null = null;
  private vars: Variable[];

  constructor(
    private readonly ctx: ExecContext,
    private readonly tree: Tree,
    private readonly templateName: string,
    data: unknown,
    private readonly depth = 0,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  run(data: unknown): void {
    if (!this.tree.root) this.errorf(`${quote(this.templateName)} is an incomplete or empty template`);
    this.walk(data, this.tree.root);
  }

  errorf(message: string): never {
    const name = this.templateName;
    let text: string;
    if (!this.node) text = `template: ${name}: ${message}`;
    else {
      const { location, context } = this.tree.errorContext(this.node);
      text = `template: ${location}: executing ${quote(name)} at <${context}>: ${message}`;
    }
    throw new TemplateExecError(text, name);
  }

  private at(node: Node): void {
    this.node = node;
  }

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw walkBreak;
      case 'continue':
        throw walkContinue;
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const child of node.nodes) this.walk(dot, child);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isGoFunc(val)) this.errorf(`if/with can't use ${formatV(val)}`);
      if (isTrue(val)) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outerMark = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== walkContinue) throw e;
        } finally {
          this.pop(mark);
        }
      };
      try {
        if (typeof val === 'bigint') {
          if (decl.length > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
          if (val > 0n) {
            for (let i = 0n; i < val; i++) oneIteration(undefined, i);
            return;
          }
        } else if (Array.isArray(val) || val instanceof Uint8Array) {
          if (val.length > 0) {
            for (let i = 0; i < val.length; i++) oneIteration(BigInt(i), val instanceof Uint8Array ? BigInt(val[i]!) : val[i]);
            return;
          }
        } else if (isGoMap(val)) {
          const keys = sortedKeys(val);
          if (keys.length > 0) {
            for (const key of keys) oneIteration(key, val[key]);
            return;
          }
        } else if (val !== undefined && val !== null) {
          this.errorf(`range can't iterate over ${formatV(val)}`);
        }
      } catch (e) {
        if (e === walkBreak) return;
        throw e;
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outerMark);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.ctx.lookupTree(t.name);
    if (!tree) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= maxExecDepth) this.errorf(`exceeded maximum template depth (${maxExecDepth})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const state = new ExecState(this.ctx, tree, t.name, newDot, this.depth + 1);
    state.out = this.out;
    try {
      state.walk(newDot, tree.root!);
    } finally {
      this.out = state.out;
    }
  }

  evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: unknown = missing;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface becomes an invalid value, as Go digs into interface{} results.
      if (value === null) value = undefined;
    }
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, value);
      else this.vars.push({ name: variable.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: Node[], final: unknown): void {
    if (args.length > 1 || final !== missing) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through (errorf never returns)
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${quote(nodeString(first))}`);
  }

  private idealConstant(constant: NumberNode): unknown {
    this.at(constant);
    const text = constant.text;
    const isHexInt = text.length > 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X') && !/[pP]/.test(text);
    const isRuneInt = text[0] === "'";
    if (constant.isComplex) return new GoComplex(constant.complex[0], constant.complex[1]);
    if (constant.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(text)) return constant.float64;
    if (constant.isInt) return constant.int64;
    if (constant.isUint) this.errorf(`${text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: Node[], final: unknown): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: Node[], final: unknown): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: Node[] | null, final: unknown): unknown {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: string[], args: Node[] | null, final: unknown): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, missing, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: Node[] | null, final: unknown): unknown {
    this.at(node);
    const name = node.ident;
    const fn = this.ctx.lookupFunc(name);
    if (fn) return this.evalCall(dot, fn, false, cmd, name, args, final);
    const builtin = builtinFuncs[name];
    if (builtin) return this.evalCall(dot, builtin, true, cmd, name, args, final);
    this.errorf(`${quote(name)} is not a defined function`);
  }

  private evalField(dot: unknown, fieldName: string, node: Node, args: Node[] | null, final: unknown, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.ctx.missingKey === 'error') this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const method = methodsOf(receiver)?.[fieldName];
    if (method) return this.evalCall(dot, method, false, node, fieldName, args, final);
    const hasArgs = (args !== null && args.length > 1) || final !== missing;
    if (receiver instanceof GoStruct) {
      if (hasKey(receiver as unknown as Record<string, unknown>, fieldName)) {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return (receiver as unknown as Record<string, unknown>)[fieldName];
      }
    } else if (isGoMap(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (hasKey(receiver, fieldName)) return receiver[fieldName];
      switch (this.ctx.missingKey) {
        case 'zero':
          return null;
        case 'error':
          this.errorf(`map has no entry for key ${quote(fieldName)}`);
        // falls through (errorf never returns)
        default:
          return undefined;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${goTypeName(receiver)}`);
  }

  private evalCall(dot: unknown, fn: GoFunc, isBuiltin: boolean, node: Node, name: string, argNodes: Node[] | null, final: unknown): unknown {
    const args = argNodes ? argNodes.slice(1) : [];
    let numIn = args.length;
    if (final !== missing) numIn++;
    let numFixed = args.length;
    if (fn.variadic !== undefined) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }

    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v === null ? undefined : v) === (name === 'or')) return v;
      }
      if (final !== missing) v = final;
      return v;
    }

    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i]!, args[i]!));
    if (fn.variadic !== undefined) for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i]!));
    if (final !== missing) {
      let type: GoType;
      if (fn.variadic !== undefined) type = numIn - 1 < numFixed ? fn.params[numIn - 1]! : fn.variadic;
      else type = fn.params[fn.params.length - 1]!;
      argv.push(this.validateType(final, type));
    }
    try {
      return fn.call(...argv);
    } catch (e) {
      // A stack overflow keeps unwinding (formatting a message here could overflow again).
      if (e instanceof RangeError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${(e as Error).message ?? String(e)}`);
    }
  }

  private validateType(value: unknown, type: GoType | null): unknown {
    if (value === undefined) {
      if (type === null) return undefined;
      if (type === 'value') return undefined;
      if (canBeNil(type)) return null;
      this.errorf(`invalid value; expected ${typeNames[type]}`);
    }
    if (type === null || type === 'any' || type === 'value') return value;
    const got = (): never => this.errorf(`wrong type for value; expected ${typeNames[type]}; got ${value === null ? 'interface {}' : goTypeName(value)}`);
    switch (type) {
      case 'string':
        return typeof value === 'string' ? value : got();
      case 'int':
      case 'int64':
      case 'uint32':
        return typeof value === 'bigint' ? value : got();
      case 'float64':
        return typeof value === 'number' ? value : got();
      case 'bool':
        return typeof value === 'boolean' ? value : got();
      case 'slice':
        return value === null || Array.isArray(value) ? value : got();
      case 'map':
        return value === null || isGoMap(value) ? value : got();
      case 'bytes':
        return value === null || value instanceof Uint8Array ? value : got();
    }
  }

  private evalArg(dot: unknown, type: GoType | null, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === 'value') return undefined;
        if (type !== null && canBeNil(type)) return null;
        this.errorf(`cannot assign nil to ${type === null ? 'interface {}' : typeNames[type]}`);
      // falls through (errorf never returns)
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], missing), type);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, missing), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, missing), type);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], missing), type);
    }
    switch (type) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float64;
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'int':
      case 'int64':
        if (n.type === 'number' && n.isInt) return n.int64;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'uint32':
        if (n.type === 'number' && n.isUint) return n.uint64;
        this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case null:
      case 'any':
      case 'value':
        return this.evalEmptyInterface(dot, n);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typeNames[type]}`);
  }

  private evalEmptyInterface(dot: unknown, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(node: Node, value: unknown): void {
    this.at(node);
    if (value === undefined || value === null) {
      this.out += '<no value>';
      return;
    }
    if (isGoFunc(value)) this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(value)}`);
    this.out += typeof value === 'string' ? value : formatV(value);
  }
}

/** Executions in progress (templates can run templates through functions such as Helm's include). */
let activeExecutions = 0;

/** Runs a parsed template; errors carry the output written before them. */
export function executeTree(ctx: ExecContext, tree: Tree, name: string, data: unknown): string {
  // Execute(nil) starts from an invalid value, not a nil interface.
  if (data === null) data = undefined;
  const state = new ExecState(ctx, tree, name, data);
  activeExecutions++;
  try {
    state.run(data);
  } catch (e) {
    if (e instanceof TemplateExecError) {
      e.output = state.out;
      throw e;
    }
    // A stack overflow unwinds to the outermost execution, which reports it (a caller such as Helm's
    // include may report it first, in its own terms).
    if (e instanceof RangeError && activeExecutions === 1) {
      const error = new TemplateExecError(`template: ${name}: exceeded maximum template depth`, name);
      error.output = state.out;
      throw error;
    }
    throw e;
  } finally {
    activeExecutions--;
  }
  return state.out;
}

