/**
 * The control-plane connection in the agent's metrics:
 * `weft_control_plane_connected` follows the client's state, and
 * `weft_config_version` follows the system version when it is a number
 * (the gauge cannot hold anything else; a control plane that versions with
 * counters gets a graph of it, one that uses hashes does not).
 */
import type { AgentMetrics } from '../metrics.js';
import type { XdsClient } from './xds-client.js';

export function bindXdsMetrics(client: XdsClient, metrics: Pick<AgentMetrics, 'controlPlaneConnected' | 'configVersion'>): () => void {
  const setVersion = (version: string | undefined) => {
    if (version !== undefined && /^\d+$/.test(version)) metrics.configVersion.set(Number(version));
  };
  metrics.controlPlaneConnected.set(client.state === 'connected' ? 1 : 0);
  setVersion(client.version);
  const offState = client.onState((state) => metrics.controlPlaneConnected.set(state === 'connected' ? 1 : 0));
  const onResponse = ({ version }: { version: string }) => setVersion(version);
  client.on('response', onResponse);
  return () => {
    offState();
    client.off('response', onResponse);
  };
}
