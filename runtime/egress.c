/* Egress filtering at create: the allowlist the policy decided (in the
 * spec's annotations) becomes four cgroup programs on the container's
 * cgroup2 directory. On a hybrid host that is its directory in the unified
 * hierarchy, which ward creates like every other hierarchy's, records in
 * the state and removes at delete, and which init is born in.
 *
 * Why the container cannot take them off: detaching needs a file
 * descriptor of the cgroup directory and, for a multi-program attachment,
 * one of the program, obtainable only by id with CAP_SYS_ADMIN of the
 * initial user namespace (bpf(2) is not namespaced). The container's
 * default capabilities hold neither CAP_SYS_ADMIN nor CAP_BPF nor
 * CAP_NET_ADMIN, the host's cgroup2 mount is not in its mount namespace,
 * and programs a process inside might add to a sub-cgroup only run in
 * addition to these (BPF_F_ALLOW_MULTI: every program must allow), never
 * instead of them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "egress.h"

static int attach(int cgfd, int prog, unsigned type, struct ward_error *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = type;
	/* A parent's programs (a nested runtime's, an agent's) keep applying
	 * too, and a descendant can only add restrictions. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return ward_error_errno(err, "attach the egress program");
	return 0;
}

int egress_attach(int cgfd, const struct policy_net *allow, size_t n, struct ward_error *err)
{
	static const struct {
		unsigned type;
		int family;
		const char *name;
	} hooks[] = {
		{ BPF_CGROUP_INET4_CONNECT, AF_INET, "connect4" },
		{ BPF_CGROUP_INET6_CONNECT, AF_INET6, "connect6" },
		{ BPF_CGROUP_UDP4_SENDMSG, AF_INET, "sendmsg4" },
		{ BPF_CGROUP_UDP6_SENDMSG, AF_INET6, "sendmsg6" },
	};

	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		size_t len;
		cleanup_free struct bpf_insn *insns = egress_program(allow, n, hooks[h].family, &len, err);
		if (!insns)
			return -1;
		/* The cgroup keeps the program alive once attached. */
		cleanup_close int prog = egress_prog_load(insns, len, hooks[h].type, err);
		if (prog < 0 || attach(cgfd, prog, hooks[h].type, err) < 0)
			return ward_error_wrap(err, "egress filter (%s)", hooks[h].name);
	}
	return 0;
}

int egress_apply(const struct cgroup_loc *cg, const struct spec *s, struct ward_error *err)
{
	const char *list = spec_annotation(s, WARD_EGRESS_FILTER_ANNOTATION);
	struct policy_net *allow = NULL;
	size_t n = 0;
	int rc;

	if (list == NULL)
		return 0;
	if (policy_parse_net_annotation(list, "annotations[\"" WARD_EGRESS_FILTER_ANNOTATION "\"]",
					&allow, &n, err) < 0)
		return -1;
	cleanup_close int cgfd = cgroup_open_v2_dir(cg, err);
	if (cgfd < 0) {
		free(allow);
		return ward_error_wrap(err, "egress filtering needs the cgroup2 (unified) hierarchy");
	}
	rc = egress_attach(cgfd, allow, n, err);
	free(allow);
	return rc;
}
