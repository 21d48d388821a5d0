/* Which namespaces a container joins and which it creates, and how: the
 * parent decides (and opens every path to join), the child executes.
 *
 * Fast path (the common one): every namespace is new, or there is no user
 * namespace at all. One clone() makes them all; with CLONE_NEWUSER in the
 * same call the kernel makes the others owned by the new user namespace,
 * which is what lets container root mount proc, sysfs...
 *
 * Slow path: a user namespace is joined by path, or a new one must coexist
 * with namespaces joined by path (those must be entered with host
 * privileges first, like runc's nsexec does). Plain clone, then the child
 * setns()es, unshares the user namespace (the parent writes its maps), and
 * unshares the rest so they are owned by the right user namespace. A pid
 * namespace entered after clone() only applies to children: init is then a
 * grandchild. */
#ifndef WARD_NAMESPACES_H
#define WARD_NAMESPACES_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct ns_plan {
	int join_fd[SPEC_NS__COUNT]; /* opened path to setns() into, or -1 */
	bool create[SPEC_NS__COUNT]; /* a new namespace of this type */
	int clone_flags;             /* CLONE_NEW* made by clone() itself */
	int unshare_flags;           /* made by the child with unshare() (not cgroup/time) */
	bool unshare_user;           /* child unshares the user ns; parent maps it */
	bool in_userns;              /* init ends up in a non-initial user namespace */
	bool fork_init;              /* init is a grandchild (pid ns after clone) */
};

int ns_clone_flag(enum spec_ns_type t);

/* Parent: decide, and open the paths to join (O_CLOEXEC). */
int ns_plan_init(struct ns_plan *p, const struct spec *s, struct ward_error *err);
void ns_plan_release(struct ns_plan *p);

/* Child, after GO: setns() into the joined namespaces (user first) and
 * unshare the ones clone() did not make, except cgroup and time. When a
 * user namespace is unshared here, `userns_sync` is called to have the
 * parent write the id maps. Closes the join fds. */
int ns_enter(struct ns_plan *p, int (*userns_sync)(void *arg, struct ward_error *err), void *arg,
	     struct ward_error *err);

/* Child: become uid/gid 0 of the user namespace we are in. */
int ns_become_root(struct ward_error *err);

/* Child, inside the final cgroup: a new cgroup namespace rooted there. */
int ns_unshare_cgroup(struct ward_error *err);

/* Child: a new time namespace with linux.timeOffsets, entered by ourselves
 * (offsets can only be written before any process is in it). */
int ns_setup_time(const struct spec_linux *l, struct ward_error *err);

#endif
