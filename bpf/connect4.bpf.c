/* cgroup/connect4 on each meshed pod's cgroup: a connect to a meshed
 * destination goes to the node proxy instead, with a record of where it was
 * going and which cgroup asked. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "include/helpers.h"

static __always_inline int is_meshed(__u32 ip, __u16 port)
{
	struct mesh_dst_key key = { .ip = ip, .port = port };

	if (bpf_map_lookup_elem(&mesh_dst, &key))
		return 1;
	key.port = 0; /* a meshed pod IP matches on every port */
	return bpf_map_lookup_elem(&mesh_dst, &key) != 0;
}

static __always_inline int redirect_to_proxy(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	struct proxy_addr *proxy;
	struct orig_dst record = {};
	__u64 cookie;

	if (ctx->protocol != IPPROTO_TCP)
		return CGROUP_ALLOW;
	if (!is_meshed(ctx->user_ip4, (__u16)ctx->user_port))
		return CGROUP_ALLOW;

	proxy = bpf_map_lookup_elem(&proxy_addr, &zero);
	if (!proxy || !proxy->ip) {
		stat_inc(STAT_PROXY_UNSET);
		return CGROUP_ALLOW;
	}

	record.ip = ctx->user_ip4;
	record.port = (__u16)ctx->user_port;
	record.cgroup_id = bpf_get_current_cgroup_id();
	cookie = bpf_get_socket_cookie(ctx);
	if (bpf_map_update_elem(&cookie_orig_dst, &cookie, &record, BPF_ANY))
		return CGROUP_ALLOW; /* never reached in practice: LRU evicts */

	ctx->user_ip4 = proxy->ip;
	ctx->user_port = proxy->port;
	stat_inc(STAT_REDIRECTED);
	return CGROUP_ALLOW;
}

SEC("cgroup/connect4")
int weft_connect4(struct bpf_sock_addr *ctx)
{
	return redirect_to_proxy(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
