/* The container's init, child side, in order: namespaces -> rootfs ->
 * mounts -> devices -> hooks -> pivot -> console -> sysctl -> finalize ->
 * ready -> (ward start) -> security tail -> exec. Every failure before
 * "ready" travels to the parent over the sync socket, so that `ward create`
 * prints the child's own error. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "landlock.h"
#include "log.h"
#include "security.h"
#include "signals.h"
#include "spawn.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"

/* ---- file descriptors (CVE-2024-21626) ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void close_range_fallback(unsigned lo, unsigned hi)
{
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL) {
		for (unsigned fd = lo; fd <= hi && fd < 65536; fd++)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end == '\0' && fd >= (long)lo && fd <= (long)hi && fd != dirfd(d))
			close((int)fd);
	}
}

static void close_between(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
	if (syscall(SYS_close_range, lo, hi, 0) < 0)
		close_range_fallback(lo, hi);
}

/* Close everything but stdio, the --preserve-fds range and `keep`: no fd
 * that ward opened may reach the container process, even one marked
 * CLOEXEC (process.cwd "/proc/self/fd/N" would resolve it before exec). */
static void close_fds_except(const struct container *c, int *keep, size_t n)
{
	unsigned lo = 3 + (unsigned)c->preserve_fds;

	qsort(keep, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		close_between(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	close_between(lo, ~0U);
}

/* Preserved fds are handed over on purpose: they must survive execve. */
static int release_preserved_fds(const struct container *c, struct ward_error *err)
{
	for (int fd = 3; fd < 3 + c->preserve_fds; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0)
			return ward_error_errno(err, "preserved fd %d", fd);
		if ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return ward_error_errno(err, "preserved fd %d", fd);
	}
	return 0;
}

/* Right after clone: the lock on the state dir (flock would stay held
 * while init waits for start), the parent's sync end, the console socket...
 * Only what init itself needs stays. */
static void close_parent_fds(struct spawn *sp)
{
	size_t n_mounts = sp->c->mount_fds ? sp->c->spec->n_mounts : 0;
	int keep[SPEC_NS__COUNT + 5 + n_mounts + cgroup_join_nfds(&sp->cgjoin)];
	size_t n = 0;

	keep[n++] = sp->sync_fd[1];
	keep[n++] = sp->fifo_fd;
	keep[n++] = ward_log_fd();
	keep[n++] = seccomp_listener_fd(sp->seccomp);
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		keep[n++] = sp->ns.join_fd[t];
	n += cgroup_join_fds(&sp->cgjoin, keep + n);
	/* Id-mapped trees made by the parent; mounts_setup consumes them. */
	for (size_t i = 0; i < n_mounts; i++)
		keep[n++] = sp->c->mount_fds[i];
	keep[n++] = sp->c->rootfs_idmapped ? sp->c->rootfs_tree : -1;
	close_fds_except(sp->c, keep, n);
}

/* ---- small steps ---- */

static int userns_sync(void *arg, struct ward_error *err)
{
	struct spawn *sp = arg;

	if (sync_send_type(sp->sync_fd[1], SYNC_USERNS, err) < 0)
		return -1;
	return sync_expect(sp->sync_fd[1], SYNC_USERNS_DONE, NULL, err);
}

/* Key permission bits (keyutils.h, not in the uapi headers). */
#define KEY_USR_SEARCH 0x00080000
#define KEY_OTH_SEARCH 0x00000008

/* runc's behaviour: a session keyring of the container's own
 * ("_ses.<id>"), not the caller's, searchable by its owner (or by others
 * when ids are mapped). --no-new-keyring keeps the inherited one. */
static int join_session_keyring(const struct spawn *sp, struct ward_error *err)
{
	char name[sizeof("_ses.") + STATE_ID_MAX];
	cleanup_free char *desc = NULL;
	long key, len, need;
	unsigned perm;

	if (sp->c->no_new_keyring)
		return 0;
	snprintf(name, sizeof(name), "_ses.%s", sp->c->id);
	key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (key < 0) {
		if (errno == ENOSYS)
			return 0;
		return ward_error_errno(err, "join session keyring");
	}
	/* The description embeds the id: ask for its size, and fill the buffer
	 * only when it fits (the kernel copies nothing into a short one). */
	need = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, NULL, 0, 0);
	for (;;) {
		if (need < 0)
			return ward_error_errno(err, "describe session keyring");
		free(desc);
		desc = malloc(need + 1);
		if (desc == NULL)
			return ward_error_set(err, ENOMEM, "describe session keyring");
		len = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, need + 1, 0);
		if (len >= 0 && len <= need + 1)
			break;
		need = len;
	}
	desc[len > 0 ? len - 1 : 0] = '\0';
	/* "type;uid;gid;perm;description" */
	char *p = desc;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ';');
		if (p)
			p++;
	}
	if (p == NULL || sscanf(p, "%x", &perm) != 1)
		return ward_error_set(err, EPROTO, "session keyring description \"%s\"", desc);
	perm |= sp->ns.in_userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm, 0, 0) < 0)
		return ward_error_errno(err, "set session keyring permissions");
	return 0;
}

