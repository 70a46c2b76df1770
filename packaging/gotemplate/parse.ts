// The parser of Go's text/template (text/template/parse/parse.go and node.go).
import { quote } from './fmt.ts';
import { type Item, type ItemType, Lexer } from './lex.ts';

export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

// ---- nodes ------------------------------------------------------------------------------------

interface NodeBase {
  pos: number;
  tree: Tree;
}

export interface ListNode extends NodeBase {
  type: 'list';
  nodes: Node[];
}
export interface TextNode extends NodeBase {
  type: 'text';
  text: string;
}
export interface CommentNode extends NodeBase {
  type: 'comment';
  text: string;
}
export interface PipeNode extends NodeBase {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface ActionNode extends NodeBase {
  type: 'action';
  line: number;
  pipe: PipeNode;
}
export interface CommandNode extends NodeBase {
  type: 'command';
  args: Node[];
}
export interface IdentifierNode extends NodeBase {
  type: 'identifier';
  ident: string;
}
export interface VariableNode extends NodeBase {
  type: 'variable';
  ident: string[];
}
export interface DotNode extends NodeBase {
  type: 'dot';
}
export interface NilNode extends NodeBase {
  type: 'nil';
}
export interface FieldNode extends NodeBase {
  type: 'field';
  ident: string[];
}
export interface ChainNode extends NodeBase {
  type: 'chain';
  node: Node;
  field: string[];
}
export interface BoolNode extends NodeBase {
  type: 'bool';
  value: boolean;
}
export interface NumberNode extends NodeBase {
  type: 'number';
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  complex: [number, number];
  text: string;
}
export interface StringNode extends NodeBase {
  type: 'string';
  quoted: string;
  text: string;
}
export interface EndNode extends NodeBase {
  type: 'end';
}
export interface ElseNode extends NodeBase {
  type: 'else';
  line: number;
}
export interface BranchNode extends NodeBase {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode extends NodeBase {
  type: 'template';
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode extends NodeBase {
  type: 'break';
  line: number;
}
export interface ContinueNode extends NodeBase {
  type: 'continue';
  line: number;
}

export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | PipeNode
  | ActionNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | EndNode
  | ElseNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

/** The canonical text of a node, as Go's Node.String(). */
export function nodeString(node: Node): string {
  const t = node.tree;
  switch (node.type) {
    case 'list':
      return node.nodes.map(nodeString).join('');
    case 'text':
      return quote(node.text);
    case 'comment':
      return t.leftDelim + node.text + t.rightDelim;
    case 'pipe': {
      let out = '';
      if (node.decl.length) out += node.decl.map(nodeString).join(', ') + (node.isAssign ? ' = ' : ' := ');
      return out + node.cmds.map(nodeString).join(' | ');
    }
    case 'action':
      return t.leftDelim + nodeString(node.pipe) + t.rightDelim;
    case 'command':
      return node.args.map((arg) => (arg.type === 'pipe' ? `(${nodeString(arg)})` : nodeString(arg))).join(' ');
    case 'identifier':
      return node.ident;
    case 'variable':
      return node.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return node.ident.map((id) => `.${id}`).join('');
    case 'chain': {
      const inner = node.node.type === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node);
      return inner + node.field.map((f) => `.${f}`).join('');
    }
    case 'bool':
      return node.value ? 'true' : 'false';
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
    case 'end':
      return `${t.leftDelim}end${t.rightDelim}`;
    case 'else':
      return `${t.leftDelim}else${t.rightDelim}`;
    case 'if':
    case 'range':
    case 'with': {
      let out = `${t.leftDelim}${node.type} ${nodeString(node.pipe)}${t.rightDelim}${nodeString(node.list)}`;
      if (node.elseList) out += `${t.leftDelim}else${t.rightDelim}${nodeString(node.elseList)}`;
      return `${out}${t.leftDelim}end${t.rightDelim}`;
    }
    case 'template':
      return `${t.leftDelim}template ${quote(node.name)}${node.pipe ? ` ${nodeString(node.pipe)}` : ''}${t.rightDelim}`;
    case 'break':
      return `${t.leftDelim}break${t.rightDelim}`;
    case 'continue':
      return `${t.leftDelim}continue${t.rightDelim}`;
  }
}

/** parse.IsEmptyTree: only space, comments and definitions. */
export function isEmptyTree(node: Node | null): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'comment':
      return true;
    case 'list':
      return node.nodes.every(isEmptyTree);
    case 'text':
      return node.text.trim() === '';
    default:
      return false;
  }
}

