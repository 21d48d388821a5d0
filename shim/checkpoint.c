/* Checkpoint and restore through the runtime's runc-compatible CLI, the way
 * containerd's runc shim drives them: Checkpoint runs `checkpoint
 * --image-path PATH --work-path W` (leaving the task running unless the
 * options say exit), and a Create that names a checkpoint defers the work to
 * Start, which runs `restore --detach --bundle --pid-file`. The runtime's
 * error, which carries criu's, is the RPC's error. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_EMPTY_NS 8

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int copy_file(const char *from, const char *to)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[8192];
	ssize_t n;
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

/* a dump in flight: where criu works, and whether that is ours to remove */
struct dump_ctx {
	struct call *call;
	struct container *ct;
	char *work;
	bool own_work;
};

static void checkpoint_done(struct rt_result *res, void *ctx)
{
	struct dump_ctx *x = ctx;
	struct container *ct = x->ct;

	if (res->status != 0) {
		/* criu's log outlives the scratch directory, where containerd's
		 * runc shim leaves it too */
		_cleanup_free_ char *from = xasprintf("%s/dump.log", x->work);
		_cleanup_free_ char *keep = xasprintf("%s/criu-dump.log", ct->bundle);
		if (copy_file(from, keep) == 0)
			call_error(x->call, ST_UNKNOWN, "OCI runtime checkpoint failed: %s (criu log: %s)", res->err, keep);
		else
			call_error(x->call, ST_UNKNOWN, "OCI runtime checkpoint failed: %s", res->err);
	} else {
		call_reply(x->call, NULL);
	}
	if (x->own_work)
		rm_tree(x->work);
	free(x->work);
	free(x);
	ct_turn_done(ct);
}

void checkpoint_task(struct call *call, struct container *ct, const Wshim__CheckpointTaskRequest *r)
{
	Wshim__CheckpointOptions *o = NULL;
	struct dump_ctx *x;
	const char *args[32], *image;
	int n = 0, none[3] = { -1, -1, -1 };

	if (ct->init.state == P_CREATED) {
		call_error(call, ST_FAILED_PRECONDITION, "cannot checkpoint a task in created state");
		return;
	}
	if (ct->init.state == P_STOPPED) {
		call_error(call, ST_FAILED_PRECONDITION, "cannot checkpoint a stopped container");
		return;
	}
	if (r->options && r->options->type_url && *r->options->type_url) {
		if (!strstr(r->options->type_url, "containerd.runc.v1.CheckpointOptions")) {
			call_error(call, ST_INVALID_ARGUMENT, "checkpoint options of type %s are not understood",
				   r->options->type_url);
			return;
		}
		o = wshim__checkpoint_options__unpack(NULL, r->options->value.len, r->options->value.data);
		if (!o) {
			call_error(call, ST_INVALID_ARGUMENT, "malformed CheckpointOptions");
			return;
		}
	}
	/* containerd passes the image directory as the path; the options'
	 * image_path is what a client asked for */
	image = *r->path ? r->path : o && *o->image_path ? o->image_path : NULL;
	if (!image) {
		call_error(call, ST_INVALID_ARGUMENT, "checkpoint %s: no image path", ct->id);
		goto out;
	}
	if (o && o->n_empty_namespaces > MAX_EMPTY_NS) {
		call_error(call, ST_INVALID_ARGUMENT, "checkpoint: too many empty namespaces");
		goto out;
	}
	x = calloc(1, sizeof *x);
	if (!x)
		abort();
	x->call = call;
	x->ct = ct;
	if (o && *o->work_path) {
		x->work = strdup(o->work_path);
	} else {
		/* criu's scratch space for this one call, as the runc shim keeps it */
		x->work = xasprintf("%s/criu-work", ct->bundle);
		x->own_work = true;
		rm_tree(x->work);
	}
	args[n++] = "checkpoint";
	args[n++] = "--image-path";
	args[n++] = image;
	args[n++] = "--work-path";
	args[n++] = x->work;
	if (!o || !o->exit)
		args[n++] = "--leave-running";
	if (o && o->open_tcp)
		args[n++] = "--tcp-established";
	if (o && o->external_unix_sockets)
		args[n++] = "--ext-unix-sk";
	if (o && o->terminal)
		args[n++] = "--shell-job";
	if (o && o->file_locks)
		args[n++] = "--file-locks";
	if (o && *o->cgroups_mode) {
		args[n++] = "--manage-cgroups-mode";
		args[n++] = o->cgroups_mode;
	}
	for (size_t i = 0; o && i < o->n_empty_namespaces; i++) {
		args[n++] = "--empty-ns";
		args[n++] = o->empty_namespaces[i];
	}
	args[n++] = ct->id;
	args[n] = NULL;
	log_info("checkpoint %s into %s", ct->id, image);
	/* criu may take seconds: the loop serves everything else meanwhile */
	ct->busy = true;
	rt_spawn(ct, args, none, false, checkpoint_done, x);
out:
	if (o)
		wshim__checkpoint_options__free_unpacked(o, NULL);
}

int restore_spawn(struct container *ct, int fds[3], char **console, rt_done_fn done, void *ctx, char **errmsg)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/init.pid", ct->bundle);
	_cleanup_free_ char *work = ct->criu_work ? strdup(ct->criu_work) : xasprintf("%s/work", ct->bundle);
	const char *args[20];
	int n = 0;

	mkdir(work, 0700);
	if (stdio_setup(&ct->init, fds, console, errmsg) < 0) {
		stdio_free(&ct->init);
		return -1;
	}
	args[n++] = "restore";
	args[n++] = "--detach";
	args[n++] = "--bundle";
	args[n++] = ct->bundle;
	args[n++] = "--pid-file";
	args[n++] = pidfile;
	args[n++] = "--image-path";
	args[n++] = ct->checkpoint;
	args[n++] = "--work-path";
	args[n++] = work;
	if (*console) {
		args[n++] = "--console-socket";
		args[n++] = *console;
	}
	args[n++] = ct->id;
	args[n] = NULL;
	log_info("restore %s from %s", ct->id, ct->checkpoint);
	rt_spawn(ct, args, fds, false, done, ctx);
	return 0;
}

int restore_finish(struct container *ct, const int fds[3], const char *console, const struct rt_result *res, char **errmsg)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/init.pid", ct->bundle);

	if (res->status != 0) {
		*errmsg = xasprintf("OCI runtime restore failed: %s", res->err ? res->err : "unknown error");
		stdio_free(&ct->init);
		return -1;
	}
	ct->init.pid = read_pid(pidfile);
	if (ct->init.pid <= 0 || stdio_started(&ct->init, fds, console, errmsg) < 0) {
		if (!*errmsg)
			*errmsg = xasprintf("runtime wrote no pid to %s", pidfile);
		ct->init.pid = 0;
		/* the runtime's record goes on its own; nobody waits for it */
		rt_spawn_force_delete(ct, NULL, NULL);
		stdio_free(&ct->init);
		return -1;
	}
	cg_discover(ct, ct->init.pid);
	oom_watch_start(ct);
	return 0;
}
