// `k2 image import FILE…` and `k2 image ls`: images of this node's container runtime, without a registry
// (like `k3s ctr images import`). They talk to the containerd k2 runs (<data-dir>/agent/containerd/) or to
// --container-runtime-endpoint.
import type { Argv, CommandModule } from 'yargs';
import type { ImageStore } from '../kubelet-bridge/images/image-store.ts';
import { defaultDataDir } from './paths.ts';

interface ImageArgs {
  'data-dir': string;
  'container-runtime-endpoint'?: string;
  files?: string[];
  output?: string;
}

/** The node's image store (the container runtime's client loads only for these commands). */
async function openStore(argv: ImageArgs): Promise<{ store: ImageStore; close: () => Promise<void> }> {
  const { containerdLayout, ExternalRuntime } = await import('../kubelet-bridge/containerd.ts');
  const { ImageStore } = await import('../kubelet-bridge/images/image-store.ts');
  const endpoint = argv['container-runtime-endpoint'] || `unix://${containerdLayout(argv['data-dir']).socket}`;
  const runtime = new ExternalRuntime(endpoint);
  try {
    await runtime.cri.waitReady(3000);
  } catch {
    await runtime.stop();
    throw new Error(`no container runtime answers at ${endpoint}: is k2 running on this machine (or pass --container-runtime-endpoint)?`);
  }
  return { store: new ImageStore(runtime.cri, runtime.containerdSocket), close: () => runtime.stop() };
}

const runtimeOptions = <T>(y: Argv<T>) =>
  y.options({
    'data-dir': { type: 'string', default: process.env.K2_DATA_DIR || defaultDataDir(), describe: "k2's data dir (its containerd socket is under agent/containerd/)" },
    'container-runtime-endpoint': { type: 'string', describe: 'CRI endpoint of another containerd, e.g. unix:///run/containerd/containerd.sock' },
  });

const importCommand: CommandModule<object, ImageArgs> = {
  command: 'import <files..>',
  describe: 'Import image archives (OCI layout or docker save tarballs) into the node',
  builder: (y) => runtimeOptions(y).positional('files', { type: 'string', array: true, describe: 'archive files' }) as unknown as Argv<ImageArgs>,
  handler: async (argv) => {
    const { store, close } = await openStore(argv);
    try {
      for (const file of argv.files ?? []) {
        const names = await store.importFile(file);
        process.stdout.write(`${file}: ${names.length ? names.join(', ') : 'imported (no image names in the archive)'}\n`);
      }
    } finally {
      await close();
    }
  },
};

const listCommand: CommandModule<object, ImageArgs> = {
  command: ['ls', 'list'],
  describe: "List the node's images",
  builder: (y) => runtimeOptions(y).option('output', { alias: 'o', choices: ['json'] as const, describe: 'Print as JSON' }) as unknown as Argv<ImageArgs>,
  handler: async (argv) => {
    const { formatImageTable } = await import('../kubelet-bridge/images/image-store.ts');
    const { store, close } = await openStore(argv);
    try {
      const images = await store.list();
      process.stdout.write(argv.output === 'json' ? `${JSON.stringify(images, null, 2)}\n` : formatImageTable(images));
    } finally {
      await close();
    }
  },
};

export const imageCommand: CommandModule = {
  command: 'image <command>',
  describe: "Import and list the node's container images (no registry needed)",
  builder: (y) => y.command(importCommand).command(listCommand).demandCommand(1, 'Name a subcommand: import or ls'),
  handler: () => {},
};
