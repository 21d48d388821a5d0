/* The Task service (containerd.task.v2.Task): one function per RPC,
 * translating each into runtime calls and process bookkeeping. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

#define DECODE(name, var)                                                          \
	__auto_type var = wshim__##name##__unpack(NULL, len, data);                    \
	if (!var) {                                                                 \
		call_error(call, ST_INVALID_ARGUMENT, "malformed " #name);        \
		return;                                                             \
	}
#define FREE(name, var) wshim__##name##__free_unpacked(var, NULL)

static unsigned exec_seq;

static struct container *need_ct(struct call *call, const char *id)
{
	struct container *ct = ct_find(id);
	if (!ct)
		call_error(call, ST_NOT_FOUND, "container %s: not found", id);
	return ct;
}

static struct proc *need_proc(struct call *call, const char *id, const char *exec_id)
{
	struct container *ct = need_ct(call, id);
	struct proc *p;
	if (!ct)
		return NULL;
	p = proc_find(ct, exec_id);
	if (!p)
		call_error(call, ST_NOT_FOUND, "process %s/%s: not found", id, exec_id);
	return p;
}

static const char *signame(uint32_t sig, char buf[16])
{
	snprintf(buf, 16, "%u", sig);
	return buf;
}

/* Create, between the request and the runtime's answer: the container is
 * listed from the start (a second Create of the id is refused, State
 * answers UNKNOWN), busy, so RPCs that change it wait */
struct create_ctx {
	struct call *call;
	struct container *ct;
	Wshim__CreateTaskRequest *r;
	char *pidfile, *console;
	int fds[3];
};

static void create_ctx_free(struct create_ctx *x)
{
	FREE(create_task_request, x->r);
	free(x->pidfile);
	free(x->console);
	free(x);
}

static void ct_unlist(struct container *ct)
{
	struct container **cp;
	for (cp = &containers; *cp && *cp != ct; cp = &(*cp)->next)
		;
	if (*cp)
		*cp = ct->next;
}

static void create_fail(struct create_ctx *x, const char *errmsg)
{
	struct container *ct = x->ct;
	ct_unlist(ct);
	if (ct->mounted)
		unmount_rootfs(ct->bundle);
	call_error(x->call, ST_UNKNOWN, "%s", errmsg ? errmsg : "create failed");
	ct_free(ct);
	create_ctx_free(x);
}

/* TaskCreate, then the reply, then an exit that came meanwhile */
static void create_created(struct create_ctx *x)
{
	Wshim__CreateTaskResponse resp = WSHIM__CREATE_TASK_RESPONSE__INIT;
	Wshim__CreateTaskRequest *r = x->r;
	struct container *ct = x->ct;
	int st;

	ct->init.state = P_CREATED;
	{
		Wshim__TaskCreate ev = WSHIM__TASK_CREATE__INIT;
		Wshim__TaskIO tio = WSHIM__TASK_IO__INIT;
		tio.stdin = r->stdin;
		tio.stdout = r->stdout;
		tio.stderr = r->stderr;
		tio.terminal = r->terminal;
		ev.container_id = ct->id;
		ev.bundle = ct->bundle;
		ev.n_rootfs = r->n_rootfs;
		ev.rootfs = r->rootfs;
		ev.io = &tio;
		ev.checkpoint = ct->checkpoint ? ct->checkpoint : r->checkpoint;
		ev.pid = (uint32_t)ct->init.pid;
		publish("/tasks/create", "containerd.events.TaskCreate", &ev.base);
	}
	resp.pid = (uint32_t)ct->init.pid;
	call_reply(x->call, &resp.base);
	if (ct->init.pid > 0 && proc_claim_early(ct->init.pid, &st))
		proc_exited(&ct->init, st);
	create_ctx_free(x);
	ct_turn_done(ct);
}

