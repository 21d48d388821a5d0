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

void proc_reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct proc *p = proc_by_pid(pid);
		if (p && p->state != P_STOPPED)
			proc_exited(p, st);
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
