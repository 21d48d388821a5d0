/* Orchestration, parent side: create (with an undo list), start, and the
 * teardown after a foreground `run`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "landlock.h"
#include "log.h"
#include "egress.h"
#include "policy_eval.h"
#include "spawn.h"
#include "terminal.h"

#define EXEC_FIFO "exec.fifo"

static void state_clearp(struct ward_state *st)
{
	state_clear(st);
}
#define cleanup_state __attribute__((cleanup(state_clearp)))

void container_free(struct container *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->bundle);
	free(c->rootfs);
	free(c->state_root);
	free(c->state_dir);
	free(c->console_socket);
	free(c->pid_file);
	free(c->policy_path);
	cgroup_loc_free(c->cgroup);
	spec_free(c->spec);
	if (c->console_socket_fd >= 0)
		close(c->console_socket_fd);
	if (c->console_fd >= 0)
		close(c->console_fd);
	free(c);
}

int container_run_hooks_ctx(const struct spec_hook_list *list, const char *kind,
			    const struct ward_state *st, enum container_status status,
			    const struct hook_ctx *ctx, struct ward_error *err)
{
	cleanup_free char *json = NULL;

	if (list == NULL || list->len == 0)
		return 0;
	json = state_oci_json(st, status, false, false);
	if (json == NULL)
		return ward_error_set(err, ENOMEM, "%s hooks: state JSON", kind);
	return hooks_run(list, kind, json, ctx, err);
}

int container_run_hooks(const struct spec_hook_list *list, const char *kind,
			const struct ward_state *st, enum container_status status,
			struct ward_error *err)
{
	/* `ward start` and `ward delete` may be run from anywhere: relative
	 * paths in these hooks mean the bundle's, whoever calls. */
	struct hook_ctx ctx = { .cwd = st->bundle };

	return container_run_hooks_ctx(list, kind, st, status, &ctx, err);
}

/* ---- the policy seam ---- */

/* The one place where the spec that will be created is decided, before
 * anything exists: the node policy (policy.c) tightens the requested spec
 * in place or refuses it. Without a policy file it is taken as it is,
 * except that the policy's own annotations are refused there too. */
static struct spec *decide_effective_spec(struct container *c, struct spec *requested,
					  struct ward_error *err)
{
	cleanup_policy struct ward_policy *pol = NULL;
	struct policy_eval x = {
		.spec = requested,
		.id = c->id,
		.state_root = c->state_root,
	};
	int rc;

	if (policy_load(c->policy_path, &pol, err) < 0)
		return NULL;
	if (pol == NULL)
		return policy_check_requested(requested, err) < 0 ? NULL : requested;
	x.pol = pol;
	rc = policy_evaluate(&x, err);
	policy_eval_release(&x);
	return rc < 0 ? NULL : requested;
}

/* ---- the undo list ---- */

/* What create has made so far, unwound in reverse when a later step
 * fails, so a failed create leaves nothing behind. */
enum undo_kind { UNDO_STATE_DIR, UNDO_CGROUP, UNDO_POSTSTOP, UNDO_INIT };

struct undo {
	enum undo_kind steps[8];
	size_t n;
};

static void undo_push(struct undo *u, enum undo_kind k)
{
	u->steps[u->n++] = k;
}

static void kill_init(struct container *c)
{
	unsigned long long start = proc_start_time(c->pid);

	kill(c->pid, SIGKILL);
	/* Our child (no pid-namespace fork): reap it. Otherwise wait for it to
	 * be gone so that its cgroup can be removed. */
	if (waitpid(c->pid, NULL, 0) < 0 && start)
		proc_wait_exit(c->pid, start, 1000, NULL);
}

/* OCI runtime-spec lifecycle: a container that failed after its creation
 * began is deleted, and deletion runs poststop hooks (they may undo what
 * prestart or createRuntime hooks set up). Failures are warnings. */
static void run_poststop(struct container *c)
{
	const struct spec_hooks *h = c->spec->hooks;
	struct ward_state st = {
		.id = c->id,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.annotations = c->spec->annotations,
	};
	struct ward_error e = { 0 };

	if (h && container_run_hooks(&h->poststop, "poststop", &st, STATUS_STOPPED, &e) < 0)
		ward_warn("%s", e.msg);
}