static void create_done(struct rt_result *res, void *ctx)
{
	struct create_ctx *x = ctx;
	struct container *ct = x->ct;
	_cleanup_free_ char *errmsg = NULL;

	if (res->status != 0) {
		errmsg = xasprintf("OCI runtime create failed: %s", res->err ? res->err : "unknown error");
		create_fail(x, errmsg);
		return;
	}
	ct->init.pid = read_pid(x->pidfile);
	if (ct->init.pid <= 0 || stdio_started(&ct->init, x->fds, x->console, &errmsg) < 0) {
		if (!errmsg)
			errmsg = xasprintf("runtime wrote no pid to %s", x->pidfile);
		/* the runtime's record goes on its own; nobody waits for it */
		rt_spawn_force_delete(ct, NULL, NULL);
		create_fail(x, errmsg);
		return;
	}
	cg_discover(ct, ct->init.pid);
	oom_watch_start(ct);
	create_created(x);
}

static void rpc_create(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(create_task_request, r);
	struct container *ct;
	struct create_ctx *x;
	_cleanup_free_ char *errmsg = NULL, *optfile = NULL;
	struct shim_opts opts = { 0 };
	const char *args[16];
	int n = 0;

	if (ct_find(r->id)) {
		call_error(call, ST_ALREADY_EXISTS, "container %s: already exists", r->id);
		FREE(create_task_request, r);
		return;
	}
	if (!*r->id || strchr(r->id, '/') || !*r->bundle) {
		call_error(call, ST_INVALID_ARGUMENT, "invalid id or bundle");
		FREE(create_task_request, r);
		return;
	}
	ct = calloc(1, sizeof *ct);
	x = calloc(1, sizeof *x);
	if (!ct || !x)
		abort();
	x->call = call;
	x->ct = ct;
	x->r = r;
	x->fds[0] = x->fds[1] = x->fds[2] = -1;
	ct->id = strdup(r->id);
	ct->bundle = strdup(r->bundle);
	opts_parse(r->options, &opts);
	ct->binary = opts.binary ? strdup(opts.binary) : rt_default_binary();
	ct->policy = opts.policy ? strdup(opts.policy) : NULL;
	ct->root = xasprintf("%s/%s", opts.root ? opts.root : "/run/containerd/ward", shim_namespace);
	/* a checkpoint to restore: containerd names it in the request, a
	 * client may have put it in the runc options instead */
	if (*r->checkpoint || opts.criu_image)
		ct->checkpoint = strdup(*r->checkpoint ? r->checkpoint : opts.criu_image);
	if (opts.criu_work)
		ct->criu_work = strdup(opts.criu_work);
	opts_free(&opts);
	ct->init.ct = ct;
	ct->init.terminal = r->terminal;
	ct->init.stdin_path = strdup(r->stdin);
	ct->init.stdout_path = strdup(r->stdout);
	ct->init.stderr_path = strdup(r->stderr);
	ct->next = containers;
	containers = ct;
	ct->busy = true;
	/* `delete` after a crash needs to know what ran the container */
	optfile = xasprintf("%s/ward-shim.opts", ct->bundle);
	{
		_cleanup_free_ char *o = xasprintf("%s\n%s\n%s\n", ct->binary, ct->root, ct->policy ? ct->policy : "");
		write_file_str(optfile, o, strlen(o));
	}

	if (r->n_rootfs) {
		if (mount_rootfs(ct->bundle, r->n_rootfs, r->rootfs, &errmsg) < 0) {
			create_fail(x, errmsg);
			return;
		}
		ct->mounted = true;
	}
	/* the runtime restores it at Start (the runc shim's created-checkpoint state) */
	if (ct->checkpoint) {
		create_created(x);
		return;
	}
	if (stdio_setup(&ct->init, x->fds, &x->console, &errmsg) < 0) {
		create_fail(x, errmsg);
		return;
	}
	x->pidfile = xasprintf("%s/init.pid", ct->bundle);
	args[n++] = "create";
	args[n++] = "--bundle";
	args[n++] = ct->bundle;
	args[n++] = "--pid-file";
	args[n++] = x->pidfile;
	if (x->console) {
		args[n++] = "--console-socket";
		args[n++] = x->console;
	}
	args[n++] = ct->id;
	args[n] = NULL;
	rt_spawn(ct, args, x->fds, false, create_done, x);
}

/* Start of the init (start, or restore) or of an exec, in flight */
struct start_ctx {
	struct call *call;
	struct proc *p;
	char *pidfile, *console;
	int fds[3];
};

