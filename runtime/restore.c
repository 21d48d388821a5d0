/* `ward restore`: a new container (state dir, cgroup with the bundle's
 * limits) around the process tree criu restores from an image. The same
 * image may be restored into many containers at once: it is only read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "checkpoint.h"
#include "checkpoint_rpc.h"
#include "criu_rpc.h"
#include "egress.h"
#include "foreground.h"
#include "fs.h"
#include "log.h"
#include "spawn.h"
#include "state.h"
#include "terminal.h"

#define MAX_NS_FDS 2

struct restore_ctx {
	struct container *c;
	struct ward_state *st;
	struct cr_arena *arena;
	pid_t pid;             /* restored init, from "post-restore" */
	int ns_fds[MAX_NS_FDS]; /* joined net/pid namespaces handed to criu */
	size_t n_ns_fds;
};

/* ---- before criu runs ---- */

static bool below_tmpfs(const struct spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const char *t = s->mounts[i].type, *d = s->mounts[i].destination;
		size_t n = strlen(d);

		if (t && strcmp(t, "tmpfs") == 0 && strncmp(dest, d, n) == 0 && dest[n] == '/')
			return true;
	}
	return false;
}

/* criu mounts onto the rootfs as it finds it: the mount points ward made
 * at create must exist in this bundle's rootfs too (runc does the same).
 * Those on a tmpfs come back with the tmpfs's content. */
static int make_mountpoints(const struct container *c, struct ward_error *err)
{
	cleanup_close int rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const struct spec *s = c->spec;

	if (rootfd < 0)
		return ward_error_errno(err, "open rootfs %s", c->rootfs);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		struct stat st;
		int fd;

		if (below_tmpfs(s, m->destination))
			continue;
		if (cr_mount_is_bind(m) && m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode))
			fd = safe_create_file(rootfd, m->destination, 0644, err);
		else
			fd = safe_mkdir_all(rootfd, m->destination, 0755, err);
		if (fd < 0)
			return ward_error_wrap(err, "mount point %s", m->destination);
		close(fd);
	}
	return 0;
}

/* A mount namespace of our own for what follows, so that the host never
 * sees criu's mounts. First thing: the image and work directories criu
 * works in must be opened in it (a mount onto a path of another namespace
 * fails with EINVAL). */