static void undo_run(struct undo *u, struct container *c)
{
	struct ward_error e = { 0 };
	bool poststop = false;

	while (u->n > 0) {
		switch (u->steps[--u->n]) {
		case UNDO_INIT:
			kill_init(c);
			break;
		case UNDO_POSTSTOP:
			poststop = true; /* after the deletion, below */
			break;
		case UNDO_CGROUP:
			if (cgroup_destroy(c->cgroup, &e) < 0)
				ward_warn("undo create: %s", e.msg);
			break;
		case UNDO_STATE_DIR:
			if (state_remove(c->state_root, c->id, &e) < 0)
				ward_warn("undo create: %s", e.msg);
			break;
		}
	}
	if (poststop)
		run_poststop(c);
}

/* ---- create ---- */

static int load_spec(struct container *c, struct ward_error *err)
{
	cleanup_free char *path = NULL;
	struct spec *s;

	if (asprintf(&path, "%s/config.json", c->bundle) < 0)
		return ward_error_set(err, ENOMEM, "config path");
	s = spec_parse_file(path, err);
	if (s == NULL)
		return -1;
	if (spec_validate(s, true, err) < 0) {
		spec_free(s);
		return ward_error_wrap(err, "%s", path);
	}
	c->spec = decide_effective_spec(c, s, err);
	if (c->spec == NULL) {
		spec_free(s);
		return -1;
	}
	if (c->spec != s)
		spec_free(s);
	/* Before anything is created: a label this host cannot apply. */
	return lsm_check(c->spec->process, err);
}

/* root.path, relative to the bundle unless absolute, made canonical. */
static int resolve_rootfs(struct container *c, struct ward_error *err)
{
	cleanup_free char *joined = NULL;
	const char *p = c->spec->root->path;
	char buf[PATH_MAX];

	if (p[0] != '/' && asprintf(&joined, "%s/%s", c->bundle, p) < 0)
		return ward_error_set(err, ENOMEM, "rootfs path");
	if (realpath(joined ? joined : p, buf) == NULL)
		return ward_error_errno(err, "invalid rootfs \"%s\"", joined ? joined : p);
	free(c->rootfs);
	c->rootfs = strdup(buf);
	if (c->rootfs == NULL)
		return ward_error_set(err, ENOMEM, "rootfs path");
	return 0;
}

/* runc's message, word for word (no strerror suffix). */
static int usage_error(struct ward_error *err, const char *msg)
{
	ward_error_set(err, 0, "%s", msg);
	err->errnum = EINVAL;
	return -1;
}

/* runc's rules for who holds the terminal. */
static int check_console(struct container *c, struct ward_error *err)
{
	bool terminal = c->spec->process->terminal;

	if (c->console_socket && (c->foreground || !terminal))
		return usage_error(err, "cannot use console socket if runc will not detach or allocate tty");
	if (terminal && !c->foreground && c->console_socket == NULL)
		return usage_error(err, "cannot allocate tty if runc will detach without setting console socket");
	if (c->console_socket) {
		c->console_socket_fd = terminal_connect_socket(c->console_socket, err);
		if (c->console_socket_fd < 0)
			return -1;
	}
	return 0;
}

/* The fds the container inherits must all exist now: a gap would be
 * filled by one of our own fds, which would then be handed over. A closed
 * stdio fd becomes /dev/null; a missing preserved fd is an error. */
static int check_inherited_fds(const struct container *c, struct ward_error *err)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int null = open("/dev/null", O_RDWR); /* takes the lowest free fd: this one */
		if (null != fd) {
			if (null >= 0)
				close(null);
			return ward_error_errno(err, "open /dev/null as fd %d", fd);
		}
	}
	for (int fd = 3; fd < 3 + c->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return ward_error_errno(err, "--preserve-fds: fd %d", fd);
	return 0;
}

/* exec.fifo: init blocks opening it for writing until `ward start` opens
 * it for reading. 0622 so that init can open it from a user namespace. */
