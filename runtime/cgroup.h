/* Control groups: hierarchy detection (v1, v2, hybrid), path resolution and
 * the membership operations every container needs (create, join, list,
 * freeze, signal, destroy). Resource controllers build on top of this.
 *
 * A cgroup path is always absolute and relative to the root of its
 * hierarchy ("/ward-test/c1"); struct cgroup_loc holds the container's path
 * in every mounted hierarchy (all v1 hierarchies, including named ones such
 * as name=systemd, and the cgroup2 one). */
#ifndef WARD_CGROUP_H
#define WARD_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum cgroup_mode {
	CGROUP_MODE_NONE,   /* nothing mounted */
	CGROUP_MODE_V1,     /* only v1 hierarchies */
	CGROUP_MODE_HYBRID, /* v1 controllers + a cgroup2 mount without them */
	CGROUP_MODE_V2,     /* unified only */
};

/* Parsed once from /proc/self/mountinfo and cached. */
enum cgroup_mode cgroup_detect_mode(void);
const char *cgroup_mode_name(enum cgroup_mode m); /* "v1", "hybrid", "v2", "none" */

/* The mount point of the hierarchy holding `controller` ("memory", "freezer",
 * "name=systemd"); "" or "unified" selects the cgroup2 mount. NULL when not
 * mounted. The string belongs to the cache. */
const char *cgroup_mountpoint(const char *controller);

/* The container's cgroup: its directory in every mounted hierarchy. On a
 * hybrid host the caller may sit in different cgroups of different
 * hierarchies (a memory-limited cgroup, say), so a relative path is placed
 * below each of them separately. */
struct cgroup_dir {
	char *mnt;    /* the hierarchy's mount point */
	char *path;   /* absolute below it ("/ward-test/c1") */
	bool created; /* ward made this directory: only then may it remove it */
};

struct cgroup_loc {
	char *path; /* in the process-tree hierarchy (unified, else the first): for messages */
	struct cgroup_dir *dirs;
	size_t n;
};

/* Where the container's cgroup goes, per runc's cgroupfs driver: an
 * absolute linux.cgroupsPath is used as is in every hierarchy; a relative
 * one, or the default `<id>` when absent, goes below ward's own cgroup in
 * that hierarchy (its line of /proc/self/cgroup). On a pure v2 host the
 * parent of our own cgroup is used, as runc's fs2 driver does (a cgroup with
 * processes cannot pass controllers down). ".." is resolved lexically and
 * cannot climb above a root. Nothing is marked created. malloc'd. */
struct cgroup_loc *cgroup_resolve(const struct spec *s, const char *id);
/* The same path in every hierarchy (state files written before per-
 * hierarchy paths were recorded; tests). */
struct cgroup_loc *cgroup_loc_uniform(const char *path, bool created);
/* A copy (created flags included). */
struct cgroup_loc *cgroup_loc_dup(const struct cgroup_loc *cg);
void cgroup_loc_free(struct cgroup_loc *cg);
/* `exec --cgroup`: move the path of the hierarchy holding `controller`
 * (every hierarchy when NULL) down to the existing sub-cgroup `sub`, with
 * runc's errors ("... is not a sub cgroup path", "unknown controller"). */
int cgroup_loc_descend(struct cgroup_loc *cg, const char *controller, const char *sub,
		       struct ward_error *err);
/* Every directory was made by ward: signalling everything in it is
 * signalling the container, and removing it removes nothing of others. */
bool cgroup_owned(const struct cgroup_loc *cg);

/* --systemd-cgroup: a clear error, since ward only drives cgroupfs. */
int cgroup_check_driver(bool systemd, struct ward_error *err);

/* Before anything is made: refuse a cgroup that already holds processes
 * ("container's cgroup is not empty", as runc 1.2) or is frozen, and mark
 * every directory that does not exist yet as to be created by ward (the
 * caller records that in the state before cgroup_create makes them). */
int cgroup_prepare(struct cgroup_loc *cg, struct ward_error *err);
/* mkdir -p the path in every hierarchy. Every cpuset level on the way gets
 * cpus/mems from its parent where they are empty (a v1 cpuset without them
 * takes no tasks). Refuses "/" and a directory marked created that
 * appeared meanwhile. */
int cgroup_create(struct cgroup_loc *cg, struct ward_error *err);
/* Write pid to cgroup.procs in every hierarchy. */
int cgroup_join(const struct cgroup_loc *cg, pid_t pid, struct ward_error *err);
/* Joining from the inside (cgroup_join.c): the parent opens the files
 * before it clones, the child moves itself while it is single-threaded and
 * before anything of the container runs. No process is ever moved by
 * another one (that waits for an RCU grace period). */
