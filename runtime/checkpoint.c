/* `ward checkpoint`: describe the container to criu (external bind mounts,
 * masked paths, devices, joined namespaces, the freezer cgroup, the fds it
 * inherited) and dump it. What criu could dump but a restore could not
 * bring back faithfully is refused here, before anything is dumped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "checkpoint.h"
#include "checkpoint_rpc.h"
#include "criu_rpc.h"
#include "fs.h"
#include "jsonw.h"
#include "log.h"
#include "state.h"

/* ---- option parsing shared with restore ---- */

int cr_parse_cg_mode(const char *s, CriuCgMode *out, struct ward_error *err)
{
	static const struct {
		const char *name;
		CriuCgMode mode;
	} modes[] = {
		{ "", CRIU_CG_MODE__DEFAULT },     { "soft", CRIU_CG_MODE__SOFT },
		{ "full", CRIU_CG_MODE__FULL },    { "strict", CRIU_CG_MODE__STRICT },
		{ "ignore", CRIU_CG_MODE__IGNORE },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s ? s : "", modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	return ward_error_set(err, 0, "invalid manage-cgroups-mode value \"%s\" "
			      "(soft, full, strict or ignore)", s);
}

int cr_parse_empty_ns(char **names, unsigned *out, struct ward_error *err)
{
	*out = 0;
	for (char **n = names; n && *n; n++) {
		/* criu can leave only the network namespace empty (runc's rule). */
		if (strcmp(*n, "network") != 0)
			return ward_error_set(err, 0, "--empty-ns: namespace \"%s\" is not supported "
					      "(only \"network\")", *n);
		*out |= CLONE_NEWNET;
	}
	return 0;
}

char *cr_abs_path(const char *path, const char *dflt)
{
	char cwd[PATH_MAX], *out;

	if (path == NULL || path[0] == '\0')
		path = dflt;
	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

static int open_dir(const char *path, bool create, struct ward_error *err)
{
	int fd;

	/* A container can be checkpointed again into the same directory. */
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return ward_error_errno(err, "create %s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open %s", path);
	return fd;
}

int cr_base_opts(const struct cr_opts *o, CriuOpts *rpc, bool create_image, const char *log_name,
		 int *image_fd, int *work_fd, char **log_path, struct ward_error *err)
{
	const char *log_dir = o->work_path ? o->work_path : o->image_path;

	*image_fd = open_dir(o->image_path, create_image, err);
	if (*image_fd < 0)
		return ward_error_wrap(err, "image path");
	rpc->images_dir_fd = *image_fd;
	if (o->work_path) {
		*work_fd = open_dir(o->work_path, true, err);
		if (*work_fd < 0)
			return ward_error_wrap(err, "work path");
		rpc->has_work_dir_fd = true;
		rpc->work_dir_fd = *work_fd;
	}
	if (asprintf(log_path, "%s/%s", log_dir, log_name) < 0) {
		*log_path = NULL;
		return ward_error_set(err, ENOMEM, "log path");
	}
	rpc->log_file = (char *)log_name;
	rpc->has_log_level = true;
	rpc->log_level = 4;
	rpc->has_notify_scripts = true;
	rpc->notify_scripts = true;
	rpc->has_manage_cgroups = true;
	rpc->manage_cgroups = true;
	rpc->has_manage_cgroups_mode = true;
	rpc->manage_cgroups_mode = o->cg_mode;
	rpc->has_shell_job = true;
	rpc->shell_job = o->shell_job;
	rpc->has_tcp_established = true;
	rpc->tcp_established = o->tcp_established;
	rpc->has_ext_unix_sk = true;
	rpc->ext_unix_sk = o->ext_unix_sk;
	rpc->has_file_locks = true;
	rpc->file_locks = o->file_locks;
	rpc->has_empty_ns = true;
	rpc->empty_ns = o->empty_ns;
	rpc->has_auto_dedup = true;
	rpc->auto_dedup = o->auto_dedup;
	rpc->has_lazy_pages = true;
	rpc->lazy_pages = o->lazy_pages;
	/* A pty whose master is outside the dumped tree (the console socket
	 * holder has it): criu hands a new master over at restore. */
	rpc->has_orphan_pts_master = true;
	rpc->orphan_pts_master = true;
	return 0;
}

/* ---- what cannot be restored faithfully ---- */

static bool landlock_enabled(const struct spec *s)
{
	for (size_t i = 0; i < s->annotations.len; i++)
		if (strcmp(s->annotations.items[i].key, "run.ward.landlock") == 0)
			return strcmp(s->annotations.items[i].value, "true") == 0;
	return false;
}

static bool seccomp_notifies(const struct spec_seccomp *sc)
{
	if (sc == NULL)
		return false;
	if (sc->listener_path || sc->default_action == SPEC_SCMP_ACT_NOTIFY)
		return true;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SPEC_SCMP_ACT_NOTIFY)
			return true;
	return false;
}

int cr_check_spec(const struct spec *s, struct ward_error *err)
{
	const struct spec_linux *l = s->linux;

	/* criu has no way to read back a Landlock domain or a seccomp
	 * listener; a restore would run the sandbox unconfined or hang. */
	if (landlock_enabled(s))
		return ward_error_set(err, ENOTSUP, "the container is confined "
				      "by Landlock, which criu cannot dump or restore");
	if (l && seccomp_notifies(l->seccomp))
		return ward_error_set(err, ENOTSUP, "the container's seccomp "
				      "filter notifies an agent (SCMP_ACT_NOTIFY), which criu "
				      "cannot restore");
	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const struct spec_namespace *ns = &l->namespaces[i];

		if (ns->type == SPEC_NS_USER)
			return ward_error_set(err, ENOTSUP, "containers in a user "
					      "namespace are not supported by ward's checkpoint");
		if (ns->path && (ns->type == SPEC_NS_CGROUP || ns->type == SPEC_NS_MOUNT))
			return ward_error_set(err, ENOTSUP, "a joined %s namespace "
					      "(%s) cannot be restored by criu",
					      spec_ns_type_name(ns->type), ns->path);
	}
	if (cgroup_detect_mode() != CGROUP_MODE_V2 && !spec_find_namespace(s, SPEC_NS_CGROUP))
		for (size_t i = 0; i < s->n_mounts; i++)
			if (s->mounts[i].type && strcmp(s->mounts[i].type, "cgroup") == 0)
				return ward_error_set(err, ENOTSUP, "the cgroup "
						      "mount at %s binds this host's v1 hierarchies; "
						      "give the container a cgroup namespace",
						      s->mounts[i].destination);
	return 0;
}

