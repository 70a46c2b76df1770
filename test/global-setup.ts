// Builds the k2 bundle once per test run; every e2e test starts real servers from it.
import { bundleK2 } from '../packaging/sea/build.ts';
import { testBundlePath } from './e2e/harness.ts';

export default async function setup(): Promise<void> {
  await bundleK2(testBundlePath, { nativeModulesFromNodeModules: true });
}
