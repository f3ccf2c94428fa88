/**
 * Runs a rendered manifest's container on this machine as the kubelet would
 * run it, as far as that is possible without a container runtime: its
 * args with `$(VAR)` expanded from its env (downward-API fields given by
 * the test), its volume mount paths moved to the test's directories, its
 * user and its capabilities applied with setpriv.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { installRoot } from '../../core/paths.js';

export const weftCommand = [process.execPath, join(installRoot, 'bin', 'weft.js')];

/** The container's env, fieldRefs answered from `fields` (e.g. spec.nodeName). */
export function containerEnv(container: any, fields: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else {
      const path = variable.valueFrom?.fieldRef?.fieldPath as string | undefined;
      assert.ok(path && fields[path] !== undefined, `${variable.name}: no value for ${JSON.stringify(variable.valueFrom)}`);
      env[variable.name] = fields[path];
    }
  }
  return env;
}

/**
 * `weft <args>` with `$(VAR)` expanded and every absolute path moved by
 * `paths` (longest prefix first). A path argument no prefix covers fails
 * the test: the manifest grew a path this run does not provide.
 */
export function containerArgs(container: any, env: Record<string, string>, paths: Record<string, string>): string[] {
  const prefixes = Object.keys(paths).sort((a, b) => b.length - a.length);
  return (container.args as string[]).map((arg) => {
    const expanded = arg.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
    const match = /^(--[a-z0-9-]+=)(\/.*)$/.exec(expanded);
    if (!match) return expanded;
    const prefix = prefixes.find((p) => match[2] === p || match[2]!.startsWith(`${p}/`));
    assert.ok(prefix, `${arg}: a path this run does not map`);
    return `${match[1]}${paths[prefix]}${match[2]!.slice(prefix.length)}`;
  });
}

/** setpriv for the container's securityContext: user, `drop: [ALL]` + `add`, no_new_privs. */
export function asContainer(container: any, pod: any, argv: string[], options: { without?: string } = {}): string[] {
  const context = { ...(pod?.securityContext ?? {}), ...(container.securityContext ?? {}) };
  const { drop, add = [] } = (context.capabilities ?? {}) as { drop?: string[]; add?: string[] };
  assert.deepEqual(drop, ['ALL'], 'every container drops all capabilities');
  const kept = add.filter((capability) => capability !== options.without).map((capability) => `+${capability.toLowerCase()}`);
  const user = context.runAsUser !== undefined && context.runAsUser !== 0 ? [`--reuid=${context.runAsUser}`, `--regid=${context.runAsGroup ?? context.runAsUser}`, '--clear-groups'] : [];
  const noNewPrivs = context.allowPrivilegeEscalation === false ? ['--no-new-privs'] : [];
  return ['setpriv', ...user, `--bounding-set=${['-all', ...kept].join(',')}`, '--inh-caps=-all', ...noNewPrivs, '--', ...argv];
}
