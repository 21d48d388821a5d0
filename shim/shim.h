/* containerd-shim-ward-v2: shared declarations. One single-threaded epoll
 * loop serves every connection, process and pipe of the pod. */
#ifndef WARD_SHIM_H
#define WARD_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>
#include "shim/proto/common.pb-c.h"
#include "shim/proto/task.pb-c.h"
#include "shim/proto/events.pb-c.h"
#include "shim/proto/metrics.pb-c.h"

#define SHIM_VERSION "0.1.0"
#define TTRPC_MAX_DATA (4u << 20)

/* grpc status codes */
enum {
	ST_OK = 0, ST_UNKNOWN = 2, ST_INVALID_ARGUMENT = 3, ST_NOT_FOUND = 5,
	ST_ALREADY_EXISTS = 6, ST_RESOURCE_EXHAUSTED = 8, ST_FAILED_PRECONDITION = 9,
	ST_UNIMPLEMENTED = 12, ST_INTERNAL = 13, ST_UNAVAILABLE = 14,
};

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* ---- log.c: JSON lines on fd 2 (containerd's shim log FIFO) ---- */
extern bool shim_debug;
void shim_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) do { if (shim_debug) shim_log("debug", __VA_ARGS__); } while (0)
#define log_info(...) shim_log("info", __VA_ARGS__)
#define log_warn(...) shim_log("warning", __VA_ARGS__)
#define log_error(...) shim_log("error", __VA_ARGS__)

/* ---- loop.c ---- */
struct watch;
typedef void (*watch_fn)(struct watch *w, uint32_t events);
struct watch {
	int fd;
	watch_fn fn;
	void *data;
	bool added;
};
int loop_init(void);
int loop_add(struct watch *w, uint32_t events);
int loop_mod(struct watch *w, uint32_t events);
void loop_del(struct watch *w);
void loop_run(void);
void loop_quit(void);
void loop_defer(void (*fn)(void *), void *p);
void loop_run_deferred(void);
/* one-shot timer in milliseconds (events.c retries); 0 cancels */
void loop_timer(unsigned ms, void (*fn)(void));
int set_nonblock(int fd, bool on);
void now_ts(Wshim__Timestamp *ts, struct timespec *at);

