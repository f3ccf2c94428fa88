/** Which config the agent serves and whether it hears from the control plane (set by agent/xds/xds-metrics.ts, the updater and the cached-start feed). */
import { Gauge, type Registry } from 'prom-client';

export class ControlPlaneMetrics {
  readonly configVersion: Gauge;
  readonly connected: Gauge;
  readonly stale: Gauge;

  constructor(registry: Registry) {
    this.configVersion = new Gauge({
      name: 'weft_config_version',
      help: 'Version of the mesh config the agent serves (bumps when the config changes); set only while versions are numbers',
      registers: [registry],
    });
    this.connected = new Gauge({
      name: 'weft_control_plane_connected',
      help: '1 while the agent has a synced stream to the control plane; 0 while it serves its last good config (always 0 standalone, with --config-dir)',
      registers: [registry],
    });
    this.stale = new Gauge({
      name: 'weft_config_stale',
      help: "1 while the agent runs on the node's cached config because the control plane has not answered since it started; 0 otherwise",
      registers: [registry],
    });
  }
}