static int make_exec_fifo(int dirfd, struct ward_error *err)
{
	int fd;

	if (mkfifoat(dirfd, EXEC_FIFO, 0622) < 0)
		return ward_error_errno(err, "create exec fifo");
	if (fchmodat(dirfd, EXEC_FIFO, 0622, 0) < 0)
		return ward_error_errno(err, "chmod exec fifo");
	fd = openat(dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open exec fifo");
	return fd;
}

int container_write_pid_file(const char *path, pid_t pid, struct ward_error *err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (asprintf(&tmp, "%s.ward-tmp", path) < 0)
		return ward_error_set(err, ENOMEM, "pid file");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return ward_error_errno(err, "create pid file %s", tmp);
	if (write(fd, buf, len) != len) {
		ward_error_errno(err, "write pid file %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		ward_error_errno(err, "rename pid file to %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The spawn plan's own resources: namespace fds and the compiled filter. */
static void spawn_releasep(struct spawn *sp)
{
	ns_plan_release(&sp->ns);
	seccomp_free(sp->seccomp);
	sp->seccomp = NULL;
	landlock_free(sp->landlock);
	sp->landlock = NULL;
}
#define cleanup_spawn __attribute__((cleanup(spawn_releasep)))

/* Everything that can be checked or computed before anything is made:
 * a bad filter or namespace path fails here, with nothing to undo. */
static int plan_create(struct container *c, struct spawn *sp, struct ward_error *err)
{

	if (resolve_rootfs(c, err) < 0 || check_inherited_fds(c, err) < 0 ||
	    check_console(c, err) < 0)
		return -1;
	c->cgroup = cgroup_resolve(c->spec, c->id);
	if (c->cgroup == NULL)
		return ward_error_set(err, ENOMEM, "cgroup path");
	if (seccomp_prepare_spec(c->spec, &sp->seccomp, err) < 0)
		return -1;
	if (landlock_prepare(c->spec, &sp->landlock, err) < 0)
		return -1;
	return ns_plan_init(&sp->ns, c->spec, err);
}

/* The steps after the spec is known; `u` records what exists. */
static int create_steps(struct container *c, struct undo *u, struct ward_error *err)
{
	cleanup_spawn struct spawn sp = { .c = c, .fifo_fd = -1, .state_dirfd = -1 };
	const struct spec_linux *l = c->spec->linux;
	cleanup_free char *created = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int fifo_fd = -1;
	struct ward_state st;

	for (int t = 0; t < SPEC_NS__COUNT; t++)
		sp.ns.join_fd[t] = -1;
	if (plan_create(c, &sp, err) < 0)
		return -1;
	ward_debug("create %s: config %s/config.json checked, seccomp filter and namespaces planned",
		   c->id, c->bundle);

	dirfd = state_dir_create(c->state_root, c->id, err);
	if (dirfd < 0)
		return -1;
	undo_push(u, UNDO_STATE_DIR);
	lockfd = state_lock(dirfd, err);
	if (lockfd < 0 || cgroup_prepare(c->cgroup, err) < 0)
		return -1;
	/* What will exist is on record before it is made, so that a create
	 * killed at any point leaves something `delete --force` can finish:
	 * the cgroup directories ward is about to make, then init's pid as
	 * soon as it has one (process_spawn updates the record). */
	created = state_timestamp_now();
	st = (struct ward_state){
		.id = c->id,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.created = created,
		.owner = "",
		.cgroup = c->cgroup,
		.creating = true,
		.systemd_cgroup = c->systemd_cgroup,
		.annotations = c->spec->annotations,
	};
	if (state_write(dirfd, &st, err) < 0 || state_write_config(dirfd, c->spec, err) < 0)
		return -1;
	if (!c->start_now) {
		fifo_fd = make_exec_fifo(dirfd, err);
		if (fifo_fd < 0)
			return -1;
	}
	undo_push(u, UNDO_CGROUP);
	if (cgroup_create(c->cgroup, err) < 0)
		return -1;
	ward_debug("create %s: rootfs %s, cgroup %s", c->id, c->rootfs, c->cgroup->path);
	/* Limits and the device policy are in place before init joins. */
	if (cgroup_apply_resources(c->cgroup, l ? l->resources : NULL, true, err) < 0)
		return -1;
	/* The egress filter too: init is born under it. */
	if (egress_apply(c->cgroup, c->spec, err) < 0)
		return -1;

	sp.state = &st;
	sp.state_dirfd = dirfd;
	sp.fifo_fd = fifo_fd;
	undo_push(u, UNDO_POSTSTOP);
	if (process_spawn(&sp, err) < 0)
		return -1;
	undo_push(u, UNDO_INIT);
	if (sp.console_fd >= 0) {
		if (c->console_fd >= 0)
			close(c->console_fd);
		c->console_fd = sp.console_fd;
	}

	st.pid = c->pid;
	st.pid_start = proc_start_time(c->pid);
	st.creating = false;
	c->pid_start = st.pid_start;
	if (st.pid_start == 0)
		return ward_error_set(err, ESRCH, "container init (pid %d) is gone", (int)c->pid);
	if (state_write(dirfd, &st, err) < 0)
		return -1;
	if (c->pid_file && container_write_pid_file(c->pid_file, c->pid, err) < 0)
		return -1;
	return 0;
}

/* A create that failed gives back the id range the policy took for it. */
static void release_ids(struct container *c)
{
	struct ward_error e = { 0 };

	if (c->spec && policy_release_ids(c->spec, c->id, &e) < 0)
		ward_warn("undo create: %s", e.msg);
}

int container_create(struct container *c, struct ward_error *err)
{
	struct undo u = { .n = 0 };

	/* Relative paths in config.json (mount sources, hook paths) are
	 * relative to the bundle, as with runc. */
	if (chdir(c->bundle) < 0)
		return ward_error_errno(err, "chdir to bundle %s", c->bundle);
	if (load_spec(c, err) < 0) {
		release_ids(c);
		return -1;
	}
	free(c->state_dir);
	if (asprintf(&c->state_dir, "%s/%s", c->state_root, c->id) < 0) {
		c->state_dir = NULL;
		return ward_error_set(err, ENOMEM, "state dir");
	}
	if (create_steps(c, &u, err) < 0) {
		undo_run(&u, c);
		release_ids(c);
		return -1;
	}
	return 0;
}

int container_prepare(struct container *c, struct ward_error *err)
{
	if (chdir(c->bundle) < 0)
		return ward_error_errno(err, "chdir to bundle %s", c->bundle);
	if (load_spec(c, err) < 0)
		return -1;
	free(c->state_dir);
	if (asprintf(&c->state_dir, "%s/%s", c->state_root, c->id) < 0) {
		c->state_dir = NULL;
		return ward_error_set(err, ENOMEM, "state dir");
	}
	if (resolve_rootfs(c, err) < 0 || check_console(c, err) < 0)
		return -1;
	cgroup_loc_free(c->cgroup);
	c->cgroup = cgroup_resolve(c->spec, c->id);
	if (c->cgroup == NULL)
		return ward_error_set(err, ENOMEM, "cgroup path");
	return 0;
}

/* ---- start ---- */

static int check_startable(enum container_status status, struct ward_error *err)
{
	switch (status) {
	case STATUS_CREATED:
		return 0;
	case STATUS_STOPPED:
		return ward_error_set(err, 0, "cannot start a container that has stopped");
	case STATUS_RUNNING:
		return ward_error_set(err, 0, "cannot start an already running container");
	default:
		return ward_error_set(err, 0, "cannot start a container in the %s state",
				      container_status_name(status));
	}
}

/* Open exec.fifo for reading (which lets init's blocked open return) and
 * wait for its byte, or for init to die without writing it. */
static int release_init(int dirfd, const struct ward_state *st, struct ward_error *err)
{
	cleanup_close int fifo = -1;
	cleanup_close int pidfd = -1;
	char byte;
	ssize_t n;

	/* Checked before the fifo is opened: that open releases init, which
	 * may run a short program to its end before we look again. */
	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 || !proc_alive(st->pid, st->pid_start))
		return ward_error_set(err, 0, "container process is already dead");
	fifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		if (errno == ENOENT)
			return ward_error_set(err, 0, "cannot start an already running container");
		return ward_error_errno(err, "open exec fifo");
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fifo, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ward_error_errno(err, "wait for container init");
		}
		/* Data first: init may have written and exec'd a short-lived
		 * program that is already gone. */
		n = read(fifo, &byte, 1);
		if (n == 1)
			break;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return ward_error_errno(err, "read exec fifo");
		if (p[1].revents || (n == 0 && (p[0].revents & POLLHUP)))
			return ward_error_set(err, 0, "container process is already dead");
	}
	if (unlinkat(dirfd, EXEC_FIFO, 0) < 0 && errno != ENOENT)
		return ward_error_errno(err, "remove exec fifo");
	ward_debug("start %s: init %d released", st->id, (int)st->pid);
	return 0;
}

/* poststart: a failing hook is logged as a warning and the lifecycle
 * continues (OCI runtime-spec). */
static void run_poststart(const struct spec *s, const struct ward_state *st)
{
	struct ward_error hook_err = { 0 };

	if (s->hooks && container_run_hooks(&s->hooks->poststart, "poststart", st,
					    STATUS_RUNNING, &hook_err) < 0)
		ward_warn("%s", hook_err.msg);
}

/* The record create wrote for `c`, as far as start and destroy use it
 * (nothing is owned: the strings are c's). */
static struct ward_state own_state(const struct container *c)
{
	return (struct ward_state){
		.id = c->id,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.pid = c->pid,
		.pid_start = c->pid_start,
		.owner = "",
		.cgroup = c->cgroup,
		.systemd_cgroup = c->systemd_cgroup,
		.annotations = c->spec->annotations,
	};
}

int container_start_own(struct container *c, struct ward_error *err)
{
	struct ward_state st = own_state(c);
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;

	dirfd = state_dir_open_locked(c->state_root, c->id, &lockfd, err);
	/* Created to start at once: init is already on its way to exec. */
	if (dirfd < 0 || (!c->start_now && release_init(dirfd, &st, err) < 0))
		return -1;
	run_poststart(c->spec, &st);
	return 0;
}

int container_start(const char *state_root, const char *id, struct ward_error *err)
{
	cleanup_state struct ward_state st = { 0 };
	cleanup_spec struct spec *s = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;

	dirfd = state_dir_open_locked(state_root, id, &lockfd, err);
	if (dirfd < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	if (check_startable(state_status(dirfd, &st), err) < 0)
		return -1;
	/* Read before releasing init: poststart must not find a half-gone
	 * state directory. */
	s = state_read_config(dirfd, err);
	if (s == NULL || release_init(dirfd, &st, err) < 0)
		return -1;
	run_poststart(s, &st);
	return 0;
}

/* ---- destroy (delete, and after a foreground run) ---- */

/* With its own pid namespace, everything died with init; otherwise the
 * container's processes outlive it and are killed through the cgroup. */
static bool own_pid_ns(const struct spec *s)
{
	const struct spec_namespace *ns = s ? spec_find_namespace(s, SPEC_NS_PID) : NULL;

	return ns && ns->path == NULL;
}

/* Destroy with the container's spec `s` (NULL when it could not be read:
 * no poststop hooks then). */
static int destroy_with(const char *state_root, const struct ward_state *st, const struct spec *s,
			struct ward_error *err)
{
	struct ward_error e = { 0 };
	struct ward_error rerr = { 0 };
	int ret = 0;

	if (st->cgroup) {
		/* Only a cgroup wholly ward's is the container's to kill. */
		if (!own_pid_ns(s) && cgroup_owned(st->cgroup) && cgroup_exists(st->cgroup) &&
		    cgroup_signal_all(st->cgroup, SIGKILL, &e) < 0)
			ward_warn("delete %s: %s", st->id, e.msg);
		if (cgroup_destroy(st->cgroup, err) < 0)
			ret = -1; /* reported, but the state still goes, as in runc */
	}
	if (s && policy_release_ids(s, st->id, &e) < 0)
		ward_warn("delete %s: %s", st->id, e.msg);
	if (state_remove(state_root, st->id, &rerr) < 0 && ret == 0) {
		*err = rerr;
		ret = -1;
	}
	/* OCI runtime-spec: poststop runs once the container is deleted;
	 * its failures are only warnings. */
	if (s && s->hooks &&
	    container_run_hooks(&s->hooks->poststop, "poststop", st, STATUS_STOPPED, &e) < 0)
		ward_warn("%s", e.msg);
	return ret;
}

int container_destroy_locked(const char *state_root, int dirfd, const struct ward_state *st,
			     struct ward_error *err)
{
	struct ward_error e = { 0 };
	cleanup_spec struct spec *s = state_read_config(dirfd, &e);

	if (s == NULL)
		ward_warn("delete %s: %s (poststop hooks are skipped)", st->id, e.msg);
	return destroy_with(state_root, st, s, err);
}

int container_destroy_own(struct container *c, struct ward_error *err)
{
	struct ward_state st = own_state(c);
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;

	dirfd = state_dir_open_locked(c->state_root, c->id, &lockfd, err);
	if (dirfd < 0)
		return -1;
	return destroy_with(c->state_root, &st, c->spec, err);
}

int container_destroy(const char *state_root, const char *id, struct ward_error *err)
{
	cleanup_state struct ward_state st = { 0 };
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;

	dirfd = state_dir_open_locked(state_root, id, &lockfd, err);
	if (dirfd < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	return container_destroy_locked(state_root, dirfd, &st, err);
}
