// `k2 kubectl …` runs the kubectl on PATH against this machine's k2, like `k3s kubectl`.
import { spawn } from 'node:child_process';
import type { CommandModule } from 'yargs';
import { localKubeconfig } from './paths.ts';

export const kubectlCommand: CommandModule = {
  command: 'kubectl [args..]',
  describe: "Run kubectl against this machine's k2 (KUBECONFIG, else <K2_DATA_DIR>/kubeconfig.yaml)",
  builder: (y) => y.strict(false).parserConfiguration({ 'unknown-options-as-args': true }).help(false),
  handler: () => {
    // yargs has already split the arguments; take them verbatim from argv instead.
    const at = process.argv.indexOf('kubectl');
    runKubectl(process.argv.slice(at + 1));
  },
};

export function runKubectl(args: string[]): void {
  const kubeconfig = process.env.KUBECONFIG || localKubeconfig();
  const child = spawn('kubectl', args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  child.on('error', (error) => {
    process.stderr.write(`k2: cannot run kubectl: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
