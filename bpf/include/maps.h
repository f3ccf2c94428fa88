/* Every map of Weft's programs. Each is pinned by name under the agent's
 * pin root (e.g. /sys/fs/bpf/weft/<node>/), so programs built from separate
 * objects share them, and they outlive an agent restart. */
#ifndef WEFT_MAPS_H
#define WEFT_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"

/* Written by the agent (enrolment): meshed service VIPs and pod IPs.
 * Read by connect4. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mesh_dst_key);
	__type(value, struct mesh_dst_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mesh_dst SEC(".maps");

/* Written by the agent at start: the node proxy's outbound listener.
 * Read by connect4. One entry, index 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proxy_addr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} proxy_addr SEC(".maps");

/* Written by connect4, keyed by socket cookie; moved to pair_orig_dst by
 * sockops once the connection is established. LRU: a connect that never
 * establishes ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct orig_dst);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cookie_orig_dst SEC(".maps");

/* Written by sockops, read (and deleted) by the proxy when it accepts the
 * connection: the key is the client's (ip, port) -> proxy (ip, port). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sock_pair);
	__type(value, struct orig_dst);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pair_orig_dst SEC(".maps");

/* Written by the agent (enrolment), per enrolled pod on this node: its mTLS
 * mode and the proxy address STRICT admits. Read by ingress. A pod without
 * an entry is PERMISSIVE, the mesh default. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ingress_key);
	__type(value, struct ingress_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cgroup_ingress SEC(".maps");

/* Written by the agent (enrolment), per enrolled pod: which of its ports'
 * inbound connections the proxy captures. Read by inbound-capture. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct capture_key);
	__type(value, struct capture_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} inbound_capture SEC(".maps");

/* Written by the agent: per pod IP, the proxy's listening socket inside that
 * pod's network namespace. The kernel drops an entry when its socket closes,
 * so an agent that is gone leaves none behind. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} inbound_sockets SEC(".maps");

/* Written by all programs; read by the agent's metrics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

#endif
