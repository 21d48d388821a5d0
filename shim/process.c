/* Containers and their processes: created → running → stopped, exit
 * records, and the Wait calls parked on a process until it exits. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

struct container *containers;
bool shutdown_requested;

struct container *ct_find(const char *id)
{
	for (struct container *ct = containers; ct; ct = ct->next)
		if (!strcmp(ct->id, id))
			return ct;
	return NULL;
}

struct proc *proc_find(struct container *ct, const char *exec_id)
{
	if (!exec_id || !*exec_id)
		return &ct->init;
	for (struct proc *p = ct->execs; p; p = p->next)
		if (!strcmp(p->exec_id, exec_id))
			return p;
	return NULL;
}

static struct proc *proc_by_pid(pid_t pid)
{
	for (struct container *ct = containers; ct; ct = ct->next) {
		if (ct->init.pid == pid)
			return &ct->init;
		for (struct proc *p = ct->execs; p; p = p->next)
			if (p->pid == pid)
				return p;
	}
	return NULL;
}

static void reply_wait(struct call *call, struct proc *p)
{
	Wshim__WaitResponse r = WSHIM__WAIT_RESPONSE__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;
	now_ts(&ts, &p->exited_at);
	r.exit_status = p->exit_status;
	r.exited_at = &ts;
	call_reply(call, &r.base);
}

void proc_exited(struct proc *p, int wstatus)
{
	Wshim__TaskExit ev = WSHIM__TASK_EXIT__INIT;
	Wshim__Timestamp ts = WSHIM__TIMESTAMP__INIT;

	p->exit_status = WIFEXITED(wstatus) ? (uint32_t)WEXITSTATUS(wstatus) : 128u + (uint32_t)WTERMSIG(wstatus);
	clock_gettime(CLOCK_REALTIME, &p->exited_at);
	p->state = P_STOPPED;
	if (p->io)
		stdio_close_in(p);
	now_ts(&ts, &p->exited_at);
	if (!p->exec_id)
		oom_watch_flush(p->ct);
	ev.container_id = p->ct->id;
	ev.id = p->exec_id ? p->exec_id : p->ct->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = p->exit_status;
	ev.exited_at = &ts;
	publish("/tasks/exit", "containerd.events.TaskExit", &ev.base);
	log_debug("%s%s%s pid %d exited with %u", p->ct->id, p->exec_id ? "/" : "", p->exec_id ? p->exec_id : "",
		  p->pid, p->exit_status);
	while (p->waiters) {
		struct call *c = p->waiters;
		p->waiters = c->next;
		reply_wait(c, p);
	}
}

/* exits of pids no process has (yet): kept while runtime calls run */
struct early {
	pid_t pid;
	int wstatus;
	struct early *next;
};
static struct early *early;
static size_t nearly;
/* reparented orphans of a busy pod exit too: keep the newest only */
#define EARLY_MAX 1024

bool proc_claim_early(pid_t pid, int *wstatus)
{
	for (struct early **ep = &early; *ep; ep = &(*ep)->next) {
		struct early *e = *ep;
		if (e->pid != pid)
			continue;
		*wstatus = e->wstatus;
		*ep = e->next;
		free(e);
		nearly--;
		return true;
	}
	return false;
}

void proc_forget_early(void)
{
	while (early) {
		struct early *e = early;
		early = e->next;
		free(e);
	}
	nearly = 0;
}

void proc_release(struct proc *p)
{
	p->hold = false;
	if (p->held) {
		p->held = false;
		if (p->state != P_STOPPED)
			proc_exited(p, p->held_status);
	}
}

void proc_reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct proc *p;
		if (rt_reaped(pid, st))
			continue;
		p = proc_by_pid(pid);
		if (p && p->state != P_STOPPED) {
			if (p->hold) {
				p->held = true;
				p->held_status = st;
			} else {
				proc_exited(p, st);
			}
		} else if (!p && rt_inflight()) {
			struct early *e = malloc(sizeof *e);
			if (!e)
				abort();
			e->pid = pid;
			e->wstatus = st;
			e->next = early;
			early = e;
			if (++nearly > EARLY_MAX) {
				struct early **last = &early;
				while ((*last)->next)
					last = &(*last)->next;
				free(*last);
				*last = NULL;
				nearly--;
			}
		}
	}
}

bool ct_wait_turn(struct container *ct, struct call *call,
		  void (*fn)(struct call *, const uint8_t *, size_t), const uint8_t *data, size_t len)
{
	struct queued *q;
	if (!ct->busy)
		return false;
	q = calloc(1, sizeof *q);
	if (!q || !(q->data = malloc(len ? len : 1)))
		abort();
	memcpy(q->data, data, len);
	q->len = len;
	q->call = call;
	q->fn = fn;
	if (!ct->queue_tail)
		ct->queue_tail = &ct->queue;
	*ct->queue_tail = q;
	ct->queue_tail = &q->next;
	log_debug("rpc %s on %s waits for the runtime", call->method, ct->id);
	return true;
}

static struct queued *ct_unqueue(struct container *ct)
{
	struct queued *q = ct->queue;
	ct->queue = NULL;
	ct->queue_tail = NULL;
	return q;
}

static void queued_dispatch(struct queued *q)
{
	while (q) {
		struct queued *next = q->next;
		q->fn(q->call, q->data, q->len);
		free(q->data);
		free(q);
		q = next;
	}
}

void ct_turn_done(struct container *ct)
{
	ct->busy = false;
	/* each queued RPC runs as if it arrived now; one that starts the
	 * runtime again makes the rest wait on */
	while (!ct->busy && ct->queue) {
		struct queued *q = ct->queue;
		ct->queue = q->next;
		if (!ct->queue)
			ct->queue_tail = NULL;
		q->next = NULL;
		queued_dispatch(q);
	}
}

void proc_free(struct proc *p)
{
	stdio_free(p);
	while (p->waiters) {
		struct call *c = p->waiters;
		p->waiters = c->next;
		call_error(c, ST_NOT_FOUND, "process deleted");
	}
	if (p->spec_path) {
		unlink(p->spec_path);
		free(p->spec_path);
	}
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
}

void ct_free(struct container *ct)
{
	/* nobody is left to serve what still waits */
	for (struct queued *q = ct_unqueue(ct); q;) {
		struct queued *next = q->next;
		call_error(q->call, ST_NOT_FOUND, "container %s: deleted", ct->id);
		free(q->data);
		free(q);
		q = next;
	}
	oom_watch_stop(ct);
	while (ct->execs) {
		struct proc *p = ct->execs;
		ct->execs = p->next;
		proc_free(p);
		free(p);
	}
	proc_free(&ct->init);
	free(ct->id);
	free(ct->bundle);
	free(ct->binary);
	free(ct->root);
	free(ct->policy);
	free(ct->checkpoint);
	free(ct->criu_work);
	free(ct->cg_memory);
	free(ct->cg_cpuacct);
	free(ct->cg_cpu);
	free(ct->cg_pids);
	free(ct->cg_unified);
	free(ct);
}

void maybe_exit(void)
{
	if (!shutdown_requested || containers)
		return;
	/* let queued events reach containerd first, within reason */
	events_exit_when_flushed();
}
