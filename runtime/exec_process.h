/* `ward exec`: starting one more process in a running container. The
 * parent (ward) checks the init it joins, places the process in the
 * container's cgroup and learns its pid; the child joins init's
 * namespaces and root and runs the same security tail as init.
 *
 *   parent                               child
 *   pidfd of init (start time checked)
 *   fork ─────────────────────────────►  closes ward's fds, waits for GO
 *   cgroup join, GO ──────────────────►  setns(pidfd, every ns init has
 *                                        that we lack; user ns first),
 *                                        chroot into init's root,
 *                                        [pid/time ns: fork, CLONE_PARENT]
 *                        ◄────────────── INIT_PID (pid via SCM_CREDENTIALS)
 *   [seccomp agent: the host pid]
 *   INIT_PID (pid) ───────────────────►  notify message prepared
 *                        ◄────────────── CONSOLE + pty master (--tty)
 *                                        cwd check, Landlock, tail, execve
 *   EOF: the socket closed on execve ──
 *
 * ERROR instead of any message carries the child's own error. */
#ifndef WARD_EXEC_PROCESS_H
#define WARD_EXEC_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

struct ward_state;

struct exec_request {
	const char *id;
	const struct ward_state *state;  /* the container's, for a seccomp agent */
	const struct spec *spec;         /* the container's saved spec */
	const struct spec_process *proc; /* the process to run */
	pid_t init_pid;                  /* the container's init, and its */
	unsigned long long init_start;   /* start time (guards pid reuse) */
	const struct cgroup_loc *cgroup; /* to join, or NULL */
	int preserve_fds;                /* fds 3..3+N-1 are handed over */
	int console_socket_fd;           /* --console-socket, or -1 */

	/* out */
	pid_t pid;                       /* host pid of the process */
	int console_fd;                  /* pty master kept for relaying, or -1 */
};

/* Start the process; on success it has exec'd (or is about to: only a
 * failure of execve itself is not reported here). On failure everything
 * started is killed and reaped. The process is our child. */
int exec_process_start(struct exec_request *r, struct ward_error *err);

/* A rule for sandbox nodes, for the node policy to apply: a `ward exec`
 * process gets no capability outside the container's bounding set (its
 * bounding set is narrowed to the container's, every other set must fit
 * in it, or the exec is refused). Without a policy ward does as runc
 * does and grants what the caller asked (`exec --cap`, a process file such
 * as `podman exec --privileged` writes): the caller is root on the host.
 * `bounding` is the container's own (its config's process, read before
 * the exec flags are applied to a copy of it). */
int exec_clamp_caps(struct spec_process *p, const struct spec_strv *bounding,
		    struct ward_error *err);

#endif
