/* sockops on each meshed pod's cgroup: once a redirected connection is
 * established, publish its record under the 4-tuple the proxy will see on
 * the socket it accepts. */
#include <linux/bpf.h>
#include <linux/socket.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "include/helpers.h"

#ifndef AF_INET
#define AF_INET 2
#endif

static __always_inline void publish_record(struct bpf_sock_ops *skops)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct orig_dst *record = bpf_map_lookup_elem(&cookie_orig_dst, &cookie);
	struct sock_pair pair = {};

	if (!record)
		return; /* not a redirected connection */

	pair.src_ip = skops->local_ip4;
	pair.src_port = bpf_htons((__u16)skops->local_port);
	pair.dst_ip = skops->remote_ip4;
	pair.dst_port = (__u16)(skops->remote_port >> 16);
	bpf_map_update_elem(&pair_orig_dst, &pair, record, BPF_ANY);
	bpf_map_delete_elem(&cookie_orig_dst, &cookie);
	stat_inc(STAT_PAIRED);
}

SEC("sockops")
int weft_sockops(struct bpf_sock_ops *skops)
{
	if (skops->family == AF_INET && skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		publish_record(skops);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