static int own_mount_ns(struct ward_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return ward_error_errno(err, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return ward_error_errno(err, "make / a slave mount");
	return 0;
}

/* criu wants the root to be a mount point whose parent is not over-
 * mounted: a recursive bind of the rootfs in the state directory. */
static int bind_criu_root(const struct container *c, char **root, struct ward_error *err)
{
	if (asprintf(root, "%s/criu-root", c->state_dir) < 0) {
		*root = NULL;
		return ward_error_set(err, ENOMEM, "criu root");
	}
	if (mkdir(*root, 0755) < 0)
		return ward_error_errno(err, "mkdir %s", *root);
	if (mount(c->rootfs, *root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ward_error_errno(err, "bind %s to %s", c->rootfs, *root);
	return 0;
}

static char *mount_source(const struct container *c, const char *src)
{
	char *out;

	if (src[0] == '/')
		return strdup(src);
	return asprintf(&out, "%s/%s", c->bundle, src) < 0 ? NULL : out;
}

/* The other half of checkpoint.c's describe_mounts: each key now gets the
 * source this bundle names. */
static int describe_mounts(const struct container *c, CriuOpts *rpc, struct cr_arena *a,
			   struct ward_error *err)
{
	const struct spec *s = c->spec;
	const struct spec_linux *l = s->linux;

	for (size_t i = 0; i < s->n_mounts; i++) {
		cleanup_free char *dest = NULL, *src = NULL;

		if (!cr_mount_is_bind(&s->mounts[i]) || s->mounts[i].source == NULL)
			continue;
		dest = fs_path_clean(s->mounts[i].destination);
		src = mount_source(c, s->mounts[i].source);
		if (dest == NULL || src == NULL || cr_add_ext_mnt(rpc, a, dest, src) < 0)
			return ward_error_set(err, ENOMEM, "external mounts");
	}
	if (l && l->masked_paths.len > 0 && cr_add_ext_mnt(rpc, a, "/dev/null", "/dev/null") < 0)
		return ward_error_set(err, ENOMEM, "masked paths");
	for (size_t i = 0; cr_default_devices[i]; i++)
		if (cr_add_ext_mnt(rpc, a, cr_default_devices[i], cr_default_devices[i]) < 0)
			return ward_error_set(err, ENOMEM, "devices");
	for (size_t i = 0; l && i < l->n_devices; i++)
		if (cr_add_ext_mnt(rpc, a, l->devices[i].path, l->devices[i].path) < 0)
			return ward_error_set(err, ENOMEM, "devices");
	return 0;
}

/* A fresh network namespace with lo as the image recorded it (checkpoint.c
 * made the container's own one external). Made by ward itself and left
 * again at once: ward is single-threaded. */
static int fresh_netns(bool lo_up, struct ward_error *err)
{
	cleanup_close int ours = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int sk = -1;
	int fresh = -1;

	if (ours < 0)
		return ward_error_errno(err, "open our network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return ward_error_errno(err, "unshare network namespace");
	fresh = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fresh < 0)
		ward_error_errno(err, "open the new network namespace");
	if (fresh >= 0 && lo_up) {
		struct ifreq ifr = { .ifr_name = "lo" };

		sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) < 0 ||
		    (ifr.ifr_flags |= IFF_UP, ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)) {
			ward_error_errno(err, "bring lo up");
			close(fresh);
			fresh = -1;
		}
	}
	if (setns(ours, CLONE_NEWNET) < 0) {
		if (fresh >= 0)
			close(fresh);
		return ward_error_errno(err, "return to our network namespace");
	}
	return fresh;
}

/* Joined network and pid namespaces come in as inherited fds under the
 * keys the dump recorded; other joined namespaces are joined by criu. */
static int describe_namespaces(struct restore_ctx *r, int image_fd, CriuOpts *rpc,
			       struct ward_error *err)
{
	const struct spec_linux *l = r->c->spec->linux;

	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const struct spec_namespace *ns = &l->namespaces[i];
		int fd;

		if (ns->path == NULL && ns->type == SPEC_NS_NETWORK) {
			cleanup_free char *lo = state_read_file(image_fd, CR_NETNS_FILE, NULL, err);

			if (lo == NULL)
				return ward_error_wrap(err, "image without ward's network record");
			fd = fresh_netns(strncmp(lo, "lo up", 5) == 0, err);
			if (fd < 0)
				return -1;
		} else if (ns->path == NULL) {
			continue;
		} else if (ns->type != SPEC_NS_NETWORK && ns->type != SPEC_NS_PID) {
			if (cr_add_join_ns(rpc, r->arena, spec_ns_type_name(ns->type), ns->path) < 0)
				return ward_error_set(err, ENOMEM, "join namespaces");
			continue;
		} else {
			fd = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return ward_error_errno(err, "%s namespace %s",
							spec_ns_type_name(ns->type), ns->path);
		}
		r->ns_fds[r->n_ns_fds++] = fd;
		/* criu's fds: 0-2 stdio, 3 the RPC socket, then these. */
		if (cr_add_inherit_fd(rpc, r->arena, cr_ns_key(ns->type), 3 + (int)r->n_ns_fds) < 0)
			return ward_error_set(err, ENOMEM, "inherit fds");
	}
	return 0;
}

/* descriptors.json: init's fds 0-2 that were pipes are replaced by ours
 * (criu's stdio is ward's), so that a shim's pipes carry the output. */
