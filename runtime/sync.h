/* The parent<->child protocol of `ward create`: fixed-shape messages over a
 * SOCK_SEQPACKET socketpair (one message per datagram, boundaries kept).
 *
 *   parent                          child (init; or intermediate + init)
 *   clone ───────────────────────►  waits for GO
 *   cgroup join, id maps, GO ────►  joins/creates namespaces
 *                                   [user ns joined or made after clone:]
 *                       ◄────────── USERNS  (unshared; please map me)
 *   write uid/gid_map, USERNS_DONE►
 *                                   [pid ns needs a fork:]
 *                       ◄────────── INIT_PID from the new init; the kernel
 *                                   attaches its pid (SCM_CREDENTIALS)
 *                                   [user namespace and bind mounts:]
 *                       ◄────────── MOUNT_SOURCES (open my bind sources)
 *   a helper in init's mount ns
 *   sends MOUNT_SOURCE + fd each ►  (mounts[pid]'s source, O_PATH)
 *   helper exited 0: DONE ───────►  mounts, binding from those fds
 *                       ◄────────── HOOKS   (mounts done, before pivot)
 *   prestart + createRuntime,
 *   HOOKS_DONE (with init pid) ──►  createContainer hooks, pivot, ...
 *                       ◄────────── CONSOLE + pty master (SCM_RIGHTS)
 *                       ◄────────── READY   (about to block on exec.fifo)
 *
 * At any point the child may send ERROR with its ward_error instead: the
 * user sees the child's own message. EOF means the child died silently. */
#ifndef WARD_SYNC_H
#define WARD_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum sync_type {
	SYNC_GO = 1,
	SYNC_USERNS,
	SYNC_USERNS_DONE,
	SYNC_INIT_PID,
	SYNC_HOOKS,
	SYNC_HOOKS_DONE,
	SYNC_CONSOLE,
	SYNC_READY,
	SYNC_ERROR,
	SYNC_MOUNT_SOURCES,      /* init: open my bind sources, please */
	SYNC_MOUNT_SOURCE,       /* helper: O_PATH fd of mounts[pid]'s source */
	SYNC_MOUNT_SOURCES_DONE, /* parent: the helper sent them all */
};

struct sync_msg {
	uint32_t type;
	int32_t pid;    /* HOOKS_DONE: host pid of init */
	int32_t errnum; /* ERROR */
	char text[WARD_ERROR_MSG_MAX]; /* ERROR: message; CONSOLE: pty name */
};

/* What came with a message besides its body. */
struct sync_extra {
	int fd;      /* SCM_RIGHTS fd (O_CLOEXEC), or -1 */
	pid_t pid;   /* sender's pid in our pid namespace (SO_PASSCRED), or 0 */
};

const char *sync_type_name(uint32_t type);

/* Create the socketpair: [0] for the parent, [1] for the child. */
int sync_pair(int fds[2], struct ward_error *err);

/* Send a message; `pass_fd` >= 0 rides along with SCM_RIGHTS. */
int sync_send(int sock, const struct sync_msg *m, int pass_fd, struct ward_error *err);
int sync_send_type(int sock, uint32_t type, struct ward_error *err);
/* Report `e` to the other side (best effort: we are failing anyway). */
void sync_send_error(int sock, const struct ward_error *e);

/* Receive one message. Returns 0, -1 on error, or SYNC_RECV_EOF when the
 * peer is gone without a word (err says "EOF"). A received ERROR returns -1
 * with *err set to the peer's own error. */
#define SYNC_RECV_EOF (-2)
int sync_recv(int sock, struct sync_msg *m, struct sync_extra *extra, struct ward_error *err);
/* Receive one message and require its type. */
int sync_expect(int sock, uint32_t type, struct sync_msg *m, struct ward_error *err);

#endif