struct cgroup_join {
	int *tasks;       /* v1 "tasks" of every v1 hierarchy */
	size_t n_tasks;
	int v2_dir;       /* the cgroup2 directory: clone3 CLONE_INTO_CGROUP */
	int v2_procs;     /* its cgroup.procs, when the clone could not place us */
	bool v2_placed;   /* set by whoever cloned with CLONE_INTO_CGROUP */
};
int cgroup_join_open(const struct cgroup_loc *cg, struct cgroup_join *j,
		     struct ward_error *err);
/* Child side: move ourselves into every hierarchy (the cgroup2 one only
 * when the clone did not), then close the files. */
int cgroup_join_self(struct cgroup_join *j, struct ward_error *err);
void cgroup_join_close(struct cgroup_join *j);
/* The fds it holds (for close-all-but lists); out has room for
 * cgroup_join_nfds(j). */
size_t cgroup_join_fds(const struct cgroup_join *j, int *out);
#define cgroup_join_nfds(j) ((j)->n_tasks + 2)
/* fork() with namespace flags (clone3, or the legacy clone before 5.3),
 * born in j's cgroup2 cgroup when the kernel can (j->v2_placed is then set
 * in both processes). j may be NULL. */
pid_t cgroup_join_clone(int flags, struct cgroup_join *j);
/* rmdir the directories ward created (and sub-cgroups below them) in every
 * hierarchy; missing directories are fine. Parents are left alone, as runc
 * does: they may be shared. Retries briefly on EBUSY. */
int cgroup_destroy(const struct cgroup_loc *cg, struct ward_error *err);
/* Every pid in the cgroup and its descendants (read from one hierarchy).
 * malloc'd; *n = 0 and a non-NULL array when empty; NULL on error. */
pid_t *cgroup_pids(const struct cgroup_loc *cg, size_t *n, struct ward_error *err);
/* true if the cgroup exists in at least one hierarchy. */
bool cgroup_exists(const struct cgroup_loc *cg);

/* Freezer: v1 freezer.state FROZEN, or v2 cgroup.freeze. */
bool cgroup_is_frozen(const struct cgroup_loc *cg);
/* Freeze or thaw and wait until the kernel reports the new state. */
int cgroup_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err);

/* Send sig to every process in the cgroup. SIGKILL uses cgroup.kill where the
 * kernel has it (atomic against fork); otherwise the cgroup is frozen while
 * the pids are collected and signalled, then returned to its previous state
 * (thawed after SIGKILL, so that v1-frozen tasks can die). Callers check
 * cgroup_owned first. */
int cgroup_signal_all(const struct cgroup_loc *cg, int sig, struct ward_error *err);

/* ---- resources (cgroup_res.c and the per-version files) ---- */

/* Write linux.resources into the container's cgroup, in every hierarchy
 * that holds a controller the fields need (v1, v2, or per controller on a
 * hybrid host). A field whose controller the host lacks is an error naming
 * it; fields the kernel no longer honours (memory.kernel) are ignored with
 * a warning.
 * initial (create): the cgroup is new; the device policy is always written
 * (the spec's rules, then ward's default devices), also when r is NULL.
 * !initial (update): memory.checkBeforeUpdate is honoured, and the device
 * policy is replaced only when r lists rules. */
int cgroup_apply_resources(const struct cgroup_loc *cg, const struct spec_resources *r, bool initial,
			   struct ward_error *err);

/* For clone3(CLONE_INTO_CGROUP): the container's cgroup2 directory opened
 * O_DIRECTORY|O_CLOEXEC. ENOENT when the host has no cgroup2 hierarchy. On
 * a hybrid host the v1 hierarchies still need cgroup_join (which is a no-op
 * for the unified one then). */
int cgroup_open_v2_dir(const struct cgroup_loc *cg, struct ward_error *err);

/* ---- statistics and OOM (cgroup_stats.c) ---- */

/* Write the "data" object of `events` (runc's types.Stats shape) for the
 * cgroup: cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt,
 * network_interfaces. Controllers the host lacks are left at zero. */
struct jsonw;
int cgroup_stats_json(const struct cgroup_loc *cg, struct jsonw *w, struct ward_error *err);

/* OOM kills so far in the cgroup: v1 memory.oom_control "oom_kill", v2
 * memory.events "oom_kill". */
int cgroup_oom_kills(const struct cgroup_loc *cg, uint64_t *out, struct ward_error *err);

/* Notification of OOM events: a pollable fd (an eventfd registered through
 * cgroup.event_control on v1, inotify on memory.events and cgroup.events on
 * v2). */
struct cgroup_oom_watch;
struct cgroup_oom_watch *cgroup_oom_watch_open(const struct cgroup_loc *cg, struct ward_error *err);
int cgroup_oom_watch_fd(const struct cgroup_oom_watch *w);
/* Once the fd is readable: the number of new OOM events (>= 0); *gone is
 * set when the cgroup was removed or emptied (the container exited). */
int cgroup_oom_watch_read(struct cgroup_oom_watch *w, bool *gone);
void cgroup_oom_watch_close(struct cgroup_oom_watch *w);

#endif