static int describe_descriptors(int image_fd, CriuOpts *rpc, struct cr_arena *a,
				struct ward_error *err)
{
	cleanup_free char *json = state_read_file(image_fd, CR_DESCRIPTORS, NULL, err);
	char *p;
	int fd = 0;

	if (json == NULL)
		return ward_error_wrap(err, "not a checkpoint image of ward or runc");
	/* A flat array of strings; only "pipe:[N]" entries matter. */
	for (p = json; (p = strchr(p, '"')) != NULL && fd < 3; fd++) {
		char *end = strchr(p + 1, '"');

		if (end == NULL)
			break;
		*end = '\0';
		if (strncmp(p + 1, "pipe:", 5) == 0 && cr_add_inherit_fd(rpc, a, p + 1, fd) < 0)
			return ward_error_set(err, ENOMEM, "inherit fds");
		p = end + 1;
	}
	return 0;
}

/* criu runs in the container's cgroup, and the restored tasks land there
 * (cg_root), whatever cgroup they had when dumped. */
static int place_criu(void *arg, pid_t criu_pid, CriuReq *req, struct ward_error *err)
{
	struct restore_ctx *r = arg;
	cleanup_free char *path = NULL, *line = NULL;
	cleanup_file FILE *f = NULL;
	size_t cap = 0;

	if (cgroup_join(r->c->cgroup, criu_pid, err) < 0)
		return ward_error_wrap(err, "put criu into the container's cgroup");
	if (asprintf(&path, "/proc/%d/cgroup", (int)criu_pid) < 0)
		return ward_error_set(err, ENOMEM, "cgroup");
	f = fopen(path, "re");
	if (f == NULL)
		return ward_error_errno(err, "open %s", path);
	while (getline(&line, &cap, f) > 0) {
		char *ctrl = strchr(line, ':'), *cg;

		if (ctrl == NULL || (cg = strchr(++ctrl, ':')) == NULL)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (cr_add_cg_root(req->opts, r->arena, *ctrl ? ctrl : NULL, cg) < 0)
			return ward_error_set(err, ENOMEM, "cgroup roots");
	}
	return 0;
}

/* ---- criu's notifications ---- */

/* The image brings the dumped hostname; this container has its own. */
static int set_hostname(pid_t pid, const struct spec *s, struct ward_error *err)
{
	char path[64];
	int status;
	pid_t child;

	if (s->hostname == NULL && s->domainname == NULL)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	child = fork();
	if (child < 0)
		return ward_error_errno(err, "fork");
	if (child == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWUTS) < 0)
			_exit(1);
		if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
			_exit(2);
		if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
			_exit(3);
		_exit(0);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ward_error_set(err, 0, "set the hostname of the restored container");
	return 0;
}

