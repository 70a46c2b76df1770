// Collects pass/fail results of upstream test vectors and prints them: the count, then every failure by name.
export interface VectorResult {
  name: string;
  pass: boolean;
  detail?: string;
}

export class VectorReport {
  readonly results: VectorResult[] = [];

  constructor(readonly title: string) {}

  add(name: string, run: () => string | undefined): void {
    let detail: string | undefined;
    try {
      detail = run();
    } catch (e) {
      detail = `threw: ${(e as Error).message}`;
    }
    this.results.push({ name, pass: detail === undefined, detail });
  }

  get passed(): number {
    return this.results.filter((r) => r.pass).length;
  }

  get rate(): number {
    return this.results.length ? this.passed / this.results.length : 1;
  }

  print(): void {
    const failures = this.results.filter((r) => !r.pass);
    const lines = [`${this.title}: ${this.passed}/${this.results.length} passed (${(this.rate * 100).toFixed(1)}%)`];
    for (const failure of failures) lines.push(`  FAIL ${failure.name}: ${failure.detail}`);
    console.log(lines.join('\n'));
  }
}

/** Describes a mismatch between expected and actual text, or undefined when they are equal. */
export function compareText(expected: string, actual: string): string | undefined {
  return expected === actual ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
