/* Spawning a container's init: what the parent (process.c) hands the child
 * (init.c). The child is a clone of the parent without exec, so it shares
 * this struct (a copy) and the parsed spec: no re-parsing on the hot path. */
#ifndef WARD_SPAWN_H
#define WARD_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "error.h"
#include "namespaces.h"
#include "state.h"

struct spawn {
	struct container *c;
	struct ward_state *state;   /* for the hooks' state JSON; pid filled in */
	struct ns_plan ns;
	struct ward_seccomp *seccomp; /* prepared in the parent, applied before exec */
	struct ward_landlock *landlock; /* likewise (landlock.h), NULL when not enabled */
	int sync_fd[2];             /* [0] parent, [1] child */
	int fifo_fd;                /* O_PATH exec.fifo, reopened for writing by init */
	struct cgroup_join cgjoin;  /* opened by the parent, used by init (cgroup.h) */
	int state_dirfd;            /* state.json gets each child's pid as soon as it exists */

	/* parent side, filled in by process_spawn */
	pid_t child_pid;            /* our direct child (init, or the intermediate) */
	int console_fd;             /* pty master received from init, or -1 */
};

/* Parent: clone the init, place it in its cgroup, map its ids and serve
 * its requests until it is ready (blocked on exec.fifo). On success
 * c->pid is init's host pid. On failure the children are killed and
 * reaped; the error is the child's own when it reported one. */
int process_spawn(struct spawn *sp, struct ward_error *err);

/* Child: run the container's init. Never returns. */
__attribute__((noreturn)) void init_main(struct spawn *sp);

/* userns.c: write uid_map and gid_map of `pid` from linux.uidMappings/gidMappings. */
int userns_write_maps(pid_t pid, const struct spec_linux *l, struct ward_error *err);

/* container.c: the hooks of one kind with the state JSON for `status`.
 * An empty list: nothing to do. These run in the runtime's namespaces,
 * from the bundle directory (runc's cwd for them). */
int container_run_hooks(const struct spec_hook_list *list, const char *kind,
			const struct ward_state *st, enum container_status status,
			struct ward_error *err);
/* The same with the caller's cwd and default environment (`ctx`), for the
 * hooks that run inside the container. */
int container_run_hooks_ctx(const struct spec_hook_list *list, const char *kind,
			    const struct ward_state *st, enum container_status status,
			    const struct hook_ctx *ctx, struct ward_error *err);

/* cmd_create.c: the flags `create` and `run` share. */
struct create_flags {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
};
#define CREATE_FLAGS_N_OPTS 6
/* Fill opts[0..CREATE_FLAGS_N_OPTS-1] with options writing into *f. */
void create_flags_options(struct create_flags *f, struct cli_opt *opts);
/* A container for `id` from the flags: absolute paths (relative ones are
 * taken against the current directory, as runc does). */
struct container *create_flags_container(const struct ward_globals *g, const char *id,
					 const struct create_flags *f, struct ward_error *err);

#endif
