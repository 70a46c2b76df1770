// Pod-level cgroup folders (`<cgroup root>/pod<uid>` in every v1 hierarchy, or once in the v2 tree): runc
// removes a container's own cgroup when it ends, but nothing removes the pod's parent folder, so the agent does.
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const cgroupMount = '/sys/fs/cgroup';

/** The cgroup parent of a pod's containers, relative to each hierarchy's root. */
export function podCgroupParent(cgroupRoot: string, uid: string): string {
  return `${cgroupRoot.replace(/\/+$/, '')}/pod${uid}`;
}

/** Every hierarchy root: the v1 controller mounts (cpu, memory, …) or, on a pure v2 machine, the mount itself. */
async function hierarchies(mount = cgroupMount): Promise<string[]> {
  const isV2 = await stat(join(mount, 'cgroup.controllers')).then(
    () => true,
    () => false,
  );
  if (isV2) return [mount];
  const entries = await readdir(mount, { withFileTypes: true }).catch(() => []);
  // v1 hybrids mount some controllers twice (cpu,cpuacct and cpu → symlinks); real folders only.
  return entries.filter((e) => e.isDirectory()).map((e) => join(mount, e.name));
}

/** Removes a cgroup folder and its child cgroups, deepest first (a cgroup can only be removed once empty). */
async function removeCgroupTree(path: string): Promise<boolean> {
  const children = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const child of children) if (child.isDirectory()) await removeCgroupTree(join(path, child.name));
  return rmdir(path).then(
    () => true,
    () => false,
  );
}

/** The pod uids that have a cgroup folder under the root in any hierarchy. */
export async function podCgroupUids(cgroupRoot: string): Promise<Set<string>> {
  const uids = new Set<string>();
  for (const hierarchy of await hierarchies()) {
    for (const name of await readdir(join(hierarchy, cgroupRoot)).catch(() => [] as string[])) {
      if (name.startsWith('pod')) uids.add(name.slice(3));
    }
  }
  return uids;
}

/** Removes the pod's cgroup folders in every hierarchy; returns how many were removed. */
export async function removePodCgroups(cgroupRoot: string, uid: string): Promise<number> {
  let removed = 0;
  for (const hierarchy of await hierarchies()) {
    const path = join(hierarchy, podCgroupParent(cgroupRoot, uid));
    if (await stat(path).then(() => true, () => false)) if (await removeCgroupTree(path)) removed++;
  }
  return removed;
}