static void start_ctx_end(struct start_ctx *x)
{
	struct container *ct = x->p->ct;
	free(x->pidfile);
	free(x->console);
	free(x);
	ct_turn_done(ct);
}

static void exec_start_done(struct rt_result *res, void *ctx)
{
	struct start_ctx *x = ctx;
	struct proc *p = x->p;
	_cleanup_free_ char *errmsg = NULL;
	int st;

	if (res->status != 0) {
		stdio_free(p);
		call_error(x->call, ST_UNKNOWN, "OCI runtime exec failed: %s", res->err ? res->err : "unknown error");
		unlink(x->pidfile);
		start_ctx_end(x);
		return;
	}
	p->pid = read_pid(x->pidfile);
	unlink(x->pidfile);
	if (p->pid <= 0 || stdio_started(p, x->fds, x->console, &errmsg) < 0) {
		stdio_free(p);
		call_error(x->call, ST_UNKNOWN, "%s", errmsg ? errmsg : "runtime wrote no exec pid");
		start_ctx_end(x);
		return;
	}
	p->state = P_RUNNING;
	{
		Wshim__TaskExecStarted ev = WSHIM__TASK_EXEC_STARTED__INIT;
		Wshim__StartResponse resp = WSHIM__START_RESPONSE__INIT;
		ev.container_id = p->ct->id;
		ev.exec_id = p->exec_id;
		ev.pid = (uint32_t)p->pid;
		publish("/tasks/exec-started", "containerd.events.TaskExecStarted", &ev.base);
		resp.pid = (uint32_t)p->pid;
		call_reply(x->call, &resp.base);
	}
	/* a process quicker than the runtime's exit: its exit comes now */
	if (proc_claim_early(p->pid, &st))
		proc_exited(p, st);
	start_ctx_end(x);
}

static int start_exec(struct start_ctx *x, char **errmsg)
{
	struct proc *p = x->p;
	struct container *ct = p->ct;
	const char *args[16];
	int n = 0;

	if (stdio_setup(p, x->fds, &x->console, errmsg) < 0) {
		stdio_free(p);
		return -1;
	}
	x->pidfile = xasprintf("%s/exec-%u.pid", ct->bundle, ++exec_seq);
	args[n++] = "exec";
	args[n++] = "--process";
	args[n++] = p->spec_path;
	args[n++] = "--detach";
	args[n++] = "--pid-file";
	args[n++] = x->pidfile;
	if (x->console) {
		args[n++] = "--console-socket";
		args[n++] = x->console;
	}
	args[n++] = ct->id;
	args[n] = NULL;
	rt_spawn(ct, args, x->fds, false, exec_start_done, x);
	return 0;
}

/* TaskStart, the reply, then an exit that came while the runtime ran */
static void init_started(struct start_ctx *x)
{
	Wshim__StartResponse resp = WSHIM__START_RESPONSE__INIT;
	Wshim__TaskStart ev = WSHIM__TASK_START__INIT;
	struct proc *p = x->p;

	if (p->state == P_CREATED)
		p->state = P_RUNNING;
	ev.container_id = p->ct->id;
	ev.pid = (uint32_t)p->pid;
	publish("/tasks/start", "containerd.events.TaskStart", &ev.base);
	resp.pid = (uint32_t)p->pid;
	call_reply(x->call, &resp.base);
	proc_release(p);
	start_ctx_end(x);
}

static void init_start_done(struct rt_result *res, void *ctx)
{
	struct start_ctx *x = ctx;
	if (res->status != 0) {
		call_error(x->call, ST_UNKNOWN, "OCI runtime start failed: %s", res->err);
		proc_release(x->p);
		start_ctx_end(x);
		return;
	}
	init_started(x);
}

static void restore_done(struct rt_result *res, void *ctx)
{
	struct start_ctx *x = ctx;
	struct proc *p = x->p;
	_cleanup_free_ char *errmsg = NULL;
	int st;

	if (restore_finish(p->ct, x->fds, x->console, res, &errmsg) < 0) {
		call_error(x->call, ST_UNKNOWN, "%s", errmsg);
		proc_release(p);
		start_ctx_end(x);
		return;
	}
	if (proc_claim_early(p->pid, &st)) {
		p->held = true;
		p->held_status = st;
	}
	init_started(x);
}

