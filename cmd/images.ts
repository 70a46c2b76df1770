// `k2 images` (the local store as a table) and `k2 inspect REF` (what an artifact holds).
import type { CommandModule } from 'yargs';
import { formatColumns } from './columns.ts';

function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const units: [number, string][] = [[86400 * 365, 'year'], [86400 * 30, 'month'], [86400 * 7, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
  }
  return 'Less than a second ago';
}

export const imagesCommand: CommandModule<object, { digests?: boolean }> = {
  command: 'images',
  describe: 'List the artifacts of the local store',
  builder: (y) => y.option('digests', { type: 'boolean', describe: 'Show full digests' }) as never,
  handler: async (argv) => {
    const [{ openStore, formatSize }, { refNameAnnotation, createdAnnotation }] = await Promise.all([import('../packaging/k8sfile/transfer.ts'), import('../packaging/k8sfile/store.ts')]);
    const store = openStore();
    const rows = [['REPOSITORY', 'TAG', 'DIGEST', 'CREATED', 'SIZE']];
    for (const entry of store.index().manifests) {
      const name = entry.annotations?.[refNameAnnotation];
      if (!name) continue;
      const colon = name.lastIndexOf(':');
      const manifest = store.readJson<{ config: { size: number }; layers: { size: number }[] }>(entry.digest);
      const size = manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
      rows.push([name.slice(0, colon), name.slice(colon + 1), argv.digests ? entry.digest : entry.digest.slice(0, 19), ago(entry.annotations?.[createdAnnotation]), formatSize(size)]);
    }
    process.stdout.write(formatColumns(rows));
  },
};

export const inspectCommand: CommandModule<object, { reference: string; output?: string }> = {
  command: 'inspect <reference>',
  describe: "Show an artifact's layers, releases, objects, settings and parent chain",
  builder: (y) =>
    y
      .positional('reference', { type: 'string', demandOption: true, describe: 'name:tag, a digest, a saved tar, or a registry reference' })
      .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text', describe: 'Output format' }) as never,
  handler: async (argv) => {
    const { resolveArtifact, formatSize } = await import('../packaging/k8sfile/transfer.ts');
    const { reference, digest, manifest, config } = await resolveArtifact(argv.reference);
    if (argv.output === 'json') {
      process.stdout.write(`${JSON.stringify({ reference, digest, manifest, config }, null, 2)}\n`);
      return;
    }
    const out: string[] = [`Reference: ${reference}`, `Digest:    ${digest}`];
    out.push('Parents:', ...(config.parents.length ? config.parents.map((p) => `  ${p.reference}  ${p.digest}`) : ['  (none: FROM scratch)']));
    const layerInstruction = new Map(config.history.filter((h) => h.layer).map((h) => [h.layer!, h.instruction]));
    out.push('Layers:', ...(manifest.layers.length ? manifest.layers.map((l) => `  ${l.digest.slice(0, 19)}  ${formatSize(l.size).padStart(7)}  ${layerInstruction.get(l.digest) ?? ''}`) : ['  (none)']));
    out.push('Releases:', ...(config.releases.length ? config.releases.map((r) => `  ${r.name} (namespace ${r.namespace}): ${r.chart} ${r.version}  ${r.digest.slice(0, 19)}  from ${r.source}`) : ['  (none)']));
    out.push('Settings:', ...(Object.keys(config.settings).length ? Object.entries(config.settings).map(([k, v]) => `  ${k}=${v}`) : ['  (none)']));
    if (Object.keys(config.labels).length) out.push('Labels:', ...Object.entries(config.labels).map(([k, v]) => `  ${k}=${v}`));
    if (config.removals.length) out.push('Removed:', ...config.removals.map((r) => `  ${r.kind}/${r.name}${r.namespace ? ` -n ${r.namespace}` : ''}`));
    out.push(`Objects (${config.objects.length}):`, ...config.objects.map(({ object, source }) => `  ${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}  (${source})`));
    process.stdout.write(`${out.join('\n')}\n`);
  },
};