/* ---- ttrpc.c ---- */
struct conn;
struct call {
	struct conn *c;
	uint32_t sid;
	const char *method;
	struct timespec t0;
	struct call *next; /* a process's waiters */
};
typedef void (*msg_fn)(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, uint32_t len);
struct conn *conn_new(int fd, msg_fn on_msg, void (*on_close)(struct conn *), void *data);
void conn_close(struct conn *c);
/* bytes as read from the socket (the fuzz target feeds them directly) */
void conn_input(struct conn *c, const uint8_t *p, size_t n);
void *conn_data(struct conn *c);
int conn_send(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, size_t len);
int conn_send_msg(struct conn *c, uint32_t sid, uint8_t type, const ProtobufCMessage *m);
void ttrpc_listen(int fd);
void call_reply(struct call *call, const ProtobufCMessage *m);
void call_error(struct call *call, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void call_drop(struct call *call);
/* decode one frame's request into a dispatch (exposed for the fuzzer) */
void ttrpc_dispatch(struct conn *c, uint32_t sid, uint8_t type, const uint8_t *data, uint32_t len);
size_t ttrpc_connections(void);

/* ---- task.c ---- */
typedef void (*rpc_fn)(struct call *call, const uint8_t *data, size_t len);
rpc_fn task_lookup(const char *service, const char *method);
const char *task_method_name(const char *method);

/* ---- process.c ---- */
enum { P_CREATED = 1, P_RUNNING = 2, P_STOPPED = 3, P_PAUSED = 4 };
struct stdio;
struct oom_watch;
struct container;
struct proc {
	struct container *ct;
	char *exec_id; /* NULL for the init process */
	pid_t pid;
	int state;
	uint32_t exit_status;
	struct timespec exited_at;
	bool terminal;
	char *stdin_path, *stdout_path, *stderr_path;
	char *spec_path; /* exec: the process JSON handed to the runtime */
	struct stdio *io;
	struct call *waiters;
	/* Start in flight: an exit is kept until TaskStart is out */
	bool hold, held;
	int held_status;
	struct proc *next;
};
/* an RPC waiting for the runtime command on its container to finish */
struct queued {
	struct call *call;
	void (*fn)(struct call *call, const uint8_t *data, size_t len);
	uint8_t *data;
	size_t len;
	struct queued *next;
};
struct container {
	char *id, *bundle;
	char *binary, *root; /* runtime binary and its --root */
	char *policy;        /* --policy FILE for every call, NULL: the runtime's default */
	char *cg_memory, *cg_cpuacct, *cg_cpu, *cg_pids, *cg_unified;
	char *checkpoint, *criu_work; /* Create from a checkpoint: Start restores */
	bool mounted; /* we mounted BUNDLE/rootfs */
	bool paused;
	bool busy; /* a runtime command that changes it is running */
	struct queued *queue, **queue_tail;
	struct proc init;
	struct proc *execs;
	struct oom_watch *oom;
	struct container *next;
};
extern struct container *containers;
extern const char *shim_namespace, *shim_address, *shim_id, *ttrpc_address, *shim_socket_path;
struct container *ct_find(const char *id);
struct proc *proc_find(struct container *ct, const char *exec_id);
void proc_reap(void); /* SIGCHLD */
void proc_exited(struct proc *p, int wstatus);
/* A process may exit before the runtime call that starts it has told us
 * its pid: such exits are kept while runtime calls are in flight. */
bool proc_claim_early(pid_t pid, int *wstatus);
void proc_forget_early(void);
/* deliver an exit kept while Start ran (after TaskStart) */
void proc_release(struct proc *p);
/* One runtime command at a time changes a container (the runc shim holds
 * the process's mutex): an RPC that would start another while ct->busy
 * waits its turn; ct_wait_turn queues it (true) to be dispatched again,
 * from the start, once ct_turn_done. ct_free answers what still waits. */
bool ct_wait_turn(struct container *ct, struct call *call,
		  void (*fn)(struct call *, const uint8_t *, size_t), const uint8_t *data, size_t len);
void ct_turn_done(struct container *ct);
void proc_free(struct proc *p);
void ct_free(struct container *ct);
void maybe_exit(void);
extern bool shutdown_requested;

/* ---- runtime.c ---- */
struct rt_result {
	int status;       /* exit status of the runtime, -1 if it could not run */
	char *err;        /* its last error message (log.json or stderr) */
	char *out;        /* captured stdout when asked */
};
/* fds: stdin/stdout/stderr for the runtime (and the container), -1 = /dev/null.
 * capture: collect stdout into res->out. Blocks until the runtime exits:
 * only for the `delete` subcommand, which has no loop. */
int rt_run(struct container *ct, const char *const *args, const int fds[3], bool capture, struct rt_result *res);
void rt_result_free(struct rt_result *r);
/* The same off the event loop: returns once the runtime is forked; done
 * (NULL: nobody waits) runs from the loop after it has exited and its pipes
 * reached EOF, never from inside rt_spawn. res is freed after done. */
typedef void (*rt_done_fn)(struct rt_result *res, void *ctx);
void rt_spawn(struct container *ct, const char *const *args, const int fds[3], bool capture, rt_done_fn done, void *ctx);
/* `delete --force ID` off the loop */
void rt_spawn_force_delete(struct container *ct, rt_done_fn done, void *ctx);
/* proc_reap: true when pid was a runtime call's (its job completes) */
bool rt_reaped(pid_t pid, int wstatus);
size_t rt_inflight(void);
/* BinaryName's default: the ward installed beside the shim, else on PATH */
char *rt_default_binary(void);

/* ---- options.c: runtime options (Create's and `start`'s stdin) ---- */
struct shim_opts {
	char *binary, *root, *policy, *shim_cgroup, *criu_image, *criu_work;
};
void opts_parse(const Wshim__Any *any, struct shim_opts *o);
void opts_free(struct shim_opts *o);

/* ---- info.c: `-info` ---- */
int shim_info(const Wshim__Any *options);

/* ---- shim_cgroup.c: ShimCgroup ---- */
int shim_cgroup_join(pid_t pid, const char *path, char **errmsg);

/* ---- checkpoint.c: Checkpoint, and the restore behind a checkpointed Create's Start ---- */
/* answers later, then ct_turn_done(ct) */
void checkpoint_task(struct call *call, struct container *ct, const Wshim__CheckpointTaskRequest *r);
/* the runtime's restore for a container made from a checkpoint, off the
 * loop: -1 with errmsg if it could not be started, else done runs later
 * and hands its result to restore_finish (-1 with errmsg) */
int restore_spawn(struct container *ct, int fds[3], char **console, rt_done_fn done, void *ctx, char **errmsg);
int restore_finish(struct container *ct, const int fds[3], const char *console, const struct rt_result *res, char **errmsg);

/* ---- io.c ---- */
/* Prepare a process's stdio: fills fds[3] to give the runtime; console
 * socket path when terminal. Returns -1 with errmsg. */
int stdio_setup(struct proc *p, int fds[3], char **console_sock, char **errmsg);
/* after the runtime call: close the child-side fds, receive the pty */
int stdio_started(struct proc *p, const int fds[3], const char *console_sock, char **errmsg);
void stdio_close_in(struct proc *p);
int stdio_resize(struct proc *p, unsigned w, unsigned h);
void stdio_free(struct proc *p);

/* ---- events.c ---- */
void events_init(void);
void publish(const char *topic, const char *type, const ProtobufCMessage *m);
bool events_pending(void);
/* quit the loop once the queue is empty (or after a grace period) */
void events_exit_when_flushed(void);

/* ---- oom.c, metrics.c, mount.c, cgroup paths ---- */
int oom_watch_start(struct container *ct);
void oom_watch_stop(struct container *ct);
void oom_watch_flush(struct container *ct);
void cg_discover(struct container *ct, pid_t pid);
int metrics_collect(struct container *ct, Wshim__Any *out, char **errmsg);
int mount_rootfs(const char *bundle, size_t n, Wshim__Mount **m, char **errmsg);
void unmount_rootfs(const char *bundle);

/* ---- util ---- */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *read_file_str(const char *path, size_t max);
/* the pid a runtime wrote to --pid-file, -1 if none */
int read_pid(const char *path);
int write_file_str(const char *path, const char *s, size_t len);
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
