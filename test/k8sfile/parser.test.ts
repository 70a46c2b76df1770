// The K8sfile grammar: instructions, options, comments, continuations, quoting, ARG substitution and
// CONFIG validation against k2 server's flags; every error carries K8sfile:LINE:COL.
import { describe, expect, it } from 'vitest';
import { K8sfileError, parseK8sfile, type Instruction } from '../../packaging/k8sfile/parser.ts';
import { validateSetting } from '../../packaging/k8sfile/settings.ts';

function parse(text: string, buildArgs?: Record<string, string>): Instruction[] {
  return parseK8sfile(text, { buildArgs, validateSetting }).instructions;
}

function errorOf(text: string, buildArgs?: Record<string, string>): string {
  try {
    parseK8sfile(text, { buildArgs, validateSetting });
  } catch (e) {
    expect(e).toBeInstanceOf(K8sfileError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('instructions', () => {
  it("parses the issue's example", () => {
    const text = [
      'FROM k2:1                                   # the bare k2 base, another artifact, or scratch',
      'ARG env=dev',
      'ADD ./manifests/                            # plain YAML (files or folders)',
      'ADD ./charts/argocd                         # a local chart folder or .tgz',
      'INSTALL helm/k8s.io/metrics-server@3.12.1 --namespace kube-system --values ./ms.yaml --set args[0]=--kubelet-insecure-tls',
      'INSTALL oci://registry.example:5000/charts/podinfo:6.7.0',
      'CONFIG snapshot-schedule-cron="0 */6 * * *"      # cluster settings the artifact carries (k2 server flags)',
    ].join('\n');
    const instructions = parse(text);
    expect(instructions.map((i) => i.op)).toEqual(['FROM', 'ARG', 'ADD', 'ADD', 'INSTALL', 'INSTALL', 'CONFIG']);
    expect(instructions[0]).toMatchObject({ op: 'FROM', reference: 'k2:1', position: { line: 1, column: 1 } });
    expect(instructions[1]).toMatchObject({ op: 'ARG', name: 'env', value: 'dev' });
    expect(instructions[2]).toMatchObject({ op: 'ADD', path: './manifests/', release: { values: [], set: [] } });
    expect(instructions[4]).toMatchObject({
      op: 'INSTALL',
      source: { type: 'repository', repository: 'k8s.io', chart: 'metrics-server', version: '3.12.1' },
      release: { namespace: 'kube-system', values: ['./ms.yaml'], set: ['args[0]=--kubelet-insecure-tls'] },
    });
    expect(instructions[5]).toMatchObject({ op: 'INSTALL', source: { type: 'oci', reference: 'oci://registry.example:5000/charts/podinfo:6.7.0', chart: 'podinfo', version: '6.7.0' } });
    expect(instructions[6]).toMatchObject({ op: 'CONFIG', settings: [{ key: 'snapshot-schedule-cron', value: '0 */6 * * *' }] });
  });

  it('reads every instruction and its options', () => {
    const instructions = parse(
      [
        'from scratch',
        'Add ./chart.tgz --name=web -n apps -f a.yaml --values b.yaml --set x=1 --set y.z=2',
        'INSTALL helm/stable/redis --version ^17 --name cache',
        'INSTALL oci://127.0.0.1:5000/charts/podinfo@6.x',
        'REMOVE deploy/web -n apps',
        'REMOVE ConfigMap/settings',
        'UNINSTALL cache',
        'LABEL team=core tier="platform one"',
        'CONFIG disable-agent=true cluster-domain=example.local',
      ].join('\n'),
    );
    expect(instructions[1]).toMatchObject({ op: 'ADD', path: './chart.tgz', release: { name: 'web', namespace: 'apps', values: ['a.yaml', 'b.yaml'], set: ['x=1', 'y.z=2'] } });
    expect(instructions[2]).toMatchObject({ source: { type: 'repository', repository: 'stable', chart: 'redis', version: '^17' }, release: { name: 'cache', version: '^17' } });
    expect(instructions[3]).toMatchObject({ source: { type: 'oci', reference: 'oci://127.0.0.1:5000/charts/podinfo', chart: 'podinfo', version: '6.x' } });
    expect(instructions[4]).toMatchObject({ op: 'REMOVE', kind: 'deploy', name: 'web', namespace: 'apps', text: 'REMOVE deploy/web -n apps' });
    expect(instructions[5]).toMatchObject({ op: 'REMOVE', kind: 'ConfigMap', name: 'settings' });
    expect((instructions[5] as { namespace?: string }).namespace).toBeUndefined();
    expect(instructions[6]).toMatchObject({ op: 'UNINSTALL', release: 'cache' });
    expect(instructions[7]).toMatchObject({ op: 'LABEL', labels: { team: 'core', tier: 'platform one' } });
    expect(instructions[8]).toMatchObject({ op: 'CONFIG', settings: [{ key: 'disable-agent', value: 'true' }, { key: 'cluster-domain', value: 'example.local' }] });
  });

  it('keeps the canonical text of each instruction (history and cache key)', () => {
    const instructions = parse('FROM   k2:1\nARG v=1\nINSTALL   helm/r/c@$v    --set  "a=b c"\n');
    expect(instructions.map((i) => i.text)).toEqual(['FROM k2:1', 'ARG v="1"', 'INSTALL helm/r/c@1 --set a=b c']);
  });
});

describe('comments, continuations and quoting', () => {
  it('skips comment lines and blank lines, and drops trailing comments', () => {
    const instructions = parse('# a K8sfile\n\n   # indented comment\nFROM k2:1 # base\nADD ./a#b.yaml\nADD "./with # hash.yaml"   # real comment\n');
    expect(instructions.map((i) => (i.op === 'ADD' ? i.path : i.op))).toEqual(['FROM', './a#b.yaml', './with # hash.yaml']);
  });

  it('joins continued lines, skipping comment lines inside', () => {
    const instructions = parse('FROM k2:1\nINSTALL helm/r/c \\\n  --namespace apps \\\n  # a comment in between\n  --set a=1\nUNINSTALL c\n');
    expect(instructions[1]).toMatchObject({ op: 'INSTALL', release: { namespace: 'apps', set: ['a=1'] }, position: { line: 2, column: 1 } });
    expect(instructions[2]).toMatchObject({ op: 'UNINSTALL', position: { line: 6, column: 1 } });
  });

  it('handles single quotes (literal), double quotes (substituting) and backslash escapes', () => {
    const instructions = parse(`FROM k2:1\nARG who=team\nLABEL a='$who x' b="$who y" c=\\$who d="say \\"hi\\"" e=a\\ b\n`);
    expect(instructions[2]).toMatchObject({ labels: { a: '$who x', b: 'team y', c: '$who', d: 'say "hi"', e: 'a b' } });
  });

  it('accepts CRLF line ends', () => {
    expect(parse('FROM k2:1\r\nUNINSTALL x\r\n').map((i) => i.op)).toEqual(['FROM', 'UNINSTALL']);
  });
});

describe('ARG substitution', () => {
  it('substitutes $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alt}', () => {
    const instructions = parse('ARG tag=1.0\nFROM base:${tag}\nARG env\nARG region=eu\nLABEL a=$tag b=${tag}-x c=${env:-dev} d=${region:+set} e=${env:+set}\n');
    expect(instructions[1]).toMatchObject({ op: 'FROM', reference: 'base:1.0' });
    expect(instructions[4]).toMatchObject({ labels: { a: '1.0', b: '1.0-x', c: 'dev', d: 'set', e: '' } });
  });

  it('lets --build-arg override defaults and reports unused build args', () => {
    const parsed = parseK8sfile('FROM k2:1\nARG env=dev\nLABEL env=$env\n', { buildArgs: { env: 'prod', other: 'x' } });
    expect(parsed.instructions[2]).toMatchObject({ labels: { env: 'prod' } });
    expect(parsed.args).toEqual({ env: 'prod' });
    expect(parsed.unusedBuildArgs).toEqual(['other']);
  });

  it('expands earlier ARGs in a later default', () => {
    expect(parse('FROM k2:1\nARG a=x\nARG b=${a}-y\nLABEL b=$b\n')[3]).toMatchObject({ labels: { b: 'x-y' } });
  });

  it('uses an ARG only after it is declared', () => {
    expect(errorOf('FROM k2:1\nLABEL a=$later\nARG later=1\n')).toBe('K8sfile:2:9: undefined variable $later (declare it with ARG)');
  });
});

describe('errors name the line and column', () => {
  const cases: [string, string, string][] = [
    ['unknown instruction', 'FROM k2:1\nCOPY a b\n', 'K8sfile:2:1: unknown instruction COPY (want one of FROM, ARG, ADD, INSTALL, CONFIG, REMOVE, UNINSTALL, LABEL)'],
    ['missing FROM', 'ADD ./x\n', 'K8sfile:1:1: ADD before FROM: a K8sfile starts with FROM (only ARG may come before it)'],
    ['empty file', '# nothing\n', 'K8sfile:1:1: no FROM: a K8sfile starts with FROM (FROM k2:1 for the bare base, FROM scratch for nothing)'],
    ['two FROMs', 'FROM k2:1\nFROM k2:1\n', 'K8sfile:2:1: a K8sfile has one FROM'],
    ['FROM without a reference', 'FROM\n', 'K8sfile:1:6: FROM needs one reference (name:tag, a path, a registry reference, k2:1 or scratch)'],
    ['FROM with two references', 'FROM a b\n', 'K8sfile:1:8: FROM takes one reference (name:tag, a path, a registry reference, k2:1 or scratch); unexpected "b"'],
    ['bad INSTALL source', 'FROM k2:1\nINSTALL  stable/redis\n', 'K8sfile:2:10: invalid chart "stable/redis": want helm/<repo>/<chart>[@version] or oci://host/path/chart:version'],
    ['bad OCI reference', 'FROM k2:1\nINSTALL oci://host\n', 'K8sfile:2:9: invalid OCI chart reference "oci://host": want oci://host/path/chart:version'],
    ['unknown option', 'FROM k2:1\nINSTALL helm/r/c --replicas 3\n', 'K8sfile:2:18: unknown option --replicas (want --name, --namespace, --values, --set, --version)'],
    ['option without value', 'FROM k2:1\nINSTALL helm/r/c --namespace\n', 'K8sfile:2:18: --namespace needs a value'],
    ['bad --set', 'FROM k2:1\nINSTALL helm/r/c --set novalue\n', 'K8sfile:2:18: --set wants path=value, got "novalue"'],
    ['bad release name', 'FROM k2:1\nINSTALL helm/r/c --name Web_1\n', "K8sfile:2:18: invalid release name \"Web_1\": lowercase letters, digits and '-', at most 53 characters"],
    ['two versions', 'FROM k2:1\nINSTALL helm/r/c@1 --version 2\n', 'K8sfile:2:9: version 1 in the reference and --version 2 differ'],
    ['ADD without path', 'FROM k2:1\nADD\n', 'K8sfile:2:5: ADD takes one path (a YAML file, a folder, a chart folder or a .tgz chart)'],
    ['ADD with two paths', 'FROM k2:1\nADD a b\n', 'K8sfile:2:7: ADD takes one path (a YAML file, a folder, a chart folder or a .tgz chart)'],
    ['ADD --version', 'FROM k2:1\nADD ./c --version 1\n', 'K8sfile:2:9: unknown option --version (want --name, --namespace, --values, --set)'],
    ['REMOVE without slash', 'FROM k2:1\nREMOVE web\n', 'K8sfile:2:8: REMOVE wants kind/name, got "web"'],
    ['REMOVE bad option', 'FROM k2:1\nREMOVE deploy/web --all\n', 'K8sfile:2:19: unknown option --all (want -n NAMESPACE)'],
    ['UNINSTALL two names', 'FROM k2:1\nUNINSTALL a b\n', 'K8sfile:2:13: UNINSTALL takes one release name; unexpected "b"'],
    ['CONFIG without =', 'FROM k2:1\nCONFIG log-level\n', 'K8sfile:2:8: CONFIG wants key=value, got "log-level"'],
    ['CONFIG unknown setting', 'FROM k2:1\nCONFIG log-level=info snapshot.schedule="0 * * * *"\n', 'K8sfile:2:23: unknown setting "snapshot.schedule": CONFIG takes k2 server flag names (did you mean snapshot-dir, snapshot-compress, snapshot-s3, snapshot-s3-endpoint?)'],
    ['CONFIG bad port', 'FROM k2:1\nCONFIG https-listen-port=70000\n', 'K8sfile:2:8: invalid value for https-listen-port: invalid port "70000": want a number from 0 to 65535'],
    ['CONFIG bad boolean', 'FROM k2:1\nCONFIG disable-agent=maybe\n', 'K8sfile:2:8: invalid value for disable-agent: "maybe" (want true or false)'],
    ['CONFIG bad choice', 'FROM k2:1\n  CONFIG log-level=loud\n', 'K8sfile:2:10: invalid value for log-level: Invalid values: Argument: log-level, Given: "loud", Choices: "trace", "debug", "info", "warn", "error", "fatal", "silent"'],
    ['unterminated quote', 'FROM k2:1\nLABEL a="open\n', 'K8sfile:2:9: unterminated double quote'],
    ['unterminated ${', 'FROM k2:1\nLABEL a=${x\n', 'K8sfile:2:9: unterminated ${…}: missing }'],
    ['bad substitution', 'FROM k2:1\nLABEL a=${x y}\n', 'K8sfile:2:9: bad substitution ${x y}'],
    ['undefined ${}', 'FROM k2:1\nLABEL a=b${nope}\n', 'K8sfile:2:10: undefined variable ${nope} (declare it with ARG)'],
    ['bad ARG name', 'ARG 1x=2\nFROM k2:1\n', 'K8sfile:1:5: invalid ARG name "1x": letters, digits and _, not starting with a digit'],
    ['ARG with two words', 'FROM k2:1\nARG a=1 b=2\n', 'K8sfile:2:9: ARG takes one name=default; quote a default that has spaces'],
    ['error on a continued line', 'FROM k2:1\nINSTALL helm/r/c \\\n   --bogus 1\n', 'K8sfile:3:4: unknown option --bogus (want --name, --namespace, --values, --set, --version)'],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('uses the file name it is given', () => {
    expect(() => parseK8sfile('FROM k2:1\nNOPE\n', { file: 'env/K8sfile' })).toThrow('env/K8sfile:2:1: unknown instruction NOPE');
  });
});
