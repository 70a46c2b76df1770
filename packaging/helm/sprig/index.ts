// Sprig's function map (Masterminds/sprig v3 TxtFuncMap), built from its groups.
import { type GoFunc, goFunc } from '../../gotemplate/values.ts';
import { SemVersion, semverCompare } from '../semver.ts';
import { collectionFuncs } from './collections.ts';
import { cryptoFuncs } from './crypto.ts';
import { dateFuncs } from './dates.ts';
import { numberFuncs } from './numbers.ts';
import { textFuncs } from './text.ts';

function expandEnv(s: string): string {
  return s.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_all, braced: string | undefined, bare: string | undefined) => process.env[braced ?? bare ?? ''] ?? '');
}

/** Every Sprig function. Helm removes `env` and `expandenv` (see helmFuncs). */
export function sprigFuncs(): Record<string, GoFunc> {
  return {
    hello: goFunc([], () => 'Hello!'),
    ...textFuncs,
    ...numberFuncs,
    ...collectionFuncs,
    ...cryptoFuncs,
    ...dateFuncs,
    env: goFunc(['string'], (name: string) => process.env[name] ?? ''),
    expandenv: goFunc(['string'], expandEnv),
    // DNS lookups would leave the machine; Helm disables them unless asked, and k2 never asks.
    getHostByName: goFunc(['string'], () => ''),
    semver: goFunc(['string'], (v: string) => SemVersion.parse(v)),
    semverCompare: goFunc(['string', 'string'], semverCompare),
    fail: goFunc(['string'], (message: string) => {
      throw new Error(message);
    }),
  };
}
