/* `ward exec`, parent and child side (the protocol is drawn in
 * exec_process.h). The process gets the same namespaces, root, cgroup,
 * seccomp filter and Landlock rules as init, and the capabilities its
 * process asks for (exec_clamp_caps is the node policy's limit on those). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "exec_process.h"
#include "landlock.h"
#include "log.h"
#include "namespaces.h"
#include "security.h"
#include "signals.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- capabilities ---- */

static bool strv_has(const struct spec_strv *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

int exec_clamp_caps(struct spec_process *p, const struct spec_strv *bnd, struct ward_error *err)
{
	struct spec_capabilities *c = p->capabilities;
	size_t n = 0;

	if (c == NULL)
		return 0;
	const struct spec_strv *sets[] = { &c->effective, &c->inheritable, &c->permitted,
					   &c->ambient };
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		for (size_t i = 0; i < sets[s]->len; i++)
			if (!strv_has(bnd, sets[s]->items[i]))
				return ward_error_set(err, EPERM,
						      "capability %s is not in the bounding set of container init",
						      sets[s]->items[i]);
	/* The bounding set only narrows: keep what both have, in place. */
	for (size_t i = 0; i < c->bounding.len; i++) {
		if (strv_has(bnd, c->bounding.items[i]))
			c->bounding.items[n++] = c->bounding.items[i];
		else
			free(c->bounding.items[i]);
	}
	c->bounding.len = n;
	if (c->bounding.items)
		c->bounding.items[n] = NULL;
	return 0;
}

/* ---- namespaces ---- */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	/* setns(pidfd) enters them all at once, the user namespace first; the
	 * fallback below keeps this order for the same reason. */
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },	    { "pid", CLONE_NEWPID },
	{ "net", CLONE_NEWNET },   { "ipc", CLONE_NEWIPC },	    { "uts", CLONE_NEWUTS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};
#define N_NS_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return true; /* a type this kernel lacks: nothing to join */
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The namespaces of init that we are not in: those are joined (a shared
 * namespace, e.g. the host network, is left as it is). */
static int ns_flags_of(pid_t pid)
{
	char theirs[64], ours[64];
	int flags = 0;

	for (size_t i = 0; i < N_NS_TYPES; i++) {
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_types[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_types[i].name);
		if (!same_file(theirs, ours))
			flags |= ns_types[i].flag;
	}
	return flags;
}

/* Kernels before 5.8 cannot setns() through a pidfd: open the namespace
 * files, then check that init is still the process that started at
 * init_start (so they were its namespaces), then join in order. */
