/**
 * The `weft.dev/opaque-ports` annotation on a Service (Linkerd's
 * `config.linkerd.io/opaque-ports`, for Weft): a comma-separated list of
 * the Service's ports, by number or by name, that are TCP whatever they
 * declare or are named, so the proxy never waits for their first bytes nor
 * parses them (a server-first protocol on an ordinary-looking port, a
 * custom protocol that happens to start like HTTP).
 */
export const opaquePortsAnnotation = 'weft.dev/opaque-ports';

export interface OpaquePorts {
  /** the ports the annotation names, by number and by name */
  matches(port: { port: number; name?: string }): boolean;
  /** entries that name no port of the Service (said as a warning) */
  unknown: string[];
}

export function parseOpaquePorts(value: string | undefined, ports: ReadonlyArray<{ port: number; name?: string }>): OpaquePorts {
  const entries = (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const named = (entry: string, port: { port: number; name?: string }) => (/^\d+$/.test(entry) ? Number(entry) === port.port : entry === port.name);
  return {
    matches: (port) => entries.some((entry) => named(entry, port)),
    unknown: entries.filter((entry) => !ports.some((port) => named(entry, port))),
  };
}
