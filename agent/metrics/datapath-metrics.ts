/** The eBPF datapath, read at scrape time: connects redirected, and how full each pinned map is. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** How full a pinned eBPF map is. */
export interface MapFill {
  map: string;
  entries: number;
  capacity: number;
}

export interface DatapathCounters {
  redirected(): bigint;
  /** the hash maps whose fill is worth watching; absent without a datapath */
  mapFill?(): MapFill[];
}

export function registerDatapathMetrics(registry: Registry, datapath: DatapathCounters | undefined): void {
  let lastRedirected = 0n;
  new Counter({
    name: 'weft_redirected_connects_total',
    help: 'Connects that the eBPF connect4 program redirected to the node proxy (a per-CPU map counter, summed at scrape time)',
    registers: [registry],
    collect() {
      if (!datapath) return;
      const now = datapath.redirected();
      if (now > lastRedirected) this.inc(Number(now - lastRedirected));
      lastRedirected = now;
    },
  });
  // One read of the maps per scrape, shared by the two gauges (whichever prom-client collects first reads).
  let fill: { at: number; maps: MapFill[] } | undefined;
  const mapFill = (): MapFill[] => {
    if (!datapath?.mapFill) return [];
    const now = Date.now();
    if (!fill || now - fill.at > 1000) fill = { at: now, maps: datapath.mapFill() };
    return fill.maps;
  };
  new Gauge({
    name: 'weft_bpf_map_entries',
    help: 'Entries in each pinned eBPF hash map (mesh_dst, cookie_orig_dst, pair_orig_dst, cgroup_ingress), counted at scrape time',
    labelNames: ['map'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { map, entries } of mapFill()) this.set({ map }, entries);
    },
  });
  new Gauge({
    name: 'weft_bpf_map_capacity',
    help: 'max_entries of each pinned eBPF hash map; LRU maps evict their oldest entries when full, the others refuse new ones',
    labelNames: ['map'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { map, capacity } of mapFill()) this.set({ map }, capacity);
    },
  });
}
