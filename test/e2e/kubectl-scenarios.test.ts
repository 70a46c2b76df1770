// The kubectl scenarios of ../shared/kubectl (the API server's acceptance checks), run with every
// kubectl on this machine against a real k2 server.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxImage, containerdHookTimeoutMs } from '../node/containerd-fixture.ts';
import { startNodeServer, type NodeServer } from '../node/node-server.ts';
import { sharedFile } from '../tables/fixtures.ts';
import { kubectlBinary, startServer, type TestServer } from './harness.ts';

// Found from any checkout depth (a worktree is not beside ../shared), or K2_SHARED_DIR.
const scenariosDir = sharedFile('kubectl');
/** Each issue's scenarios and the kubectl versions its acceptance names. */
const suites = [
  {
    issue: 'API server core',
    scenarios: ['01_discovery', '02_configmap_crud', '06_output_formats', '07_watch', '09_namespace_lifecycle', '10_dryrun_validation', '11_diff_wait', '12_auth_scale_tables'],
    kubectls: ['1.27', '1.30', '1.33', 'plain'],
  },
  { issue: 'apply, patch and CRDs', scenarios: ['03_apply_client_side', '04_server_side_apply', '05_patch_types', '08_crd'], kubectls: ['1.27', '1.30', '1.33'] },
];

function runScenario(server: TestServer, version: string, scenario: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const binary = kubectlBinary(version);
  const path = [dirname(kubectlBinary('1.33')), process.env.PATH].join(':');
  return new Promise((resolve) => {
    execFile(
      join(scenariosDir, 'run.sh'),
      [binary, server.kubeconfig, scenario],
      { env: { ...process.env, ...env, PATH: path, KUBECACHEDIR: join(server.dataDir, `.kube-cache-${version}`) }, timeout: 180_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('kubectl scenarios against k2', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const suite of suites) {
    for (const version of suite.kubectls) {
      for (const scenario of suite.scenarios) {
        it(`${suite.issue}: ${scenario} with kubectl ${version}`, async () => {
          const result = await runScenario(server, version, scenario);
          expect(result.output).toMatch(/1 passed, 0 failed/);
          expect(result.code, result.output).toBe(0);
        }, 200_000);
      }
    }
  }
});

// Scenarios whose pods really run: a k2 server with its node (containerd), one at a time on this machine.
// 20 and 21 are covered by test/controllers/kubectl-workloads.test.ts and test/node/agent-kubectl.test.ts instead:
// both compare the output of `out … | wc -l` / `out … | head -3 | tr '\n' ' '`, and `out` prints its capture
// without the final newline (printf '%s'), so three names count as 2 and the last line has no trailing space —
// against any API server, Kubernetes included (printf '%s' "$(printf 'a\nb\nc\n')" | wc -l prints 2).
describe('kubectl scenarios with running pods', () => {
  let server: NodeServer;
  beforeAll(async () => {
    server = await startNodeServer();
  }, containerdHookTimeoutMs);
  afterAll(async () => {
    await server?.stop();
  });

  for (const version of ['1.30', '1.33']) {
    for (const scenario of ['22_jobs', '23_service_dns']) {
      it(`workloads and kubelet-bridge: ${scenario} with kubectl ${version}`, async () => {
        const result = await runScenario(server, version, scenario, { TEST_IMAGE: busyboxImage });
        expect(result.output).toMatch(/1 passed, 0 failed/);
        expect(result.code, result.output).toBe(0);
      }, 200_000);
    }
  }
});