static void rpc_start(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(start_request, r);
	struct container *ct = need_ct(call, r->id);
	_cleanup_free_ char *errmsg = NULL;
	struct start_ctx *x;
	struct proc *p;
	int rc;

	if (!ct || ct_wait_turn(ct, call, rpc_start, data, len))
		goto out;
	p = need_proc(call, r->id, r->exec_id);
	if (!p)
		goto out;
	if (p->state != P_CREATED) {
		call_error(call, ST_FAILED_PRECONDITION, "process %s is not in the created state", *r->exec_id ? r->exec_id : r->id);
		goto out;
	}
	x = calloc(1, sizeof *x);
	if (!x)
		abort();
	x->call = call;
	x->p = p;
	x->fds[0] = x->fds[1] = x->fds[2] = -1;
	ct->busy = true;
	if (p->exec_id) {
		rc = start_exec(x, &errmsg);
	} else if (ct->checkpoint) {
		p->hold = true;
		rc = restore_spawn(ct, x->fds, &x->console, restore_done, x, &errmsg);
		if (rc < 0)
			p->hold = false;
	} else {
		const char *args[] = { "start", ct->id, NULL };
		int none[3] = { -1, -1, -1 };
		/* the process may exit before `start` does: TaskStart first */
		p->hold = true;
		rt_spawn(ct, args, none, false, init_start_done, x);
		rc = 0;
	}
	if (rc < 0) {
		call_error(call, ST_UNKNOWN, "%s", errmsg ? errmsg : "start failed");
		free(x->pidfile);
		free(x->console);
		free(x);
		ct->busy = false;
	}
out:
	FREE(start_request, r);
}

static void fill_exit(struct proc *p, uint32_t *status, Wshim__Timestamp *ts)
{
	if (p->state != P_STOPPED) {
		p->exit_status = 128 + SIGKILL;
		clock_gettime(CLOCK_REALTIME, &p->exited_at);
	}
	*status = p->exit_status;
	now_ts(ts, &p->exited_at);
}

struct ct_ctx {
	struct call *call;
	struct container *ct;
	char *path; /* a file the runtime reads, removed after */
};

static void delete_done(struct rt_result *res, void *ctx)
{
	struct ct_ctx *x = ctx;
	struct container *ct = x->ct;
	struct proc *p = &ct->init;
	Wshim__DeleteResponse resp = WSHIM__DELETE_RESPONSE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	Wshim__TaskDelete ev = WSHIM__TASK_DELETE__INIT;

	if (res->status != 0 && !strstr(res->err ? res->err : "", "not exist") &&
	    !strstr(res->err ? res->err : "", "not found"))
		log_warn("delete %s: %s", ct->id, res->err);
	/* exec processes die with the container */
	for (struct proc *e = ct->execs; e; e = e->next)
		if (e->state == P_RUNNING && e->pid > 0)
			kill(e->pid, SIGKILL);
	if (ct->mounted)
		unmount_rootfs(ct->bundle);
	fill_exit(p, &resp.exit_status, &ts);
	resp.pid = (uint32_t)p->pid;
	resp.exited_at = &ts;
	ev.container_id = ct->id;
	ev.pid = resp.pid;
	ev.exit_status = resp.exit_status;
	ev.exited_at = &ts;
	ev.id = ct->id;
	publish("/tasks/delete", "containerd.events.TaskDelete", &ev.base);
	ct_unlist(ct);
	{
		_cleanup_free_ char *o = xasprintf("%s/ward-shim.opts", ct->bundle);
		unlink(o);
	}
	call_reply(x->call, &resp.base);
	/* RPCs that waited for this delete find no container */
	ct_free(ct);
	free(x);
}

