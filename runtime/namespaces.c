/* Namespaces: the plan (parent) and entering it (child). See namespaces.h. */
#include "config.h"

#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <grp.h>
#include <linux/nsfs.h>

#include "cleanup.h"
#include "security.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int clone_flag[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = CLONE_NEWPID,
	[SPEC_NS_NETWORK] = CLONE_NEWNET,
	[SPEC_NS_MOUNT] = CLONE_NEWNS,
	[SPEC_NS_IPC] = CLONE_NEWIPC,
	[SPEC_NS_UTS] = CLONE_NEWUTS,
	[SPEC_NS_USER] = CLONE_NEWUSER,
	[SPEC_NS_CGROUP] = CLONE_NEWCGROUP,
	[SPEC_NS_TIME] = CLONE_NEWTIME,
};

/* Order of setns() after the user namespace; mount last so that the paths
 * opened before are not affected by a changed root. */
static const enum spec_ns_type join_order[] = {
	SPEC_NS_IPC, SPEC_NS_UTS,  SPEC_NS_NETWORK, SPEC_NS_PID,
	SPEC_NS_CGROUP, SPEC_NS_TIME, SPEC_NS_MOUNT,
};

int ns_clone_flag(enum spec_ns_type t)
{
	return (unsigned)t < SPEC_NS__COUNT ? clone_flag[t] : 0;
}

void ns_plan_release(struct ns_plan *p)
{
	for (int t = 0; t < SPEC_NS__COUNT; t++) {
		if (p->join_fd[t] >= 0)
			close(p->join_fd[t]);
		p->join_fd[t] = -1;
	}
}

static int open_ns_path(enum spec_ns_type t, const char *path, struct ward_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return ward_error_errno(err, "open %s namespace path \"%s\"",
					spec_ns_type_name(t), path);
	/* Catch a path of the wrong kind now, with a clear message, rather
	 * than as EINVAL from setns() in the child. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return ward_error_errno(err, "%s namespace path \"%s\"", spec_ns_type_name(t),
					path);
	if (type != clone_flag[t]) {
		ward_error_set(err, 0, "%s namespace path \"%s\" is not a %s namespace",
			       spec_ns_type_name(t), path, spec_ns_type_name(t));
		err->errnum = EINVAL;
		return -1;
	}
	return steal_fd(fd);
}

int ns_plan_init(struct ns_plan *p, const struct spec *s, struct ward_error *err)
{
	const struct spec_linux *l = s->linux;
	bool any_join = false;
	int made = 0;

	memset(p, 0, sizeof(*p));
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		p->join_fd[t] = -1;
	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const struct spec_namespace *ns = &l->namespaces[i];

		if (ns->path && ns->path[0]) {
			if (p->join_fd[ns->type] >= 0)
				close(p->join_fd[ns->type]);
			p->join_fd[ns->type] = open_ns_path(ns->type, ns->path, err);
			if (p->join_fd[ns->type] < 0) {
				ns_plan_release(p);
				return -1;
			}
			any_join = true;
		} else {
			p->create[ns->type] = true;
		}
	}
	/* Every mount ward makes must land in the container's own mount
	 * namespace, never in the host's. */
	if (!p->create[SPEC_NS_MOUNT] && p->join_fd[SPEC_NS_MOUNT] < 0) {
		ns_plan_release(p);
		return ward_error_set(err, EINVAL,
				      "linux.namespaces: a mount namespace is required");
	}
	if (p->create[SPEC_NS_USER] && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)) {
		ns_plan_release(p);
		return ward_error_set(err, EINVAL,
				      "user namespace requested, but linux.uidMappings and "
				      "linux.gidMappings are not both set");
	}

	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (p->create[t] && t != SPEC_NS_CGROUP && t != SPEC_NS_TIME)
			made |= clone_flag[t];
	p->in_userns = p->create[SPEC_NS_USER] || p->join_fd[SPEC_NS_USER] >= 0;
	if (!p->in_userns || (p->create[SPEC_NS_USER] && !any_join)) {
		p->clone_flags = made;
	} else {
		p->unshare_user = p->create[SPEC_NS_USER];
		p->unshare_flags = made & ~CLONE_NEWUSER;
	}
	p->fork_init = p->join_fd[SPEC_NS_PID] >= 0 || (p->unshare_flags & CLONE_NEWPID);
	return 0;
}

static int join(struct ns_plan *p, enum spec_ns_type t, struct ward_error *err)
{
	if (p->join_fd[t] < 0)
		return 0;
	if (setns(p->join_fd[t], clone_flag[t]) < 0)
		return ward_error_errno(err, "join %s namespace", spec_ns_type_name(t));
	close(p->join_fd[t]);
	p->join_fd[t] = -1;
	return 0;
}

int ns_enter(struct ns_plan *p, int (*userns_sync)(void *arg, struct ward_error *err), void *arg,
	     struct ward_error *err)
{
	if (join(p, SPEC_NS_USER, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(join_order) / sizeof(join_order[0]); i++)
		if (join(p, join_order[i], err) < 0)
			return -1;
	if (p->unshare_user) {
		if (unshare(CLONE_NEWUSER) < 0)
			return ward_error_errno(err, "unshare user namespace");
		/* The parent writes our maps through /proc/<pid>: a
		 * non-dumpable process's proc files are root's only. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		int r = userns_sync(arg, err);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (r < 0)
			return -1;
	}
	if (p->unshare_flags && unshare(p->unshare_flags) < 0)
		return ward_error_errno(err, "unshare namespaces (flags 0x%x)", p->unshare_flags);
	return 0;
}

int ns_become_root(struct ward_error *err)
{
	if (setresgid(0, 0, 0) < 0)
		return ward_error_errno(err, "setresgid(0) in user namespace");
	/* Drop the host's supplementary groups (unmapped ones would show as
	 * the overflow gid); refused if setgroups is denied, which is fine. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return ward_error_errno(err, "setgroups in user namespace");
	if (setresuid(0, 0, 0) < 0)
		return ward_error_errno(err, "setresuid(0) in user namespace");
	return 0;
}

int ns_unshare_cgroup(struct ward_error *err)
{
	if (unshare(CLONE_NEWCGROUP) < 0)
		return ward_error_errno(err, "unshare cgroup namespace");
	return 0;
}

int ns_setup_time(const struct spec_linux *l, struct ward_error *err)
{
	char buf[128];
	int len = 0;

	if (unshare(CLONE_NEWTIME) < 0)
		return ward_error_errno(err, "unshare time namespace");
	/* CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7: numeric ids are accepted by
	 * every kernel with time namespaces. */
	if (l->time_monotonic.set)
		len += snprintf(buf + len, sizeof(buf) - len, "1 %lld %u\n",
				(long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
	if (l->time_boottime.set)
		len += snprintf(buf + len, sizeof(buf) - len, "7 %lld %u\n",
				(long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	if (len > 0) {
		/* Non-dumpable: /proc/self files would belong to host root. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		int r = procfs_write_file("/proc/self/timens_offsets", buf, len, err);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (r < 0)
			return ward_error_wrap(err, "linux.timeOffsets");
	}
	/* unshare() only moved our future children; enter it ourselves (we
	 * are single-threaded, as setns(CLONE_NEWTIME) requires). */
	cleanup_close int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open /proc/self/ns/time_for_children");
	if (setns(fd, CLONE_NEWTIME) < 0)
		return ward_error_errno(err, "enter time namespace");
	return 0;
}