/* Init is a grandchild when the pid namespace applies only to children
 * of whoever entered it. The intermediate leaves at once; the parent reaps
 * it and learns init's host pid from the credentials of its first message. */
static int fork_init(struct spawn *sp, struct ward_error *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return ward_error_errno(err, "fork init into the pid namespace");
	if (pid > 0)
		_exit(0);
	/* The session is the intermediate's: init leads one of its own. */
	if (terminal_new_session(err) < 0)
		return -1;
	return sync_send_type(sp->sync_fd[1], SYNC_INIT_PID, err);
}

static bool needs_pid_for_hooks(const struct spec *s)
{
	const struct spec_hooks *h = s->hooks;

	return h && (h->prestart.len || h->create_runtime.len || h->create_container.len ||
		     h->start_container.len);
}

/* The parent runs prestart and createRuntime in the runtime's namespaces
 * now: namespaces exist and mounts are done, pivot_root is not (OCI
 * runtime-spec, "createRuntime hooks"). Its answer carries our host pid. */
static int sync_hooks(struct spawn *sp, struct ward_error *err)
{
	struct sync_msg m;

	if (sync_send_type(sp->sync_fd[1], SYNC_HOOKS, err) < 0)
		return -1;
	if (sync_expect(sp->sync_fd[1], SYNC_HOOKS_DONE, &m, err) < 0)
		return -1;
	sp->state->pid = m.pid;
	return 0;
}

/* createContainer and startContainer hooks run inside the container, as
 * runc runs them: the state carries the pid as the container sees it
 * (runtime-spec, "State"), and a hook without `env` gets the process's. */
static int run_inner_hooks(struct spawn *sp, const struct spec_hook_list *list, const char *kind,
			   enum container_status status, const struct hook_ctx *ctx,
			   struct ward_error *err)
{
	pid_t host_pid = sp->state->pid;
	int r;

	if (list->len == 0)
		return 0;
	sp->state->pid = getpid();
	r = container_run_hooks_ctx(list, kind, sp->state, status, ctx, err);
	sp->state->pid = host_pid;
	return r;
}

/* From the container's rootfs (host path, before pivot_root), so that
 * relative paths in the hook mean the container's files. */
static int create_container_hooks(struct spawn *sp, struct ward_error *err)
{
	static char *const no_env[] = { NULL };
	const struct spec_process *p = sp->c->spec->process;
	struct hook_ctx ctx = {
		.cwd = sp->c->rootfs,
		.env = p->env.items ? p->env.items : no_env,
	};

	return run_inner_hooks(sp, &sp->c->spec->hooks->create_container, "createContainer",
			       STATUS_CREATING, &ctx, err);
}

static int setup_console(struct spawn *sp, struct ward_error *err)
{
	const struct spec_process *p = sp->c->spec->process;
	struct sync_msg m = { .type = SYNC_CONSOLE };
	cleanup_close int master = -1;

	master = terminal_setup_console(p->console_size, m.text, sizeof(m.text), err);
	if (master < 0)
		return ward_error_wrap(err, "set up console");
	return sync_send(sp->sync_fd[1], &m, master, err);
}

/* process.cwd must be a directory of the container: resolve it now, with
 * only the fds the container will get still open, and refuse anything
 * outside the root (getcwd reports ENOENT for an unreachable directory). */
static int check_cwd(const struct spec_process *p, struct ward_error *err)
{
	char buf[4096];

	if (p->cwd == NULL)
		return 0;
	if (chdir(p->cwd) < 0)
		return 0; /* the security tail retries as the user and reports */
	if (getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT)
		return ward_error_set(err, EPERM, "cwd \"%s\" is outside the container root", p->cwd);
	return 0;
}

/* runc creates a missing cwd (0755, like mkdir -p) and fails create when
 * the cwd is not a directory. This runs right after pivot_root, before
 * rootfs_finalize can make the root read-only; "/" is the container's root
 * now, so no path here can resolve outside it. */
static int prepare_cwd(const struct spec_process *p, struct ward_error *err)
{
	cleanup_free char *path = NULL;
	struct stat st;

	if (p->cwd == NULL || p->cwd[0] != '/')
		return 0;
	path = strdup(p->cwd);
	if (path == NULL)
		return ward_error_set(err, ENOMEM, "cwd");
	for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return ward_error_errno(err, "create cwd \"%s\"", p->cwd);
		if (slash == NULL)
			break;
		*slash = '/';
	}
	if (stat(p->cwd, &st) < 0)
		return ward_error_errno(err, "cwd \"%s\"", p->cwd);
	if (!S_ISDIR(st.st_mode))
		return ward_error_set(err, ENOTDIR, "cwd \"%s\" is not a directory", p->cwd);
	return 0;
}