static void rpc_delete(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(delete_request, r);
	Wshim__DeleteResponse resp = WSHIM__DELETE_RESPONSE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	struct container *ct = need_ct(call, r->id);
	struct proc *p;
	if (!ct || ct_wait_turn(ct, call, rpc_delete, data, len))
		goto out;
	p = need_proc(call, r->id, r->exec_id);
	if (!p)
		goto out;
	if (p->state == P_RUNNING || p->state == P_PAUSED) {
		call_error(call, ST_FAILED_PRECONDITION, "cannot delete a running process");
		goto out;
	}
	if (p->exec_id) {
		struct proc **pp;
		fill_exit(p, &resp.exit_status, &ts);
		resp.pid = (uint32_t)(p->pid > 0 ? p->pid : 0);
		resp.exited_at = &ts;
		for (pp = &ct->execs; *pp != p; pp = &(*pp)->next)
			;
		*pp = p->next;
		proc_free(p);
		free(p);
		call_reply(call, &resp.base);
		goto out;
	}
	{
		struct ct_ctx *x = calloc(1, sizeof *x);
		if (!x)
			abort();
		x->call = call;
		x->ct = ct;
		ct->busy = true;
		rt_spawn_force_delete(ct, delete_done, x);
	}
out:
	FREE(delete_request, r);
}

