/* Structs shared by the eBPF programs and the agent's map codec
 * (agent/datapath/map-codec.ts mirrors these layouts byte for byte).
 * Addresses and ports are in network byte order everywhere, so the agent
 * encodes them once and the programs never convert. */
#ifndef WEFT_TYPES_H
#define WEFT_TYPES_H

#include <linux/types.h>

/* A meshed destination: a service VIP and port, or a meshed pod IP with
 * port 0 standing for "any port". */
struct mesh_dst_key {
	__u32 ip;
	__u16 port;
	__u16 pad;
};

struct mesh_dst_value {
	__u32 flags; /* MESH_DST_SERVICE or MESH_DST_WORKLOAD */
};

#define MESH_DST_SERVICE 1
#define MESH_DST_WORKLOAD 2

/* Where connect4 sends meshed connects: the node proxy's outbound listener. */
struct proxy_addr {
	__u32 ip;
	__u16 port;
	__u16 pad;
};

/* What the pod asked for, and who asked: identity comes from the cgroup,
 * never from the source address. */
struct orig_dst {
	__u32 ip;
	__u16 port;
	__u16 pad;
	__u64 cgroup_id;
};

/* A TCP connection as the proxy sees it from the socket it accepted. */
struct sock_pair {
	__u32 src_ip;
	__u32 dst_ip;
	__u16 src_port;
	__u16 dst_port;
};

/* Who may open connections to a meshed pod: its effective PeerAuthentication
 * mTLS mode. Port 0 is the pod-wide entry; an entry with a port overrides it
 * for connections to that port (portLevelMtls), as in mesh_dst. */
struct ingress_key {
	__u64 cgroup_id; /* the pod's cgroup, the one its programs are attached to */
	__u16 port;      /* the pod's listening port; 0 for every port */
	__u16 pad[3];
};

struct ingress_policy {
	__u32 mode;     /* INGRESS_MODE_* */
	__u32 proxy_ip; /* the node proxy: in STRICT, the one source a new connection may come from */
};

/* Only STRICT drops anything; DISABLE is kept apart so the map says what was configured. */
#define INGRESS_MODE_PERMISSIVE 0
#define INGRESS_MODE_STRICT 1
#define INGRESS_MODE_DISABLE 2

/* Whether inbound connections to a meshed pod's address are captured into the
 * node proxy (inbound-capture.bpf.c): keyed by the pod IP and its listening
 * port, port 0 for every port, as in ingress_key. STRICT ports are left to
 * the pod's own socket, where ingress drops what does not come from the proxy. */
struct capture_key {
	__u32 ip;
	__u16 port;
	__u16 pad;
};

struct capture_policy {
	__u32 capture;  /* 1: hand new connections to the proxy's socket in the pod */
	__u32 proxy_ip; /* the node proxy's own connections are never captured */
};

/* Indexes of the per-CPU counter array. */
enum weft_stat {
	STAT_REDIRECTED = 0,      /* connect4 rewrote a meshed connect */
	STAT_PAIRED = 1,          /* sockops published the record for the proxy */
	STAT_PROXY_UNSET = 2,     /* meshed connect seen before the agent set the proxy address */
	STAT_STRICT_DROPPED = 3,  /* ingress dropped a new connection to a STRICT pod not from the proxy */
	STAT_CAPTURED = 4,        /* inbound-capture handed a connection to the proxy's socket in the pod */
	STAT_CAPTURE_NO_SOCKET = 5, /* ... and dropped one, the proxy's socket being gone (agent down): fail closed */
	STAT_MAX = 6,
};

#endif