// ---- string and number literals -------------------------------------------------------------

const simpleEscapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** strconv.UnquoteChar: decodes one (possibly escaped) character at s[i]; returns it and the next index. */
function unquoteChar(s: string, i: number, quoteChar: string): [string, number] {
  const ch = String.fromCodePoint(s.codePointAt(i)!);
  if (ch === quoteChar && (quoteChar === "'" || quoteChar === '"')) throw new SyntaxError('invalid syntax');
  if (ch !== '\\') return [ch, i + ch.length];
  const c = s[i + 1];
  if (c === undefined) throw new SyntaxError('invalid syntax');
  if (c in simpleEscapes) return [simpleEscapes[c]!, i + 2];
  switch (c) {
    case 'x':
    case 'u':
    case 'U': {
      const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) throw new SyntaxError('invalid syntax');
      const code = parseInt(hex, 16);
      if (c === 'x') return [String.fromCharCode(code), i + 2 + n];
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new SyntaxError('invalid syntax');
      return [String.fromCodePoint(code), i + 2 + n];
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      const oct = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new SyntaxError('invalid syntax');
      const code = parseInt(oct, 8);
      if (code > 255) throw new SyntaxError('invalid syntax');
      return [String.fromCharCode(code), i + 4];
    }
    case "'":
    case '"':
      if (c !== quoteChar) throw new SyntaxError('invalid syntax');
      return [c, i + 2];
  }
  throw new SyntaxError('invalid syntax');
}

/** strconv.Unquote for "…", `…` and '…'. */
export function unquote(s: string): string {
  if (s.length < 2) throw new SyntaxError('invalid syntax');
  const q = s[0]!;
  if (q !== s[s.length - 1]) throw new SyntaxError('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxError('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new SyntaxError('invalid syntax');
  if (body.includes('\n')) throw new SyntaxError('invalid syntax');
  if (q === '"' && !body.includes('\\') && !body.includes('"')) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const [ch, next] = unquoteChar(body, i, q);
    out += ch;
    i = next;
    if (q === "'" && i < body.length) throw new SyntaxError('invalid syntax');
  }
  if (q === "'" && [...out].length !== 1) throw new SyntaxError('invalid syntax');
  return out;
}

const maxInt64 = (1n << 63n) - 1n;
const maxUint64 = (1n << 64n) - 1n;

/** Go's integer-literal syntax with base prefixes and underscores (strconv.ParseInt(s, 0, 64) without range). */
function parseGoInteger(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  let prefixed = false;
  if (/^0[xX]/.test(s)) {
    base = 16;
    digits = s.slice(2);
    prefixed = true;
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    digits = s.slice(2);
    prefixed = true;
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    digits = s.slice(2);
    prefixed = true;
  } else if (/^0./.test(s)) {
    base = 8;
    digits = s.slice(1);
    prefixed = true;
  }
  if (digits.includes('_')) {
    // Underscores must separate digits (or follow the base prefix).
    const check = (prefixed ? '0' : '') + digits;
    if (/__|_$|^_/.test(prefixed ? digits.replace(/^_/, 'x') : check) || (!prefixed && /^_/.test(digits))) return undefined;
    digits = digits.replace(/_/g, '');
  }
  if (!digits.length) return s === '0' ? 0n : undefined;
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return undefined;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const value = BigInt(prefix + digits);
  return neg ? -value : value;
}