static void rpc_exec(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(exec_process_request, r);
	struct container *ct = need_ct(call, r->id);
	struct proc *p;
	if (!ct)
		goto out;
	if (!*r->exec_id) {
		call_error(call, ST_INVALID_ARGUMENT, "exec id is empty");
		goto out;
	}
	if (proc_find(ct, r->exec_id)) {
		call_error(call, ST_ALREADY_EXISTS, "exec %s: already exists", r->exec_id);
		goto out;
	}
	if (ct->init.state != P_RUNNING && ct->init.state != P_CREATED) {
		call_error(call, ST_FAILED_PRECONDITION, "container %s is not running", ct->id);
		goto out;
	}
	if (!r->spec || !r->spec->value.len) {
		call_error(call, ST_INVALID_ARGUMENT, "exec %s: no process spec", r->exec_id);
		goto out;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->ct = ct;
	p->exec_id = strdup(r->exec_id);
	p->terminal = r->terminal;
	p->stdin_path = strdup(r->stdin);
	p->stdout_path = strdup(r->stdout);
	p->stderr_path = strdup(r->stderr);
	/* the exec id comes from the client: never part of a path */
	p->spec_path = xasprintf("%s/.exec-%u.json", ct->bundle, ++exec_seq);
	if (write_file_str(p->spec_path, (const char *)r->spec->value.data, r->spec->value.len) < 0) {
		call_error(call, ST_UNKNOWN, "write %s: %s", p->spec_path, strerror(errno));
		proc_free(p);
		free(p);
		goto out;
	}
	p->state = P_CREATED;
	p->next = ct->execs;
	ct->execs = p;
	{
		Wshim__TaskExecAdded ev = WSHIM__TASK_EXEC_ADDED__INIT;
		ev.container_id = ct->id;
		ev.exec_id = p->exec_id;
		publish("/tasks/exec-added", "containerd.events.TaskExecAdded", &ev.base);
	}
	call_reply(call, NULL);
out:
	FREE(exec_process_request, r);
}

static void rpc_resize_pty(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(resize_pty_request, r);
	struct proc *p = need_proc(call, r->id, r->exec_id);
	if (p) {
		if (stdio_resize(p, r->width, r->height) < 0)
			call_error(call, ST_FAILED_PRECONDITION, "resize pty: %s", strerror(errno));
		else
			call_reply(call, NULL);
	}
	FREE(resize_pty_request, r);
}

static void rpc_close_io(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(close_iorequest, r);
	struct proc *p = need_proc(call, r->id, r->exec_id);
	if (p) {
		if (r->stdin)
			stdio_close_in(p);
		call_reply(call, NULL);
	}
	FREE(close_iorequest, r);
}

static void rpc_state(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(state_request, r);
	Wshim__StateResponse resp = WSHIM__STATE_RESPONSE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	struct proc *p = need_proc(call, r->id, r->exec_id);
	if (p) {
		resp.id = p->exec_id ? p->exec_id : p->ct->id;
		resp.bundle = p->ct->bundle;
		resp.pid = (uint32_t)(p->pid > 0 ? p->pid : 0);
		resp.status = p->state;
		if (p->state == P_RUNNING && p->ct->paused)
			resp.status = P_PAUSED;
		resp.stdin = p->stdin_path;
		resp.stdout = p->stdout_path;
		resp.stderr = p->stderr_path;
		resp.terminal = p->terminal;
		resp.exec_id = p->exec_id ? p->exec_id : "";
		if (p->state == P_STOPPED) {
			resp.exit_status = p->exit_status;
			now_ts(&ts, &p->exited_at);
			resp.exited_at = &ts;
		}
		call_reply(call, &resp.base);
	}
	FREE(state_request, r);
}

static void kill_done(struct rt_result *res, void *ctx)
{
	struct start_ctx *x = ctx;
	struct proc *p = x->p;
	if (res->status != 0) {
		proc_reap();
		if (p->state == P_STOPPED)
			call_error(x->call, ST_NOT_FOUND, "process already finished");
		else
			call_error(x->call, ST_UNKNOWN, "OCI runtime kill failed: %s", res->err);
	} else {
		call_reply(x->call, NULL);
	}
	start_ctx_end(x);
}

static void rpc_kill(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(kill_request, r);
	struct container *ct = need_ct(call, r->id);
	struct proc *p;
	char sb[16];
	if (!ct || ct_wait_turn(ct, call, rpc_kill, data, len))
		goto out;
	p = need_proc(call, r->id, r->exec_id);
	if (!p)
		goto out;
	if (p->state == P_STOPPED || p->pid <= 0) {
		call_error(call, ST_NOT_FOUND, "process already finished");
		goto out;
	}
	if (p->exec_id) {
		if (kill(p->pid, (int)r->signal) < 0)
			call_error(call, errno == ESRCH ? ST_NOT_FOUND : ST_UNKNOWN, "kill exec %s: %s", p->exec_id, strerror(errno));
		else
			call_reply(call, NULL);
	} else {
		const char *args[6];
		int n = 0, none[3] = { -1, -1, -1 };
		struct start_ctx *x = calloc(1, sizeof *x);
		if (!x)
			abort();
		x->call = call;
		x->p = p;
		args[n++] = "kill";
		if (r->all)
			args[n++] = "--all";
		args[n++] = ct->id;
		args[n++] = signame(r->signal, sb);
		args[n] = NULL;
		ct->busy = true;
		rt_spawn(ct, args, none, false, kill_done, x);
	}
out:
	FREE(kill_request, r);
}

/* `ps` changes nothing: it runs beside whatever else the container does,
 * and finds the container again by id when it is done */
struct pids_ctx {
	struct call *call;
	char *id;
};

static void pids_done(struct rt_result *res, void *ctx)
{
	struct pids_ctx *x = ctx;
	struct container *ct = ct_find(x->id);
	yajl_val v = NULL;

	if (!ct) {
		call_error(x->call, ST_NOT_FOUND, "container %s: not found", x->id);
	} else if (res->status != 0 || !(v = yajl_tree_parse(res->out, NULL, 0)) || !YAJL_IS_ARRAY(v)) {
		call_error(x->call, ST_UNKNOWN, "OCI runtime ps failed: %s", res->err ? res->err : "bad output");
	} else {
		Wshim__PidsResponse resp = WSHIM__PIDS_RESPONSE__INIT;
		size_t cnt = v->u.array.len;
		Wshim__ProcessInfo *infos = calloc(cnt + 1, sizeof *infos);
		Wshim__ProcessInfo **ptrs = calloc(cnt + 1, sizeof *ptrs);
		Wshim__Any *anys = calloc(cnt + 1, sizeof *anys);
		uint8_t **bufs = calloc(cnt + 1, sizeof *bufs);
		if (!infos || !ptrs || !anys || !bufs)
			abort();
		for (size_t i = 0; i < cnt; i++) {
			yajl_val e = v->u.array.values[i];
			wshim__process_info__init(&infos[i]);
			infos[i].pid = YAJL_IS_INTEGER(e) ? (uint32_t)YAJL_GET_INTEGER(e) : 0;
			for (struct proc *p = ct->execs; p; p = p->next) {
				if (p->pid > 0 && (uint32_t)p->pid == infos[i].pid) {
					Wshim__ProcessDetails d = WSHIM__PROCESS_DETAILS__INIT;
					d.exec_id = p->exec_id;
					wshim__any__init(&anys[i]);
					anys[i].type_url = "containerd.runc.v1.ProcessDetails";
					anys[i].value.len = wshim__process_details__get_packed_size(&d);
					bufs[i] = malloc(anys[i].value.len + 1);
					wshim__process_details__pack(&d, bufs[i]);
					anys[i].value.data = bufs[i];
					infos[i].info = &anys[i];
				}
			}
			ptrs[i] = &infos[i];
		}
		resp.n_processes = cnt;
		resp.processes = ptrs;
		call_reply(x->call, &resp.base);
		for (size_t i = 0; i < cnt; i++)
			free(bufs[i]);
		free(bufs);
		free(anys);
		free(ptrs);
		free(infos);
	}
	if (v)
		yajl_tree_free(v);
	free(x->id);
	free(x);
}

static void rpc_pids(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(pids_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct) {
		const char *args[] = { "ps", "--format", "json", ct->id, NULL };
		int none[3] = { -1, -1, -1 };
		struct pids_ctx *x = calloc(1, sizeof *x);
		if (!x)
			abort();
		x->call = call;
		x->id = strdup(ct->id);
		rt_spawn(ct, args, none, true, pids_done, x);
	}
	FREE(pids_request, r);
}

static void rpc_wait(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(wait_request, r);
	struct proc *p = need_proc(call, r->id, r->exec_id);
	if (p) {
		if (p->state == P_STOPPED) {
			Wshim__WaitResponse resp = WSHIM__WAIT_RESPONSE__INIT;
			Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
			now_ts(&ts, &p->exited_at);
			resp.exit_status = p->exit_status;
			resp.exited_at = &ts;
			call_reply(call, &resp.base);
		} else {
			call->next = p->waiters;
			p->waiters = call;
		}
	}
	FREE(wait_request, r);
}

static void rpc_stats(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(stats_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct) {
		Wshim__StatsResponse resp = WSHIM__STATS_RESPONSE__INIT;
		Wshim__Any any = WSHIM__ANY__INIT;
		_cleanup_free_ char *errmsg = NULL;
		if (metrics_collect(ct, &any, &errmsg) < 0) {
			call_error(call, ST_UNKNOWN, "stats: %s", errmsg ? errmsg : "unavailable");
		} else {
			resp.stats = &any;
			call_reply(call, &resp.base);
			free(any.value.data);
		}
	}
	FREE(stats_request, r);
}

static void rpc_connect(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(connect_request, r);
	Wshim__ConnectResponse resp = WSHIM__CONNECT_RESPONSE__INIT;
	struct container *ct = ct_find(r->id);
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = ct && ct->init.pid > 0 ? (uint32_t)ct->init.pid : 0;
	resp.version = SHIM_VERSION;
	call_reply(call, &resp.base);
	FREE(connect_request, r);
}

static void rpc_shutdown(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(shutdown_request, r);
	bool now = r->now;
	FREE(shutdown_request, r);
	call_reply(call, NULL);
	/* a pod's shim serves all its containers: stay while any is left */
	if (containers && !now)
		return;
	shutdown_requested = true;
	if (now) {
		loop_quit();
		return;
	}
	maybe_exit();
}

static void ct_ctx_end(struct ct_ctx *x)
{
	struct container *ct = x->ct;
	if (x->path) {
		unlink(x->path);
		free(x->path);
	}
	free(x);
	ct_turn_done(ct);
}

/* pause, resume, update: the runtime's answer is the reply; the first two
 * also change the state and raise an event */
static void simple_done(struct rt_result *res, void *ctx, const char *cmd)
{
	struct ct_ctx *x = ctx;
	struct container *ct = x->ct;
	if (res->status != 0) {
		call_error(x->call, ST_UNKNOWN, "OCI runtime %s failed: %s", cmd, res->err);
	} else if (!strcmp(cmd, "pause")) {
		Wshim__TaskPaused ev = WSHIM__TASK_PAUSED__INIT;
		ct->paused = true;
		ev.container_id = ct->id;
		publish("/tasks/paused", "containerd.events.TaskPaused", &ev.base);
		call_reply(x->call, NULL);
	} else if (!strcmp(cmd, "resume")) {
		Wshim__TaskResumed ev = WSHIM__TASK_RESUMED__INIT;
		ct->paused = false;
		ev.container_id = ct->id;
		publish("/tasks/resumed", "containerd.events.TaskResumed", &ev.base);
		call_reply(x->call, NULL);
	} else {
		call_reply(x->call, NULL);
	}
	ct_ctx_end(x);
}

static void pause_done(struct rt_result *res, void *ctx) { simple_done(res, ctx, "pause"); }
static void resume_done(struct rt_result *res, void *ctx) { simple_done(res, ctx, "resume"); }
static void update_done(struct rt_result *res, void *ctx) { simple_done(res, ctx, "update"); }

static void simple_rt(struct call *call, struct container *ct, const char *cmd, char *path, rt_done_fn done)
{
	const char *args[5];
	int n = 0, none[3] = { -1, -1, -1 };
	struct ct_ctx *x = calloc(1, sizeof *x);
	if (!x)
		abort();
	x->call = call;
	x->ct = ct;
	x->path = path;
	args[n++] = cmd;
	if (path) {
		args[n++] = "--resources";
		args[n++] = path;
	}
	args[n++] = ct->id;
	args[n] = NULL;
	ct->busy = true;
	rt_spawn(ct, args, none, false, done, x);
}

static void rpc_pause(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(pause_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct && !ct_wait_turn(ct, call, rpc_pause, data, len))
		simple_rt(call, ct, "pause", NULL, pause_done);
	FREE(pause_request, r);
}

static void rpc_resume(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(resume_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct && !ct_wait_turn(ct, call, rpc_resume, data, len))
		simple_rt(call, ct, "resume", NULL, resume_done);
	FREE(resume_request, r);
}

static void rpc_update(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(update_task_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct && !ct_wait_turn(ct, call, rpc_update, data, len)) {
		char *path = xasprintf("%s/.update-%u.json", ct->bundle, ++exec_seq);
		if (!r->resources || !r->resources->value.len) {
			call_error(call, ST_INVALID_ARGUMENT, "update: no resources");
			free(path);
		} else if (write_file_str(path, (const char *)r->resources->value.data, r->resources->value.len) < 0) {
			call_error(call, ST_UNKNOWN, "write %s: %s", path, strerror(errno));
			unlink(path);
			free(path);
		} else {
			simple_rt(call, ct, "update", path, update_done);
		}
	}
	FREE(update_task_request, r);
}

static void rpc_checkpoint(struct call *call, const uint8_t *data, size_t len)
{
	DECODE(checkpoint_task_request, r);
	struct container *ct = need_ct(call, r->id);
	if (ct && !ct_wait_turn(ct, call, rpc_checkpoint, data, len))
		checkpoint_task(call, ct, r);
	FREE(checkpoint_task_request, r);
}

static const struct {
	const char *name;
	rpc_fn fn;
} methods[] = {
	{ "State", rpc_state },       { "Create", rpc_create },   { "Start", rpc_start },
	{ "Delete", rpc_delete },     { "Pids", rpc_pids },       { "Pause", rpc_pause },
	{ "Resume", rpc_resume },     { "Checkpoint", rpc_checkpoint }, { "Kill", rpc_kill },
	{ "Exec", rpc_exec },         { "ResizePty", rpc_resize_pty }, { "CloseIO", rpc_close_io },
	{ "Update", rpc_update },     { "Wait", rpc_wait },       { "Stats", rpc_stats },
	{ "Connect", rpc_connect },   { "Shutdown", rpc_shutdown },
};

rpc_fn task_lookup(const char *service, const char *method)
{
	if (strcmp(service, "containerd.task.v2.Task"))
		return NULL;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (!strcmp(methods[i].name, method))
			return methods[i].fn;
	return NULL;
}

const char *task_method_name(const char *method)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (!strcmp(methods[i].name, method))
			return methods[i].name;
	return "?";
}
