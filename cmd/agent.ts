// `k2 agent --server URL --token TOKEN`: this machine as another node of a k2 cluster. It joins with a bootstrap
// token (`k2 token create` on the server), keeps the certificates it is given, serves its own HTTPS endpoint for
// the API server (logs, exec, attach, port-forward, metrics) and runs the same node agent as `k2 server`, over
// HTTPS list+watch instead of the in-process cache.
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { createLogger, logLevels, type LogFormat, type LogLevel } from './logging.ts';
import { nodeFlags, toNodeFlags } from './node-options.ts';
import { port } from './server-options.ts';
import { defaultDataDir } from './paths.ts';

export const agentCommand: CommandModule = {
  command: 'agent',
  describe: 'Run this machine as a node of a k2 cluster (joins with a token from `k2 token create`)',
  builder: (y) =>
    y
      .env('K2')
      .options({
        server: { type: 'string', demandOption: true, describe: 'URL of the k2 server, e.g. https://k2.lan:6443', group: 'Agent:' },
        token: { type: 'string', describe: 'Join token from `k2 token create` (not needed once joined)', group: 'Agent:' },
        'data-dir': { type: 'string', default: defaultDataDir(), describe: 'Folder for the node credentials, containerd and pod data', group: 'Agent:' },
        'node-name': { type: 'string', default: '', describe: 'Name of this node [default: the host name]', group: 'Agent:' },
        'kubelet-port': { type: 'string', default: 10250, coerce: port, describe: "Port of the node's HTTPS endpoint for the API server (0 picks a free one)", group: 'Agent:' },
        ...nodeFlags,
        'log-level': { type: 'string', choices: logLevels, default: 'info' as LogLevel, describe: 'Log level', group: 'Logging:' },
        'log-format': { type: 'string', choices: ['json', 'text'] as const, default: 'json' as LogFormat, describe: 'Log line format', group: 'Logging:' },
      })
      .check((argv) => {
        if (!/^https:\/\//.test(String(argv.server))) throw new Error(`--server must be an https:// URL, not "${argv.server}"`);
        return true;
      })
      .strict(),
  handler: async (argv) => {
    // The implementation loads only for this command.
    const { NodeAgent } = await import('../kubelet-bridge/agent.ts');
    const { RemoteNodeApi } = await import('../kubelet-bridge/api/remote.ts');
    const { joinCluster, savedCredentials } = await import('../kubelet-bridge/join.ts');
    const { LocalNodeEndpoint } = await import('../kubelet-bridge/local-endpoint.ts');
    const { primaryNodeAddress } = await import('../kubelet-bridge/network/cni.ts');
    const { defaultNodeName } = await import('../kubelet-bridge/node-status.ts');
    const { NodeServer } = await import('../kubelet-bridge/node-server.ts');
    const log = createLogger(argv['log-level'] as LogLevel, argv['log-format'] as LogFormat);
    const dataDir = resolve(argv['data-dir'] as string);
    const server = String(argv.server).replace(/\/+$/, '');
    const nodeName = (argv['node-name'] as string) || defaultNodeName();
    const flags = toNodeFlags(argv as Record<string, unknown>);
    const nodeIP = flags.nodeIP ?? primaryNodeAddress();

    let credentials = await savedCredentials(dataDir, server, nodeName);
    if (!credentials) {
      if (!argv.token) throw new Error(`this node has not joined ${server} yet: pass --token (from \`k2 token create\` on the server)`);
      credentials = await joinCluster({ dataDir, server, token: String(argv.token), nodeName, nodeIP, log });
    }
    const api = new RemoteNodeApi({ server, caPem: credentials.caPem, certPem: credentials.clientCertPem, keyPem: credentials.keyPem, log });
    let endpoint: InstanceType<typeof LocalNodeEndpoint> | undefined;
    const nodeServer = await NodeServer.start({
      caPem: credentials.caPem,
      certPem: credentials.servingCertPem,
      keyPem: credentials.keyPem,
      host: flags.nodeIP ?? '0.0.0.0',
      port: argv['kubelet-port'] as number,
      endpoint: () => endpoint,
      log,
    });
    let agent: Awaited<ReturnType<typeof NodeAgent.start>> | undefined;
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'shutting down');
      void (async () => {
        await agent?.stop();
        await nodeServer.stop();
        api.close();
        process.exit(0);
      })();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    agent = await NodeAgent.start({
      api,
      nodeName,
      dataDir,
      log,
      network: credentials.network,
      nodeIP,
      containerRuntimeEndpoint: flags.containerRuntimeEndpoint,
      cgroupRoot: flags.cgroupRoot,
      kubeletPort: nodeServer.port,
      serviceProxy: !flags.disableKubeProxy,
    });
    endpoint = new LocalNodeEndpoint(agent);
    log.info({ server, node: nodeName, kubeletPort: nodeServer.port }, 'k2 agent is ready');
  },
};