/* ---- describing the container ---- */

bool cr_mount_is_bind(const struct spec_mount *m)
{
	if (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0))
		return true;
	for (size_t i = 0; i < m->options.len; i++)
		if (strcmp(m->options.items[i], "bind") == 0 || strcmp(m->options.items[i], "rbind") == 0)
			return true;
	return false;
}

/* Bind mounts from the host, files masked with /dev/null and the device
 * nodes ward made are outside the container's own mounts: criu records
 * them under a key (their path in the container) and a restore supplies
 * the source again. */
static int describe_mounts(const struct spec *s, pid_t pid, CriuOpts *rpc, struct cr_arena *a,
			   struct ward_error *err)
{
	const struct spec_linux *l = s->linux;

	for (size_t i = 0; i < s->n_mounts; i++) {
		cleanup_free char *dest = NULL;

		if (!cr_mount_is_bind(&s->mounts[i]))
			continue;
		dest = fs_path_clean(s->mounts[i].destination);
		if (dest == NULL || cr_add_ext_mnt(rpc, a, dest, dest) < 0)
			return ward_error_set(err, ENOMEM, "external mounts");
	}
	for (size_t i = 0; l && i < l->masked_paths.len; i++) {
		cleanup_free char *p = NULL;
		struct stat st;

		if (asprintf(&p, "/proc/%d/root%s", (int)pid, l->masked_paths.items[i]) < 0)
			return ward_error_set(err, ENOMEM, "masked paths");
		/* Directories are masked with a read-only tmpfs criu dumps. */
		if (stat(p, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (cr_add_ext_mnt(rpc, a, l->masked_paths.items[i], "/dev/null") < 0)
			return ward_error_set(err, ENOMEM, "masked paths");
	}
	for (size_t i = 0; cr_default_devices[i]; i++)
		if (cr_add_ext_mnt(rpc, a, cr_default_devices[i], cr_default_devices[i]) < 0)
			return ward_error_set(err, ENOMEM, "devices");
	for (size_t i = 0; l && i < l->n_devices; i++)
		if (cr_add_ext_mnt(rpc, a, l->devices[i].path, l->devices[i].path) < 0)
			return ward_error_set(err, ENOMEM, "devices");
	return 0;
}

/* Whether lo is up in the network namespace of pid (run in a child: the
 * namespace is entered to ask). */
static int lo_is_up(pid_t pid)
{
	char path[64];
	int status;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		struct ifreq ifr = { .ifr_name = "lo" };
		int fd = open(path, O_RDONLY | O_CLOEXEC), sk;

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(2);
		sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
			_exit(2);
		_exit(ifr.ifr_flags & IFF_UP ? 0 : 1);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -1;
	return WEXITSTATUS(status) == 0;
}

/* Network and pid namespaces joined by path stay outside the image: criu
 * records them as external (keyed as runc keys them) and a restore passes
 * the namespace of its own config in their place. The container's own
 * network namespace is external too: a sandbox has nothing in it but lo
 * (interfaces, routes and filters come with a joined one), and a restore
 * makes a fresh one with lo as it was; the sockets come back inside it. */
static int describe_namespaces(const struct spec *s, pid_t pid, int image_fd, CriuOpts *rpc,
			       struct cr_arena *a, struct ward_error *err)
{
	static const struct {
		enum spec_ns_type type;
		const char *criu_name;
	} ext[] = { { SPEC_NS_NETWORK, "net" }, { SPEC_NS_PID, "pid" } };

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		const struct spec_namespace *ns = spec_find_namespace(s, ext[i].type);
		cleanup_free char *entry = NULL, *own = NULL;
		const char *path;
		struct stat st;

		if (ns == NULL || (ns->path == NULL && ext[i].type != SPEC_NS_NETWORK))
			continue;
		if (ns->path == NULL && asprintf(&own, "/proc/%d/ns/net", (int)pid) < 0)
			return ward_error_set(err, ENOMEM, "network namespace");
		path = ns->path ? ns->path : own;
		if (stat(path, &st) < 0)
			return ward_error_errno(err, "%s namespace %s", ext[i].criu_name, path);
		if (asprintf(&entry, "%s[%lu]:%s", ext[i].criu_name, (unsigned long)st.st_ino,
			     cr_ns_key(ext[i].type)) < 0 ||
		    cr_add_external(rpc, a, entry) < 0)
			return ward_error_set(err, ENOMEM, "external namespaces");
		if (own) {
			int up = lo_is_up(pid);

			/* criu would still read the links, routes and filters of it. */
			rpc->empty_ns |= CLONE_NEWNET;
			if (up < 0)
				return ward_error_set(err, 0, "read the state of lo in the container");
			if (state_write_file(image_fd, CR_NETNS_FILE, up ? "lo up\n" : "lo down\n",
					     up ? 6 : 8, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* descriptors.json, as runc writes it: a JSON array of fd 0-2's targets. */
static int write_descriptors(int image_fd, pid_t pid, struct ward_error *err)
{
	cleanup_free char *json = NULL;
	struct jsonw w;
	size_t len;

	jsonw_init(&w, NULL);
	jsonw_arr_open(&w);
	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		jsonw_str(&w, target);
	}
	jsonw_arr_close(&w);
	json = jsonw_finish(&w, &len);
	if (json == NULL)
		return ward_error_set(err, ENOMEM, CR_DESCRIPTORS);
	return state_write_file(image_fd, CR_DESCRIPTORS, json, len, err);
}

/* The freezer holds every task still while criu collects them. */
static char *freezer_path(const struct cgroup_loc *cg)
{
	const char *mnt = cgroup_mountpoint(cgroup_detect_mode() == CGROUP_MODE_V2 ? "" : "freezer");
	char *out;

	if (mnt == NULL || cg == NULL || cg->path == NULL)
		return NULL;
	return asprintf(&out, "%s%s", mnt, cg->path) < 0 ? NULL : out;
}

static int parse_page_server(const char *s, CriuPageServerInfo *ps, struct cr_arena *a,
			     struct ward_error *err)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s)
		return ward_error_set(err, 0, "--page-server \"%s\": expected ADDRESS:PORT", s);
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return ward_error_set(err, 0, "--page-server \"%s\": bad port", s);
	ps->address = cr_arena_strndup(a, s, (size_t)(colon - s));
	if (ps->address == NULL)
		return ward_error_set(err, ENOMEM, "page server");
	ps->has_port = true;
	ps->port = (int32_t)port;
	return 0;
}

static int check_status_fd(int fd, struct ward_error *err)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return ward_error_errno(err, "invalid --status-fd argument %d", fd);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return ward_error_set(err, 0, "invalid --status-fd argument %d: not writable", fd);
	return 0;
}

struct dump_ctx {
	const struct cr_opts *o;
	int status_fd;
};

static int dump_notify(void *arg, const char *script, pid_t pid, int fd, struct ward_error *err)
{
	struct dump_ctx *d = arg;

	if (fd >= 0)
		close(fd);
	/* The lazy page server is up: whoever waits on --status-fd may start
	 * the restore on the other side. */
	if (strcmp(script, "status-ready") == 0 && d->status_fd >= 0) {
		if (write(d->status_fd, "", 1) != 1)
			ward_warn("cannot write to --status-fd: %s", strerror(errno));
		close(d->status_fd);
		d->status_fd = -1;
	}
	return 0;
}

static int build_dump(const struct cr_opts *o, const struct ward_state *st, const struct spec *s,
		      CriuReq *req, CriuOpts *rpc, struct cr_arena *a, int image_fd,
		      struct ward_error *err)
{
	req->type = o->pre_dump ? CRIU_REQ_TYPE__PRE_DUMP : CRIU_REQ_TYPE__DUMP;
	req->opts = rpc;
	rpc->has_pid = true;
	rpc->pid = st->pid;
	rpc->root = st->rootfs;
	rpc->has_leave_running = true;
	rpc->leave_running = o->leave_running;
	rpc->has_tcp_skip_in_flight = true;
	rpc->tcp_skip_in_flight = o->tcp_skip_in_flight;
	rpc->has_link_remap = true;
	rpc->link_remap = o->link_remap;
	rpc->freeze_cgroup = cr_arena_add(a, freezer_path(st->cgroup));
	if (o->page_server && parse_page_server(o->page_server, cr_arena_ps(a, rpc), a, err) < 0)
		return -1;
	if (o->parent_path) {
		rpc->parent_img = (char *)o->parent_path;
		rpc->has_track_mem = true;
		rpc->track_mem = true;
	}
	if (describe_namespaces(s, st->pid, image_fd, rpc, a, err) < 0)
		return -1;
	/* A pre-dump only copies memory; the rest is described at the dump. */
	if (o->pre_dump)
		return 0;
	if (describe_mounts(s, st->pid, rpc, a, err) < 0)
		return -1;
	return write_descriptors(image_fd, st->pid, err);
}

static int checkable_status(enum container_status status, struct ward_error *err)
{
	switch (status) {
	case STATUS_RUNNING:
	case STATUS_PAUSED:
		return 0;
	case STATUS_CREATED:
		/* Its init is still ward's own sealed binary, waiting on
		 * exec.fifo: an image of that would start the wrong program. */
		return ward_error_set(err, 0, "cannot checkpoint a container that has not been "
				      "started (start it first)");
	default:
		return ward_error_set(err, 0, "cannot checkpoint a container that is %s",
				      container_status_name(status));
	}
}

/* criu can be run and speaks the RPC version ward needs (runc's minimum). */
int cr_check_criu(const char *criu, struct ward_error *err)
{
	int version;

	if (criu_version(criu, &version, err) < 0)
		return -1;
	if (version < 30000)
		return ward_error_set(err, ENOTSUP, "criu %d.%d is too old (3.0 or newer is needed)",
				      version / 10000, version / 100 % 100);
	return 0;
}

static int features_for(const struct cr_opts *o, struct ward_error *err)
{
	if (cr_check_criu(o->criu, err) < 0)
		return -1;
	if (!o->pre_dump && !o->lazy_pages)
		return 0;
	return criu_check_features(o->criu, o->pre_dump, o->lazy_pages, err);
}

int container_checkpoint(const char *state_root, const char *id, const struct cr_opts *o,
			 struct ward_error *err)
{
	cleanup_close int dirfd = -1, lockfd = -1, image_fd = -1, work_fd = -1;
	cleanup_spec struct spec *s = NULL;
	cleanup_free char *log_path = NULL;
	struct ward_state st = { 0 };
	CriuReq req = CRIU_REQ__INIT;
	CriuOpts rpc = CRIU_OPTS__INIT;
	struct cr_arena a = { 0 };
	struct dump_ctx d = { .o = o, .status_fd = -1 };
	struct criu_call call = { .criu = o->criu, .stdio = { -1, 2, 2 }, .notify = dump_notify,
				  .arg = &d };
	int ret = -1;

	dirfd = state_dir_open(state_root, id, err);
	if (dirfd < 0)
		return -1;
	lockfd = state_lock(dirfd, err);
	if (lockfd < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	if (checkable_status(state_status(dirfd, &st), err) < 0)
		goto out;
	s = state_read_config(dirfd, err);
	if (s == NULL)
		goto out;
	if (cr_check_spec(s, err) < 0) {
		ward_error_wrap(err, "cannot checkpoint %s", id);
		goto out;
	}
	if (o->status_fd >= 0) {
		if (!o->lazy_pages) {
			ward_error_set(err, 0, "--status-fd is only meaningful with --lazy-pages");
			goto out;
		}
		if (check_status_fd(o->status_fd, err) < 0)
			goto out;
		d.status_fd = o->status_fd;
	}
	if (features_for(o, err) < 0)
		goto out;
	if (cr_base_opts(o, &rpc, true, o->pre_dump ? "pre-dump.log" : "dump.log", &image_fd,
			 &work_fd, &log_path, err) < 0 ||
	    build_dump(o, &st, s, &req, &rpc, &a, image_fd, err) < 0)
		goto out;
	call.log_path = log_path;
	ward_debug("checkpoint %s: pid %d into %s", id, (int)st.pid, o->image_path);
	if (criu_call_run(&call, &req, err) < 0) {
		ward_error_wrap(err, "checkpoint %s", id);
		goto out;
	}
	ret = 0;
	/* runc: the checkpointed container is gone (criu killed its tasks)
	 * unless it was told to leave it running. */
	if (!o->leave_running && !o->pre_dump) {
		struct ward_error derr = { 0 };

		if (container_destroy_locked(state_root, dirfd, &st, &derr) < 0)
			ward_warn("checkpoint %s: delete after dump: %s", id, derr.msg);
	}
out:
	if (d.status_fd >= 0)
		close(d.status_fd);
	criu_call_release(&call);
	cr_rpc_opts_release(&rpc);
	cr_arena_release(&a);
	state_clear(&st);
	return ret;
}