/** strconv.ParseFloat(s, 64) with Go literal syntax (underscores, hex floats, inf/nan). */
export function parseGoFloat(text: string): number | undefined {
  let s = text;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (s.includes('_')) {
    if (!/^[+-]?0[xX]/.test(s) && /(^[+-]?_)|__|_$|_\.|\._|_[eEpP]|[eEpP][+-]?_/.test(s)) return undefined;
    s = s.replace(/_/g, '');
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (hex) {
    const [, sign, intPart = '', fracPart = '', exp] = hex;
    if (!intPart && !fracPart) return undefined;
    let mantissa = 0;
    for (const d of intPart) mantissa = mantissa * 16 + parseInt(d, 16);
    let scale = 1;
    for (const d of fracPart) {
      scale /= 16;
      mantissa += parseInt(d, 16) * scale;
    }
    const value = mantissa * Math.pow(2, Number(exp));
    return sign === '-' ? -value : value;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

// ---- the parser -------------------------------------------------------------------------------

export interface ParseOptions {
  /** Names of defined functions; an identifier not in the set is a parse error. */
  hasFunction: (name: string) => boolean;
  leftDelim?: string;
  rightDelim?: string;
  /** Keep comments in the tree (parse.ParseComments). */
  parseComments?: boolean;
  /** Limit of nested parenthesised expressions (Go: 10000). */
  maxExpressionDepth?: number;
}

/** A parsed template: its name and root list, with the source text for error positions. */
export class Tree {
  name: string;
  /** Name of the top-level template being parsed, for error messages. */
  parseName: string;
  root: ListNode | null = null;
  text = '';
  leftDelim = '{{';
  rightDelim = '}}';

  private lex: Lexer | undefined;
  private token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = [];
  private treeSet!: Map<string, Tree>;
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;
  private options!: ParseOptions;

  constructor(name: string) {
    this.name = name;
    this.parseName = name;
  }

  /** Error location "name:line:col" and the node's text, as Go's ErrorContext. */
  errorContext(node: Node): { location: string; context: string } {
    const pos = node.pos;
    const tree = node.tree ?? this;
    const text = tree.text.slice(0, pos);
    const lastNewline = text.lastIndexOf('\n');
    const byteNum = lastNewline === -1 ? pos : pos - (lastNewline + 1);
    const lineNum = 1 + (text.match(/\n/g)?.length ?? 0);
    return { location: `${tree.parseName}:${lineNum}:${byteNum}`, context: nodeString(node) };
  }

  // -- token stream --
  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex!.nextItem();
    return this.token[this.peekCount]!;
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex!.nextItem();
    return this.token[0];
  }
  private nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.type === 'space');
    return token;
  }
  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // -- errors --
  private errorf(message: string): never {
    this.root = null;
    throw new TemplateParseError(`template: ${this.parseName}:${this.token[0]?.line ?? 1}: ${message}`);
  }
  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }
  private expectOneOf(a: ItemType, b: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== a && token.type !== b) this.unexpected(token, context);
    return token;
  }
  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${token.val}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private startParse(options: ParseOptions, lex: Lexer, treeSet: Map<string, Tree>): void {
    this.root = null;
    this.lex = lex;
    this.vars = ['$'];
    this.options = options;
    this.treeSet = treeSet;
    this.stackDepth = 0;
    lex.options = {
      emitComment: !!options.parseComments,
      breakOK: !options.hasFunction('break'),
      continueOK: !options.hasFunction('continue'),
    };
  }

  /** Parses text into this tree and the definitions it contains, adding them to treeSet. */
  parse(text: string, treeSet: Map<string, Tree>, options: ParseOptions): void {
    this.parseName = this.name;
    this.leftDelim = options.leftDelim || '{{';
    this.rightDelim = options.rightDelim || '}}';
    const lexer = new Lexer(this.name, text, this.leftDelim, this.rightDelim);
    this.startParse(options, lexer, treeSet);
    this.text = text;
    this.parseRoot();
    this.add();
    this.stopParse();
  }

  /** Drops the parsing state, so that parsed trees (which may be cached) keep only their nodes. */
  private stopParse(): void {
    this.lex = undefined;
    this.token = [];
    this.vars = [];
  }

  private add(): void {
    const tree = this.treeSet.get(this.name);
    if (!tree || isEmptyTree(tree.root)) {
      this.treeSet.set(this.name, this);
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${quote(this.name)}`);
  }

  private newChild(name: string): Tree {
    const child = new Tree(name);
    child.text = this.text;
    child.leftDelim = this.leftDelim;
    child.rightDelim = this.rightDelim;
    child.parseName = this.parseName;
    child.startParse(this.options, this.lex!, this.treeSet);
    return child;
  }

  private parseRoot(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().type !== 'EOF') {
      if (this.peek().type === 'left delim') {
        const delim = this.next();
        if (this.nextNonSpace().type === 'define') {
          const child = this.newChild('definition');
          child.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      this.root!.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf('string', 'raw string', context);
    try {
      this.name = unquote(name.val);
    } catch (e) {
      this.errorf((e as Error).message);
    }
    this.expect('right delim', context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
    this.stopParse();
  }

  private itemList(): [ListNode, Node] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== 'EOF') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, tree: this, text: token.val };
      case 'left delim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case 'comment':
        return { type: 'comment', pos: token.pos, tree: this, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
        return this.breakControl(token.pos, token.line);
      case 'continue':
        return this.continueControl(token.pos, token.line);
      case 'else':
        return this.elseControl();
      case 'end':
        return this.endControl();
      case 'if':
        return this.branchControl('if');
      case 'range':
        return this.branchControl('range');
      case 'template':
        return this.templateControl();
      case 'with':
        return this.branchControl('with');
    }
    this.backup();
    const peeked = this.peek();
    return { type: 'action', pos: peeked.pos, line: peeked.line, tree: this, pipe: this.pipeline('command', 'right delim') };
  }

  private breakControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.type !== 'right delim') this.unexpected(token, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}');
    return { type: 'break', pos, line, tree: this };
  }

  private continueControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.type !== 'right delim') this.unexpected(token, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}');
    return { type: 'continue', pos, line, tree: this };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, line: token.line, tree: this, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type === 'variable') {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.type === '=' || next.type === ':=') {
          pipe.isAssign = next.type === '=';
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.type === 'char' && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const following = this.peekNonSpace().type;
            if (following === 'variable' || following === 'right delim' || following === ')') continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.type === 'space') {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.type) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case 'bool':
        case 'charconst':
        case 'complex':
        case '.':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'raw string':
        case 'string':
        case 'variable':
        case '(':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0]!.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private parseControl(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'right delim');
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        if (context === 'if' && this.peek().type === 'if') {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branchControl('if'));
        } else if (context === 'with' && this.peek().type === 'with') {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branchControl('with'));
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, tree: this, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private branchControl(context: 'if' | 'range' | 'with'): BranchNode {
    return this.parseControl(context);
  }

  private endControl(): Node {
    return { type: 'end', pos: this.expect('right delim', 'end').pos, tree: this };
  }

  private elseControl(): Node {
    const peeked = this.peekNonSpace();
    if (peeked.type === 'if' || peeked.type === 'with') return { type: 'else', pos: peeked.pos, line: peeked.line, tree: this };
    const token = this.expect('right delim', 'else');
    return { type: 'else', pos: token.pos, line: token.line, tree: this };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, 'right delim');
    const block = this.newChild(name);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    block.stopParse();
    return { type: 'template', pos: token.pos, line: token.line, tree: this, name, pipe };
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'right delim') {
      this.backup();
      pipe = this.pipeline(context, 'right delim');
    }
    return { type: 'template', pos: token.pos, line: token.line, tree: this, name, pipe };
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.type === 'string' || token.type === 'raw string') {
      try {
        return unquote(token.val);
      } catch (e) {
        this.errorf((e as Error).message);
      }
    }
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, tree: this, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'right delim' || token.type === ')') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().type === 'field') {
      const fields: string[] = [];
      const pos = this.peek().pos;
      while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos, tree: this, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { type: 'variable', pos, tree: this, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
        // falls through (errorf never returns)
        default:
          node = { type: 'chain', pos, tree: this, node, field: fields };
      }
    }
    return node;
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!this.options.hasFunction(token.val)) this.errorf(`function ${quote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, tree: this, ident: token.val };
      case '.':
        return { type: 'dot', pos: token.pos, tree: this };
      case 'nil':
        return { type: 'nil', pos: token.pos, tree: this };
      case 'variable':
        return this.useVar(token.pos, token.val);
      case 'field':
        return { type: 'field', pos: token.pos, tree: this, ident: token.val.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: token.pos, tree: this, value: token.val === 'true' };
      case 'charconst':
      case 'complex':
      case 'number':
        return this.newNumber(token);
      case '(': {
        if (this.stackDepth >= (this.options.maxExpressionDepth ?? 10000)) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', ')');
        } finally {
          this.stackDepth--;
        }
      }
      case 'string':
      case 'raw string':
        try {
          return { type: 'string', pos: token.pos, tree: this, quoted: token.val, text: unquote(token.val) };
        } catch (e) {
          this.errorf((e as Error).message);
        }
    }
    this.backup();
    return null;
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, tree: this, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): Node {
    const v = this.newVariable(pos, name);
    if (this.vars.includes(v.ident[0]!)) return v;
    this.errorf(`undefined variable ${quote(v.ident[0]!)}`);
  }

  private newList(pos: number): ListNode {
    return { type: 'list', pos, tree: this, nodes: [] };
  }

  private newNumber(token: Item): NumberNode {
    try {
      return parseNumber(token.val, token.type, token.pos, this);
    } catch (e) {
      this.errorf((e as Error).message);
    }
  }
}

