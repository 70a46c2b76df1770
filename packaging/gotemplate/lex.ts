// The lexer of Go's text/template (text/template/parse/lex.go), item for item.

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charconst'
  | 'comment'
  | 'complex'
  | '='
  | ':='
  | 'EOF'
  | 'field'
  | 'identifier'
  | 'left delim'
  | '('
  | 'number'
  | 'pipe'
  | 'raw string'
  | 'right delim'
  | ')'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | '.'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  type: ItemType;
  /** Offset of the item in the input (UTF-16 code units). */
  pos: number;
  val: string;
  line: number;
}

const keywords: Record<string, ItemType> = {
  '.': '.',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  range: 'range',
  nil: 'nil',
  template: 'template',
  with: 'with',
};

const spaceChars = ' \t\r\n';
const leftComment = '/*';
const rightComment = '*/';
const trimMarkerLen = 2;

export interface LexOptions {
  emitComment: boolean;
  breakOK: boolean;
  continueOK: boolean;
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

const alphaNumeric = /^[_\p{L}\p{Nd}]$/u;
function isAlphaNumeric(ch: string): boolean {
  return ch !== '' && alphaNumeric.test(ch);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s[at] === '-' && isSpace(s[at + 1]!);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s[at]!) && s[at + 1] === '-';
}

type StateFn = ((l: Lexer) => StateFn) | null;

/** Scans a template into items on demand, as Go's lexer does (no goroutine). */
export class Lexer {
  pos = 0;
  start = 0;
  private atEOF = false;
  private parenDepth = 0;
  line = 1;
  private startLine = 1;
  private item: Item;
  private insideAction = false;
  options: LexOptions = { emitComment: false, breakOK: true, continueOK: true };

  constructor(
    readonly name: string,
    private input: string,
    readonly leftDelim = '{{',
    readonly rightDelim = '}}',
  ) {
    this.item = { type: 'EOF', pos: 0, val: 'EOF', line: 1 };
  }