static int setns_by_files(const struct exec_request *r, int flags, struct ward_error *err)
{
	int fds[N_NS_TYPES];
	char path[64];
	int ret = 0;

	for (size_t i = 0; i < N_NS_TYPES; i++) {
		fds[i] = -1;
		if (!(flags & ns_types[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)r->init_pid, ns_types[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = ward_error_errno(err, "open %s", path);
			goto out;
		}
	}
	if (!proc_alive(r->init_pid, r->init_start)) {
		ret = ward_error_set(err, ESRCH, "container init (pid %d) is gone", (int)r->init_pid);
		goto out;
	}
	for (size_t i = 0; i < N_NS_TYPES; i++)
		if (fds[i] >= 0 && setns(fds[i], ns_types[i].flag) < 0) {
			ret = ward_error_errno(err, "join the %s namespace of container init",
					       ns_types[i].name);
			goto out;
		}
out:
	for (size_t i = 0; i < N_NS_TYPES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

static int join_namespaces(const struct exec_request *r, int pidfd, int flags,
			   struct ward_error *err)
{
	if (flags == 0)
		return 0;
	if (setns(pidfd, flags) == 0)
		return 0;
	if (errno != EINVAL && errno != EBADF)
		return ward_error_errno(err, "join the namespaces of container init (0x%x)", flags);
	return setns_by_files(r, flags, err);
}

/* ---- child ---- */

struct exec_child {
	struct exec_request *r;
	int sock;
	int pidfd;
	int rootfd;
	int ns_flags;
	const char *agent_state; /* OCI state JSON, when the filter notifies */
	struct ward_seccomp *seccomp;
	struct ward_landlock *landlock;
	struct cgroup_join *cg;  /* the container's cgroups, joined after GO */
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Everything but stdio, the preserved range and `keep` is closed: no fd of
 * ward's may reach the process, even a CLOEXEC one, since a cwd of
 * "/proc/self/fd/N" would be resolved before execve (CVE-2024-21626). */
static void close_fds_except(int preserve_fds, int *keep, size_t n)
{
	unsigned lo = 3 + (unsigned)preserve_fds;

	qsort(keep, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0) {
		/* Before Linux 5.9: one by one from /proc/self/fd. */
		cleanup_dir DIR *d = opendir("/proc/self/fd");
		struct dirent *e;

		while (d && (e = readdir(d)) != NULL) {
			char *end;
			long fd = strtol(e->d_name, &end, 10);
			if (*end == '\0' && fd >= (long)lo && fd != dirfd(d))
				close((int)fd);
		}
	}
}

static int release_preserved_fds(int preserve_fds, struct ward_error *err)
{
	for (int fd = 3; fd < 3 + preserve_fds; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0))
			return ward_error_errno(err, "preserved fd %d", fd);
	}
	return 0;
}

/* Into init's root: after setns(CLONE_NEWNS) we stand at the root of its
 * mount namespace, which is not the container's root with --no-pivot. */
static int enter_root(struct exec_child *x, struct ward_error *err)
{
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return ward_error_errno(err, "enter the root of container init");
	close(x->rootfd);
	x->rootfd = -1;
	return 0;
}

/* pid (and time) namespaces apply to children only. CLONE_PARENT makes
 * the process a child of ward itself, which can then wait for it. */
static int fork_into_pidns(struct ward_error *err)
{
	struct clone_args args = { .flags = CLONE_PARENT };
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	/* This runs under the container's filter, which may refuse clone3
	 * (its flags are out of a filter's reach) with any errno. */
	if (pid < 0 && (errno == ENOSYS || errno == EPERM))
		pid = syscall(SYS_clone, (unsigned long)CLONE_PARENT, NULL, NULL, NULL, 0);
	if (pid < 0)
		return ward_error_errno(err, "fork into the pid namespace of container init");
	if (pid > 0)
		_exit(0);
	/* The session is the intermediate's: lead one of our own. */
	return terminal_new_session(err);
}

static int send_console(struct exec_child *x, struct ward_error *err)
{
	struct sync_msg m = { .type = SYNC_CONSOLE };
	cleanup_close int master = -1;

	master = terminal_setup_pty(x->r->proc->console_size, m.text, sizeof(m.text), err);
	if (master < 0)
		return ward_error_wrap(err, "set up terminal");
	return sync_send(x->sock, &m, master, err);
}

/* cwd must be a directory of the container, reached with only the fds
 * the process will get open: getcwd() reports ENOENT for a directory
 * outside our root (CVE-2024-21626). */
static int check_cwd(const struct spec_process *p, struct ward_error *err)
{
	char buf[4096];

	if (p->cwd == NULL || chdir(p->cwd) < 0)
		return 0; /* the tail retries as the user and reports */
	if (getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT)
		return ward_error_set(err, EPERM, "cwd \"%s\" is outside the container root", p->cwd);
	return 0;
}

/* The agent is told our pid as it sees it, the host's: only the parent
 * knows it, and answers our INIT_PID with it. */
static int set_agent_state(struct exec_child *x, struct ward_error *err)
{
	struct sync_msg m;

	if (sync_expect(x->sock, SYNC_INIT_PID, &m, err) < 0)
		return -1;
	if (m.pid <= 0)
		return ward_error_set(err, EPROTO, "exec: host pid not received");
	return seccomp_set_process_state(x->seccomp, m.pid, x->agent_state, err);
}

/* With a seccomp agent the filter must be loaded once our host pid is
 * known, and a new pty is opened through the container's /proc/self:
 * both after the pid-namespace fork. The process is then visible in the
 * container a little longer (as with runc), still as root. */
static int early_fork_tail(struct exec_child *x, bool fork_needed, struct ward_error *err)
{
	struct exec_request *r = x->r;

	if (fork_needed && fork_into_pidns(err) < 0)
		return -1;
	if (sync_send_type(x->sock, SYNC_INIT_PID, err) < 0 ||
	    (seccomp_listener_fd(x->seccomp) >= 0 && set_agent_state(x, err) < 0))
		return -1;
	if (r->proc->terminal && (send_console(x, err) < 0 || terminal_take_ctty(err) < 0))
		return -1;
	int keep[] = { x->sock, ward_log_fd(), seccomp_listener_fd(x->seccomp) };
	close_fds_except(r->preserve_fds, keep, sizeof(keep) / sizeof(keep[0]));
	if (release_preserved_fds(r->preserve_fds, err) < 0 || check_cwd(r->proc, err) < 0 ||
	    landlock_apply(x->landlock, err) < 0)
		return -1;
	return process_finalize_and_exec(r->spec, r->proc, x->seccomp, err);
}

static int child_steps(struct exec_child *x, struct ward_error *err)
{
	struct exec_request *r = x->r;
	bool fork_needed = x->ns_flags & (CLONE_NEWPID | CLONE_NEWTIME);
	cleanup_exec_plan struct exec_plan plan = { 0 };

	/* Out of the caller's session and process group before anything of
	 * the container's runs (terminal.h). */
	if (terminal_new_session(err) < 0)
		return -1;
	if (sync_expect(x->sock, SYNC_GO, NULL, err) < 0)
		return -1;
	/* The container's cgroups, ourselves, first (cgroup_join.c): the
	 * pid-namespace fork below inherits them. */
	if (cgroup_join_self(x->cg, err) < 0)
		return -1;
	if (join_namespaces(r, x->pidfd, x->ns_flags, err) < 0)
		return -1;
	close(x->pidfd);
	x->pidfd = -1;
	if ((x->ns_flags & CLONE_NEWUSER) && ns_become_root(err) < 0)
		return -1;
	if (enter_root(x, err) < 0)
		return -1;
	if (seccomp_listener_fd(x->seccomp) >= 0 || r->proc->terminal)
		return early_fork_tail(x, fork_needed, err);

	/* Until the pid-namespace fork nothing in the container can see us:
	 * become exactly what the process will be first (user, capabilities,
	 * Landlock, seccomp), so that a tracer in the container (one holding
	 * CAP_SYS_PTRACE) never catches the runtime with more than that. */
	int keep[] = { x->sock, ward_log_fd() };
	close_fds_except(r->preserve_fds, keep, sizeof(keep) / sizeof(keep[0]));
	if (release_preserved_fds(r->preserve_fds, err) < 0 || check_cwd(r->proc, err) < 0)
		return -1;
	/* Not a descendant of init: the process needs a Landlock domain of
	 * its own, at the same point as init (landlock.h). */
	if (landlock_apply(x->landlock, err) < 0)
		return -1;
	if (process_confine(r->spec, r->proc, x->seccomp, &plan, err) < 0)
		return -1;
	/* Under the filter from here: fork (clone), setsid, sendmsg and
	 * execve, which every profile that runs a shell allows. */
	if (fork_needed && fork_into_pidns(err) < 0)
		return -1;
	/* The kernel attaches our pid, as the parent sees it. */
	if (sync_send_type(x->sock, SYNC_INIT_PID, err) < 0)
		return -1;
	return exec_plan_run(r->proc, &plan, err);
}

__attribute__((noreturn)) static void exec_child_main(struct exec_child *x)
{
	struct ward_error err = { 0 };

	/* CVE-2019-5736: until execve, nothing in the container may open
	 * /proc/<us>/exe or our memory. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signals_reset();
	{
		int keep[5 + cgroup_join_nfds(x->cg)];
		size_t n = 0;

		keep[n++] = x->sock;
		keep[n++] = x->pidfd;
		keep[n++] = x->rootfd;
		keep[n++] = ward_log_fd();
		keep[n++] = seccomp_listener_fd(x->seccomp);
		n += cgroup_join_fds(x->cg, keep + n);
		close_fds_except(x->r->preserve_fds, keep, n);
	}
	child_steps(x, &err);
	{
		struct sync_msg m = { .type = SYNC_ERROR, .errnum = err.errnum };

		memcpy(m.text, err.msg, sizeof(m.text));
		/* The seccomp filter may refuse sendmsg by now: then only
		 * the log can tell. */
		if (sync_send(x->sock, &m, -1, NULL) < 0)
			ward_log_error(&err);
	}
	_exit(err.errnum == ENOENT ? 127 : err.errnum == EACCES ? 126 : 1);
}

/* ---- parent ---- */

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Answer the child until its socket closes on execve. */
static int serve_child(struct exec_request *r, int sock, pid_t child, bool agent,
		       struct ward_error *err)
{
	struct sync_msg m;
	struct sync_extra x;

	for (;;) {
		int rc = sync_recv(sock, &m, &x, err);
		if (rc == SYNC_RECV_EOF) {
			if (r->pid <= 0)
				return ward_error_set(err, 0, "exec process exited before it was ready");
			return 0;
		}
		if (rc < 0)
			return -1;
		switch (m.type) {
		case SYNC_INIT_PID:
			if (x.pid <= 0)
				return ward_error_set(err, EPROTO, "exec: process pid not received");
			r->pid = x.pid;
			ward_debug("exec in %s: process is pid %d%s", r->id, (int)r->pid,
				   r->pid != child ? " (forked into the pid namespace)" : "");
			if (r->pid != child)
				reap(child); /* the intermediate of the pid ns fork */
			if (agent) {
				struct sync_msg reply = { .type = SYNC_INIT_PID, .pid = r->pid };
				if (sync_send(sock, &reply, -1, err) < 0)
					return -1;
			}
			break;
		case SYNC_CONSOLE:
			if (x.fd < 0)
				return ward_error_set(err, EPROTO, "console message without a pty");
			if (r->console_socket_fd >= 0) {
				rc = terminal_send_master(r->console_socket_fd, x.fd, m.text, err);
				close(x.fd);
				if (rc < 0)
					return -1;
			} else {
				if (r->console_fd >= 0)
					close(r->console_fd);
				r->console_fd = x.fd;
			}
			break;
		default:
			if (x.fd >= 0)
				close(x.fd);
			return ward_error_set(err, EPROTO, "sync: unexpected %s from exec process",
					      sync_type_name(m.type));
		}
	}
}

static void seccomp_freep(struct ward_seccomp **f)
{
	seccomp_free(*f);
}

static void landlock_freep(struct ward_landlock **l)
{
	landlock_free(*l);
}

int exec_process_start(struct exec_request *r, struct ward_error *err)
{
	__attribute__((cleanup(seccomp_freep))) struct ward_seccomp *filter = NULL;
	__attribute__((cleanup(landlock_freep))) struct ward_landlock *ll = NULL;
	cleanup_close int pidfd = -1;
	cleanup_close int rootfd = -1;
	cleanup_free char *agent_state = NULL;
	struct cgroup_join cg = { .v2_dir = -1, .v2_procs = -1 };
	int sock[2];
	char path[64];
	pid_t child;
	int flags;

	r->pid = 0;
	r->console_fd = -1;
	if (seccomp_prepare_spec(r->spec, &filter, err) < 0)
		return -1;
	if (landlock_prepare(r->spec, &ll, err) < 0)
		return -1;
	if (seccomp_listener_fd(filter) >= 0) {
		if (r->state == NULL)
			return ward_error_set(err, EINVAL, "seccomp agent: no container state");
		agent_state = state_oci_json(r->state, STATUS_RUNNING, false, false);
		if (agent_state == NULL)
			return ward_error_set(err, ENOMEM, "seccomp agent state");
	}

	/* Everything about init is read through /proc/<pid> and then checked
	 * against the pidfd's process: a recycled pid is never joined. */
	pidfd = (int)syscall(SYS_pidfd_open, r->init_pid, 0);
	if (pidfd < 0)
		return ward_error_errno(err, "open container init (pid %d)", (int)r->init_pid);
	flags = ns_flags_of(r->init_pid);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)r->init_pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ward_error_errno(err, "open the root of container init");
	if (!proc_alive(r->init_pid, r->init_start))
		return ward_error_set(err, ESRCH, "container init (pid %d) is gone", (int)r->init_pid);
	ward_debug("exec in %s: init %d, joining namespaces 0x%x", r->id, (int)r->init_pid, flags);

	if (sync_pair(sock, err) < 0)
		return -1;
	if (r->cgroup && cgroup_exists(r->cgroup) &&
	    cgroup_join_open(r->cgroup, &cg, err) < 0) {
		close(sock[0]);
		close(sock[1]);
		return -1;
	}
	/* An ignored SIGCHLD would have the kernel reap the process. */
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	child = cgroup_join_clone(0, &cg);
	if (child == 0) {
		struct exec_child x = {
			.r = r,
			.sock = sock[1],
			.pidfd = pidfd,
			.rootfd = rootfd,
			.ns_flags = flags,
			.agent_state = agent_state,
			.seccomp = filter,
			.landlock = ll,
			.cg = &cg,
		};
		close(sock[0]);
		exec_child_main(&x);
	}
	close(sock[1]);
	cgroup_join_close(&cg);
	if (child < 0) {
		close(sock[0]);
		return ward_error_errno(err, "fork exec process");
	}
	ward_debug("exec in %s: forked pid %d", r->id, (int)child);

	int rc = sync_send_type(sock[0], SYNC_GO, err);
	if (rc == 0)
		rc = serve_child(r, sock[0], child, seccomp_listener_fd(filter) >= 0, err);
	close(sock[0]);
	if (rc < 0) {
		if (r->pid > 0 && r->pid != child) {
			kill(r->pid, SIGKILL);
			reap(r->pid);
		}
		kill(child, SIGKILL);
		reap(child);
		r->pid = 0;
		if (r->console_fd >= 0)
			close(r->console_fd);
		r->console_fd = -1;
		return -1;
	}
	ward_debug("exec in %s: pid %d set up, executing %s", r->id, (int)r->pid,
		   r->proc->args.len ? r->proc->args.items[0] : "");
	return 0;
}