/** Classifies a number literal as Go's parse.newNumber does. */
export function parseNumber(text: string, type: ItemType, pos: number, tree: Tree): NumberNode {
  const n: NumberNode = {
    type: 'number',
    pos,
    tree,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    complex: [0, 0],
    text,
  };
  const simplifyComplex = () => {
    n.isFloat = n.complex[1] === 0;
    if (n.isFloat) {
      n.float64 = n.complex[0];
      n.isInt = Number.isInteger(n.float64) && Math.abs(n.float64) < 2 ** 63;
      if (n.isInt) n.int64 = BigInt(n.float64);
      n.isUint = Number.isInteger(n.float64) && n.float64 >= 0 && n.float64 < 2 ** 64;
      if (n.isUint) n.uint64 = BigInt(n.float64);
    }
  };
  if (type === 'charconst') {
    let ch: string;
    try {
      ch = unquote(text);
    } catch {
      throw new Error(`malformed character constant: ${text}`);
    }
    const code = ch.codePointAt(0)!;
    n.int64 = BigInt(code);
    n.uint64 = BigInt(code);
    n.float64 = code;
    n.isInt = n.isUint = n.isFloat = true;
    return n;
  }
  if (type === 'complex') {
    const m = /^([+-]?[^+-]+(?:[eEpP][+-]\d+)?)([+-].*)i$/.exec(text);
    const re = m ? parseGoFloat(m[1]!) : undefined;
    const im = m ? parseGoFloat(m[2]!) : undefined;
    if (re === undefined || im === undefined) throw new Error(`expected integer`);
    n.isComplex = true;
    n.complex = [re, im];
    simplifyComplex();
    return n;
  }
  if (text.endsWith('i')) {
    const f = parseGoFloat(text.slice(0, -1));
    if (f !== undefined) {
      n.isComplex = true;
      n.complex = [0, f];
      simplifyComplex();
      return n;
    }
  }
  const i = parseGoInteger(text);
  if (i !== undefined) {
    // strconv.ParseUint takes no sign; -0 counts as unsigned below.
    if (i >= 0n && i <= maxUint64 && !/^[+-]/.test(text)) {
      n.isUint = true;
      n.uint64 = i;
    }
    if (i >= -maxInt64 - 1n && i <= maxInt64) {
      n.isInt = true;
      n.int64 = i;
      if (i === 0n) {
        n.isUint = true;
        n.uint64 = 0n;
      }
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseGoFloat(text);
    if (f !== undefined && !/^[+-]?(inf|infinity|nan)$/i.test(text)) {
      if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${quote(text)}`);
      n.isFloat = true;
      n.float64 = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        n.isInt = true;
        n.int64 = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
        n.isUint = true;
        n.uint64 = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new Error(`illegal number syntax: ${quote(text)}`);
  return n;
}

/** Go's item.String() for error messages. */
function itemString(item: Item): string {
  switch (item.type) {
    case 'EOF':
      return 'EOF';
    case 'error':
      return item.val;
    case 'block':
    case 'break':
    case 'continue':
    case '.':
    case 'define':
    case 'else':
    case 'end':
    case 'if':
    case 'nil':
    case 'range':
    case 'template':
    case 'with':
      return `<${item.val}>`;
  }
  if ([...item.val].length > 10) return `${quote([...item.val].slice(0, 10).join(''))}...`;
  return quote(item.val);
}

/** Parses `text` as template `name`, returning every tree it defines (Go's parse.Parse). */
export function parseTemplates(name: string, text: string, options: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const tree = new Tree(name);
  tree.text = text;
  tree.parse(text, treeSet, options);
  return treeSet;
}
