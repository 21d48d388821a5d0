/* criu's RPC service: `criu swrk 3` on one end of a SOCK_SEQPACKET pair,
 * one packed criu_req per message out, criu_resp messages back (notify
 * callbacks until the final answer). The messages are protobuf-c, generated
 * from runtime/criu/rpc.proto. */
#ifndef WARD_CRIU_RPC_H
#define WARD_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "rpc.pb-c.h"

/* One notification ("post-dump", "setup-namespaces", "post-restore",
 * "orphan-pts-master", "status-ready", ...). `fd` is a descriptor criu sent
 * with it (the pty master for "orphan-pts-master"), else -1; the callback
 * owns it. A failure is answered to criu as a failed script, which makes
 * criu roll back. */
typedef int (*criu_notify_fn)(void *arg, const char *script, pid_t pid, int fd,
			      struct ward_error *err);

struct criu_call {
	const char *criu;       /* binary (--criu), looked up in PATH */
	int stdio[3];           /* criu's 0, 1, 2; -1: /dev/null */
	const int *extra_fds;   /* become criu's fds 4, 5, ... (3 is the socket) */
	size_t n_extra_fds;
	/* Called once criu runs, before the request is sent (restore puts
	 * criu into the container's cgroup here and names it in cg_root). */
	int (*spawned)(void *arg, pid_t criu_pid, CriuReq *req, struct ward_error *err);
	criu_notify_fn notify;
	void *arg;
	const char *log_path;   /* criu's log file, quoted in errors; NULL: none */
	CriuResp *resp;         /* out: the final answer; criu_call_release frees it */
};

/* Run criu, send `req`, serve notifications, wait for criu. A failed
 * answer, or criu dying, is an error naming the request, with the last
 * error lines of criu's log. */
int criu_call_run(struct criu_call *call, CriuReq *req, struct ward_error *err);
void criu_call_release(struct criu_call *call);

/* criu's version as major*10000 + minor*100 + sublevel (3.17.1: 31701).
 * Fails (ENOENT) when the binary cannot be run. */
int criu_version(const char *criu, int *version, struct ward_error *err);
/* `criu check` through RPC: the kernel has what dump and restore need. */
int criu_check(const char *criu, struct ward_error *err);
/* FEATURE_CHECK: memory tracking (pre-dump) and/or lazy pages (userfaultfd). */
int criu_check_features(const char *criu, bool mem_track, bool lazy_pages,
			struct ward_error *err);

/* Append "; criu log PATH: <last error lines>" to err's message. */
void criu_log_quote(const char *path, struct ward_error *err);

#endif