  /** The next rune ('' at end of input). */
  next(): string {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return '';
    }
    const code = this.input.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(code);
    this.pos += ch.length;
    if (ch === '\n') this.line++;
    return ch;
  }

  peek(): string {
    const ch = this.next();
    this.backup();
    return ch;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      let width = 1;
      const code = this.input.charCodeAt(this.pos - 1);
      if (code >= 0xdc00 && code <= 0xdfff && this.pos >= 2) width = 2;
      this.pos -= width;
      if (this.input[this.pos] === '\n') this.line--;
    }
  }

  /** Go's thisItem: the pending input as an item of this type. */
  takeItem(type: ItemType): Item {
    const item: Item = { type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return item;
  }

  emit(type: ItemType): StateFn {
    return this.emitItem(this.takeItem(type));
  }

  emitItem(item: Item): StateFn {
    this.item = item;
    return null;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const ch = this.next();
    if (ch !== '' && valid.includes(ch)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const ch = this.next();
      if (ch === '' || !valid.includes(ch)) break;
    }
    this.backup();
  }

  errorf(message: string): StateFn {
    this.item = { type: 'error', pos: this.start, val: message, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  nextItem(): Item {
    this.item = { type: 'EOF', pos: this.pos, val: 'EOF', line: this.startLine };
    let state: StateFn = this.insideAction ? lexInsideAction : lexText;
    while (state) state = state(this);
    return this.item;
  }

  // The state functions below are Go's, kept as functions; these accessors are what they need.
  get text(): string {
    return this.input;
  }
  setInsideAction(inside: boolean): void {
    this.insideAction = inside;
  }
  setParenDepth(depth: number): void {
    this.parenDepth = depth;
  }
  get depth(): number {
    return this.parenDepth;
  }
  addLines(from: number, to: number): void {
    this.line += countNewlines(this.input, from, to);
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(this.rightDelim, this.pos + trimMarkerLen)) return { delim: true, trimSpaces: true };
    if (this.input.startsWith(this.rightDelim, this.pos)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  atTerminator(): boolean {
    const ch = this.peek();
    if (isSpace(ch)) return true;
    switch (ch) {
      case '':
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function rightTrimLength(s: string): number {
  let n = 0;
  while (n < s.length && spaceChars.includes(s[s.length - 1 - n]!)) n++;
  return n;
}

function leftTrimLength(s: string, at: number): number {
  let n = 0;
  while (at + n < s.length && spaceChars.includes(s[at + n]!)) n++;
  return n;
}

function lexText(l: Lexer): StateFn {
  const input = l.text;
  const x = input.indexOf(l.leftDelim, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      l.pos = x;
      let trimLength = 0;
      const delimEnd = l.pos + l.leftDelim.length;
      if (hasLeftTrimMarker(input, delimEnd)) trimLength = rightTrimLength(input.slice(l.start, l.pos));
      l.pos -= trimLength;
      l.addLines(l.start, l.pos);
      const textItem = l.takeItem('text');
      l.pos += trimLength;
      l.ignore();
      if (textItem.val.length > 0) return l.emitItem(textItem);
    }
    return lexLeftDelim;
  }
  l.pos = input.length;
  if (l.pos > l.start) {
    l.addLines(l.start, l.pos);
    return l.emit('text');
  }
  return l.emit('EOF');
}

function lexLeftDelim(l: Lexer): StateFn {
  const input = l.text;
  l.pos += l.leftDelim.length;
  const trimSpace = hasLeftTrimMarker(input, l.pos);
  const afterMarker = trimSpace ? trimMarkerLen : 0;
  if (input.startsWith(leftComment, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  const item = l.takeItem('left delim');
  l.setInsideAction(true);
  l.pos += afterMarker;
  l.ignore();
  l.setParenDepth(0);
  return l.emitItem(item);
}

function lexComment(l: Lexer): StateFn {
  const input = l.text;
  l.pos += leftComment.length;
  const x = input.indexOf(rightComment, l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + rightComment.length;
  const { delim, trimSpaces } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  l.addLines(l.start, l.pos);
  const item = l.takeItem('comment');
  if (trimSpaces) l.pos += trimMarkerLen;
  l.pos += l.rightDelim.length;
  if (trimSpaces) l.pos += leftTrimLength(input, l.pos);
  l.ignore();
  if (l.options.emitComment) return l.emitItem(item);
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const { trimSpaces } = l.atRightDelim();
  if (trimSpaces) {
    l.pos += trimMarkerLen;
    l.ignore();
  }
  l.pos += l.rightDelim.length;
  const item = l.takeItem('right delim');
  if (trimSpaces) {
    l.pos += leftTrimLength(l.text, l.pos);
    l.ignore();
  }
  l.setInsideAction(false);
  return l.emitItem(item);
}

function lexInsideAction(l: Lexer): StateFn {
  const { delim } = l.atRightDelim();
  if (delim) {
    if (l.depth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === '') return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup();
    return lexSpace;
  }
  switch (r) {
    case '=':
      return l.emit('=');
    case ':':
      if (l.next() !== '=') return l.errorf('expected :=');
      return l.emit(':=');
    case '|':
      return l.emit('pipe');
    case '"':
      return lexQuote;
    case '`':
      return lexRawQuote;
    case '$':
      return lexVariable;
    case "'":
      return lexChar;
    case '(':
      l.setParenDepth(l.depth + 1);
      return l.emit('(');
    case ')':
      l.setParenDepth(l.depth - 1);
      if (l.depth < 0) return l.errorf('unexpected right paren');
      return l.emit(')');
  }
  if (r === '.') {
    const following = l.text[l.pos];
    if (l.pos < l.text.length && (following! < '0' || following! > '9')) return lexField;
  }
  if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  const code = r.codePointAt(0)!;
  if (code <= 0x7f && code >= 0x20 && code !== 0x7f) return l.emit('char');
  return l.errorf(`unrecognized character in action: ${formatRune(code)}`);
}

/** Go's %#U of a rune. */
function formatRune(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(code);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  for (;;) {
    const r = l.peek();
    if (!isSpace(r)) break;
    l.next();
    numSpaces++;
  }
  if (hasRightTrimMarker(l.text, l.pos - 1) && l.text.startsWith(l.rightDelim, l.pos - 1 + trimMarkerLen)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  return l.emit('space');
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.text.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r.codePointAt(0) ?? 0)}`);
    const keyword = Object.prototype.hasOwnProperty.call(keywords, word) ? keywords[word] : undefined;
    if (keyword && keyword !== '.') {
      if ((keyword === 'break' && !l.options.breakOK) || (keyword === 'continue' && !l.options.continueOK)) return l.emit('identifier');
      return l.emit(keyword);
    }
    if (word[0] === '.') return l.emit('field');
    if (word === 'true' || word === 'false') return l.emit('bool');
    return l.emit('identifier');
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, 'field');
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) return l.emit('variable');
  return lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, type: 'field' | 'variable'): StateFn {
  if (l.atTerminator()) return l.emit(type === 'variable' ? 'variable' : '.');
  let r: string;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r.codePointAt(0) ?? 0)}`);
  return l.emit(type);
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== '' && r !== '\n') continue;
      return l.errorf('unterminated character constant');
    }
    if (r === '' || r === '\n') return l.errorf('unterminated character constant');
    if (r === "'") break;
  }
  return l.emit('charconst');
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${JSON.stringify(l.text.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!l.scanNumber() || l.text[l.pos - 1] !== 'i') return l.errorf(`bad number syntax: ${JSON.stringify(l.text.slice(l.start, l.pos))}`);
    return l.emit('complex');
  }
  return l.emit('number');
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== '' && r !== '\n') continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === '' || r === '\n') return l.errorf('unterminated quoted string');
    if (r === '"') break;
  }
  return l.emit('string');
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === '') return l.errorf('unterminated raw quoted string');
    if (r === '`') break;
  }
  return l.emit('raw string');
}