/* Block until `ward start` opens exec.fifo for reading, then tell it we
 * are released. The fd was opened O_PATH by the parent (the state dir is
 * out of reach from a user namespace); reopening it through /proc/self/fd
 * needs the container's procfs, which is mounted by now. */
static int wait_for_start(struct spawn *sp, struct ward_error *err)
{
	char path[SAFE_FD_PATH_MAX];
	cleanup_close int fd = -1;
	ssize_t n;

	safe_fd_path(sp->fifo_fd, path);
	do
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return ward_error_errno(err, "open exec fifo");
	/* /proc is the container's: without a procfs mounted there, the
	 * image's own /proc/self/fd/N (a symlink to /dev/null...) would take
	 * our "go" and start the process before `ward start`. Only the
	 * fifo we hold will do. */
	{
		struct stat want, got;

		if (fstat(sp->fifo_fd, &want) < 0 || fstat(fd, &got) < 0)
			return ward_error_errno(err, "stat exec fifo");
		if (want.st_dev != got.st_dev || want.st_ino != got.st_ino)
			return ward_error_set(err, EXDEV, "%s is not the exec fifo (no procfs at /proc?)", path);
	}
	do
		n = write(fd, "0", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return ward_error_errno(err, "write exec fifo");
	close(sp->fifo_fd);
	sp->fifo_fd = -1;
	return 0;
}

/* What the seccomp agent receives with the notify fd once the filter is
 * loaded (after `ward start`, just before exec): the container as it will
 * be then, created and about to run. */
static int set_agent_state(struct spawn *sp, struct ward_error *err)
{
	cleanup_free char *json = state_oci_json(sp->state, STATUS_CREATED, false, false);

	if (json == NULL)
		return ward_error_set(err, ENOMEM, "seccomp agent state");
	return seccomp_set_process_state(sp->seccomp, sp->state->pid, json, err);
}

/* Until it is ready, init dies with the ward that made it: a create
 * killed mid-way leaves no half-set-up process behind. The kernel clears
 * the setting on credential changes (entering a user namespace), so it is
 * set again after them; a parent already gone shows as a hung-up sync
 * socket. */
static void bind_to_parent(const struct spawn *sp)
{
	struct pollfd p = { .fd = sp->sync_fd[1], .events = 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
		_exit(1);
}

/* With no cwd of their own: the process's (process_confine entered it);
 * with no env: the one the process will get. */
static int start_container_hooks(struct spawn *sp, const struct exec_plan *plan,
				 struct ward_error *err)
{
	struct hook_ctx ctx = { .env = plan->envp };

	return run_inner_hooks(sp, &sp->c->spec->hooks->start_container, "startContainer",
			       STATUS_CREATED, &ctx, err);
}

/* ---- the sequence ---- */

static int init_prepare(struct spawn *sp, struct ward_error *err)
{
	struct container *c = sp->c;
	const struct spec *s = c->spec;
	const struct spec_hooks *h = s->hooks;
	struct exec_plan plan;

	/* Out of the caller's session and process group before anything of
	 * the container's runs (terminal.h). */
	if (terminal_new_session(err) < 0)
		return -1;
	if (sync_expect(sp->sync_fd[1], SYNC_GO, NULL, err) < 0)
		return -1;
	/* Our cgroups, before anything else: hooks and the container's
	 * processes see us there, and the cgroup namespace is rooted there. */
	if (cgroup_join_self(&sp->cgjoin, err) < 0)
		return -1;
	if (ns_enter(&sp->ns, userns_sync, sp, err) < 0)
		return -1;
	if (sp->ns.in_userns && ns_become_root(err) < 0)
		return -1;
	bind_to_parent(sp);
	if (sp->ns.create[SPEC_NS_TIME] && ns_setup_time(s->linux, err) < 0)
		return -1;
	if (sp->ns.fork_init && fork_init(sp, err) < 0)
		return -1;
	if (sp->ns.create[SPEC_NS_CGROUP] && ns_unshare_cgroup(err) < 0)
		return -1;
	if (join_session_keyring(sp, err) < 0)
		return -1;
	if (uts_setup(s, err) < 0)
		return -1;
	if (sp->ns.create[SPEC_NS_NETWORK] && net_loopback_up(err) < 0)
		return -1;
	ward_debug("init of %s: in its namespaces", c->id);

	/* Bind sources opened with host privileges (mountsrc.c). */
	if (mountsrc_wanted(c) && mountsrc_request(c, sp->sync_fd[1], err) < 0)
		return -1;
	if (rootfs_prepare(c, err) < 0 || mounts_setup(c, err) < 0) {
		mountsrc_release(c);
		return -1;
	}
	mountsrc_release(c);
	if (devices_setup(c, err) < 0)
		return -1;
	ward_debug("init of %s: %zu mounts and the devices are in place", c->id, s->n_mounts);
	/* The seccomp agent is told our host pid too. */
	if ((needs_pid_for_hooks(s) || seccomp_listener_fd(sp->seccomp) >= 0) &&
	    sync_hooks(sp, err) < 0)
		return -1;
	if (h && create_container_hooks(sp, err) < 0)
		return -1;
	if (rootfs_pivot(c, err) < 0 || prepare_cwd(s->process, err) < 0)
		return -1;
	/* the last line from here: the console may take over stderr next */
	ward_debug("init of %s: root pivoted", c->id);
	/* Before finalize: the console is bound on /dev/console while the root
	 * may still be written, and sysctls go through /proc/sys before
	 * readonlyPaths can cover it (runc's order). */
	if (s->process->terminal && setup_console(sp, err) < 0)
		return -1;
	/* Without a terminal init leads a session of its own too: it drops
	 * the caller's controlling terminal (nothing to TIOCSTI into), and
	 * criu can dump a tree whose session leader is inside it. */
	if (!s->process->terminal && setsid() < 0 && errno != EPERM)
		return ward_error_errno(err, "setsid");
	if (sysctl_apply(s, err) < 0)
		return -1;
	if (rootfs_finalize(c, err) < 0)
		return -1;

	if (seccomp_listener_fd(sp->seccomp) >= 0 && set_agent_state(sp, err) < 0)
		return -1;
	int keep[] = { sp->sync_fd[1], sp->fifo_fd, ward_log_fd(), seccomp_listener_fd(sp->seccomp) };
	close_fds_except(c, keep, sizeof(keep) / sizeof(keep[0]));
	if (release_preserved_fds(c, err) < 0)
		return -1;
	if (check_cwd(s->process, err) < 0)
		return -1;
	/* A missing executable or an rlimit we may not set is a create-time
	 * error, as with runc (rlimits persist across exec and are set again,
	 * idempotently, by the security tail). */
	if (exec_plan_prepare(s->process, &plan, err) < 0)
		return -1;
	if (rlimits_apply(s->process, err) < 0) {
		exec_plan_release(&plan);
		return -1;
	}
	exec_plan_release(&plan);
	return 0;
}

__attribute__((noreturn)) void init_main(struct spawn *sp)
{
	struct container *c = sp->c;
	const struct spec *s = c->spec;
	struct ward_error err = { 0 };
	cleanup_exec_plan struct exec_plan plan = { 0 };

	/* CVE-2019-5736: nothing in the container may open /proc/<us>/exe
	 * or our memory until we have exec'd the container's program. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	bind_to_parent(sp);
	/* The caller may have blocked or ignored signals (`ward run` blocks
	 * the ones it forwards); the container starts from a clean slate. */
	signals_reset();
	close_parent_fds(sp);

	if (init_prepare(sp, &err) < 0) {
		sync_send_error(sp->sync_fd[1], &err);
		_exit(1);
	}
	/* Ready: from now on init outlives `ward create` (its pid is on
	 * record), so the tie is cut before the parent can see READY. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (sync_send_type(sp->sync_fd[1], SYNC_READY, &err) < 0)
		_exit(1);
	close(sp->sync_fd[1]);
	sp->sync_fd[1] = -1;

	/* From here nobody waits for our answer: errors go to the log.
	 * Without an exec.fifo (`ward run`) there is no start to wait for. */
	if (sp->fifo_fd >= 0 && wait_for_start(sp, &err) < 0) {
		ward_log_error(&err);
		_exit(1);
	}
	/* Landlock last before the tail: the mount tree is final and the
	 * exec.fifo (outside the root) is done with; see landlock.h. The
	 * startContainer hooks run as the container process, right before its
	 * execve: its user, capabilities, cwd, Landlock and seccomp filter
	 * are theirs too (runc's order). */
	if (landlock_apply(sp->landlock, &err) == 0 &&
	    process_confine(s, s->process, sp->seccomp, &plan, &err) == 0 &&
	    (s->hooks == NULL || start_container_hooks(sp, &plan, &err) == 0))
		exec_plan_run(s->process, &plan, &err);
	ward_log_error(&err);
	/* The shell's convention for a program that cannot run. */
	_exit(err.errnum == ENOENT ? 127 : err.errnum == EACCES ? 126 : 1);
}