static int send_console(struct container *c, int master, struct ward_error *err)
{
	char name[32] = "/dev/ptmx";
	unsigned int n;

	if (ioctl(master, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%u", n);
	if (c->console_socket_fd >= 0) {
		int ret = terminal_send_master(c->console_socket_fd, master, name, err);

		close(master);
		return ret;
	}
	/* In the foreground ward holds the console itself, as `run` does. */
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = master;
	return 0;
}

static int restore_notify(void *arg, const char *script, pid_t pid, int fd, struct ward_error *err)
{
	struct restore_ctx *r = arg;
	const struct spec_hooks *h = r->c->spec->hooks;

	if (strcmp(script, "orphan-pts-master") == 0) {
		if (fd < 0)
			return ward_error_set(err, EPROTO, "criu sent no pty master");
		return send_console(r->c, fd, err);
	}
	if (fd >= 0)
		close(fd);
	if (strcmp(script, "setup-namespaces") == 0 && h) {
		r->st->pid = pid;
		if (container_run_hooks(&h->prestart, "prestart", r->st, STATUS_CREATING, err) < 0 ||
		    container_run_hooks(&h->create_runtime, "createRuntime", r->st, STATUS_CREATING,
					err) < 0)
			return -1;
	} else if (strcmp(script, "post-restore") == 0) {
		/* Before criu resumes the tasks. */
		r->pid = pid;
		return set_hostname(pid, r->c->spec, err);
	}
	return 0;
}

/* ---- the restore ---- */

enum rundo { RU_STATE_DIR, RU_CGROUP, RU_INIT };

struct restore_undo {
	enum rundo steps[4];
	size_t n;
};

static void undo_restore(struct restore_undo *u, struct restore_ctx *r, bool keep)
{
	struct ward_error e = { 0 };

	while (u->n > 0) {
		switch (u->steps[--u->n]) {
		case RU_INIT:
			if (r->pid > 0) {
				kill(r->pid, SIGKILL);
				waitpid(r->pid, NULL, 0);
			}
			break;
		case RU_CGROUP:
			if (!keep && cgroup_destroy(r->c->cgroup, &e) < 0)
				ward_warn("undo restore: %s", e.msg);
			break;
		case RU_STATE_DIR:
			if (!keep && state_remove(r->c->state_root, r->c->id, &e) < 0)
				ward_warn("undo restore: %s", e.msg);
			break;
		}
	}
}

static int build_restore(struct restore_ctx *r, const struct cr_opts *o, CriuReq *req,
			 CriuOpts *rpc, const char *root, int image_fd, struct ward_error *err)
{
	req->type = CRIU_REQ_TYPE__RESTORE;
	req->opts = rpc;
	rpc->root = (char *)root;
	rpc->has_rst_sibling = true;
	rpc->rst_sibling = true;
	rpc->has_evasive_devices = true;
	rpc->evasive_devices = true;
	if (describe_mounts(r->c, rpc, r->arena, err) < 0 || describe_namespaces(r, image_fd, rpc, err) < 0)
		return -1;
	return describe_descriptors(image_fd, rpc, r->arena, err);
}

/* criu before 3.18 names its restore-time transport sockets after the
 * restored pid alone (abstract "crtools-fd-PID-N"), so two restores into
 * one network namespace collide ("Address already in use"). Containers
 * without a network namespace of their own take turns, one criu at a time
 * per state root; those with a fresh one run in parallel. */
static int lock_shared_netns(const struct container *c, int *fd, struct ward_error *err)
{
	const struct spec_linux *l = c->spec->linux;
	cleanup_free char *path = NULL;

	*fd = -1;
	for (size_t i = 0; l && i < l->n_namespaces; i++)
		if (l->namespaces[i].type == SPEC_NS_NETWORK && l->namespaces[i].path == NULL)
			return 0;
	if (asprintf(&path, "%s/.criu-restore.lock", c->state_root) < 0)
		return ward_error_set(err, ENOMEM, "restore lock");
	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return ward_error_errno(err, "open %s", path);
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return ward_error_errno(err, "lock %s", path);
	}
	return 0;
}

static int restore_steps(struct restore_ctx *r, const struct cr_opts *o, struct restore_undo *u,
			 struct ward_error *err)
{
	struct container *c = r->c;
	const struct spec_linux *l = c->spec->linux;
	cleanup_close int dirfd = -1, lockfd = -1, image_fd = -1, work_fd = -1, netns_lock = -1;
	cleanup_free char *root = NULL, *log_path = NULL;
	CriuReq req = CRIU_REQ__INIT;
	CriuOpts rpc = CRIU_OPTS__INIT;
	struct criu_call call = { .criu = o->criu, .stdio = { 0, 1, 2 },
				  .extra_fds = r->ns_fds, .spawned = place_criu,
				  .notify = restore_notify, .arg = r };
	int ret = -1;

	if (cr_check_spec(c->spec, err) < 0)
		return ward_error_wrap(err, "cannot restore %s", c->id);
	if (cr_check_criu(o->criu, err) < 0 || own_mount_ns(err) < 0)
		return -1;
	dirfd = state_dir_create(c->state_root, c->id, err);
	if (dirfd < 0)
		return -1;
	u->steps[u->n++] = RU_STATE_DIR;
	lockfd = state_lock(dirfd, err);
	if (lockfd < 0 || state_write_config(dirfd, c->spec, err) < 0)
		return -1;
	if (cgroup_prepare(c->cgroup, err) < 0 || cgroup_create(c->cgroup, err) < 0)
		return -1;
	u->steps[u->n++] = RU_CGROUP;
	if (cgroup_apply_resources(c->cgroup, l ? l->resources : NULL, true, err) < 0 ||
	    egress_apply(c->cgroup, c->spec, err) < 0 || make_mountpoints(c, err) < 0)
		return -1;
	if (cr_base_opts(o, &rpc, false, "restore.log", &image_fd, &work_fd, &log_path, err) < 0)
		goto out;
	if (bind_criu_root(c, &root, err) < 0 ||
	    build_restore(r, o, &req, &rpc, root, image_fd, err) < 0)
		goto out;
	call.n_extra_fds = r->n_ns_fds;
	call.log_path = log_path;
	u->steps[u->n++] = RU_INIT; /* a pid from post-restore, if criu got that far */
	ward_debug("restore %s from %s", c->id, o->image_path);
	if (lock_shared_netns(c, &netns_lock, err) < 0 || criu_call_run(&call, &req, err) < 0)
		goto out;
	if (call.resp->restore && call.resp->restore->pid > 0)
		r->pid = call.resp->restore->pid;
	if (r->pid <= 0) {
		ward_error_set(err, EPROTO, "criu did not report the restored pid");
		goto out;
	}
	c->pid = r->pid;
	r->st->pid = r->pid;
	r->st->pid_start = proc_start_time(r->pid);
	if (state_write(dirfd, r->st, err) < 0)
		goto out;
	if (c->pid_file && container_write_pid_file(c->pid_file, c->pid, err) < 0)
		goto out;
	ret = 0;
out:
	if (root) {
		umount2(root, MNT_DETACH);
		rmdir(root);
	}
	criu_call_release(&call);
	cr_rpc_opts_release(&rpc);
	return ret;
}

int container_restore(struct container *c, const struct cr_opts *o, bool detach, bool keep,
		      int *exit_code, struct ward_error *err)
{
	cleanup_free char *created = NULL;
	struct cr_arena arena = { 0 };
	struct restore_undo u = { .n = 0 };
	struct ward_state st = { 0 };
	struct restore_ctx r = { .c = c, .st = &st, .arena = &arena };
	struct ward_error hook_err = { 0 };
	sigset_t mask;
	int ret;

	*exit_code = 0;
	c->foreground = !detach;
	if (container_prepare(c, err) < 0)
		return -1;
	created = state_timestamp_now();
	st = (struct ward_state){
		.id = c->id,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.created = created,
		.owner = "",
		.cgroup = c->cgroup,
		.systemd_cgroup = c->systemd_cgroup,
		.annotations = c->spec->annotations,
	};
	if (c->foreground) {
		foreground_signals(&mask);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	ret = restore_steps(&r, o, &u, err);
	for (size_t i = 0; i < r.n_ns_fds; i++)
		close(r.ns_fds[i]);
	cr_arena_release(&arena);
	if (ret < 0) {
		ward_error_wrap(err, "restore %s", c->id);
		undo_restore(&u, &r, false);
		return -1;
	}
	if (c->spec->hooks && container_run_hooks(&c->spec->hooks->poststart, "poststart", &st,
						  STATUS_RUNNING, &hook_err) < 0)
		ward_warn("%s", hook_err.msg);
	if (detach)
		return 0;
	*exit_code = foreground_wait(c->pid, c->console_fd, true, &mask);
	if (!keep && container_destroy(c->state_root, c->id, err) < 0)
		ward_log_error(err);
	return 0;
}
