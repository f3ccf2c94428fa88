#ifndef WEFT_HELPERS_H
#define WEFT_HELPERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"

/* cgroup programs: 1 lets the operation go on, 0 refuses it. */
#define CGROUP_ALLOW 1
#define CGROUP_DROP 0

static __always_inline void stat_inc(__u32 index)
{
	__u64 *counter = bpf_map_lookup_elem(&stats, &index);

	if (counter)
		*counter += 1;
}

#endif
