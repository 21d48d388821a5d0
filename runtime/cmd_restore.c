/* ward restore [options] ID: runc's flags, then container_restore. */
#include "config.h"

#include <stdlib.h>

#include "checkpoint.h"
#include "cli.h"
#include "container.h"
#include "log.h"
#include "spawn.h"

int cmd_restore(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"[command options] <container-id>\n\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"restored.";
	static const char desc[] =
		"restore a container from a previous checkpoint\n"
		"The restore command makes a new container from the bundle's config.json and\n"
		"runs the process tree saved in the image in it, with criu. One image can be\n"
		"restored into many containers, each with its own id, bundle and cgroup.";
	const char *image = NULL, *work = NULL, *cg_mode = NULL;
	char **empty_ns = NULL;
	struct create_flags f = { 0 };
	bool detach = false, keep = false, help, no_subreaper = false;
	struct cr_opts o = { .criu = g->criu, .status_fd = -1 };
	const struct cli_opt opts[] = {
		{ "console-socket", 0, CLI_STRING, &f.console_socket, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", NULL },
		{ "image-path", 0, CLI_STRING, &image, "path to criu image files for restoring (default: ./checkpoint)", NULL },
		{ "work-path", 0, CLI_STRING, &work, "path for saving work files and logs", NULL },
		{ "tcp-established", 0, CLI_BOOL, &o.tcp_established, "allow open tcp connections", NULL },
		{ "ext-unix-sk", 0, CLI_BOOL, &o.ext_unix_sk, "allow external unix sockets", NULL },
		{ "shell-job", 0, CLI_BOOL, &o.shell_job, "allow shell jobs", NULL },
		{ "file-locks", 0, CLI_BOOL, &o.file_locks, "handle file locks, for safety", NULL },
		{ "manage-cgroups-mode", 0, CLI_STRING, &cg_mode, "cgroups mode: soft (default), full, strict or ignore", NULL },
		{ "bundle", 'b', CLI_STRING, &f.bundle, "path to the root of the bundle directory", NULL },
		{ "detach", 'd', CLI_BOOL, &detach, "detach from the container's process", NULL },
		{ "pid-file", 0, CLI_STRING, &f.pid_file, "specify the file to write the process id to", NULL },
		{ "no-subreaper", 0, CLI_BOOL, &no_subreaper, "disable the use of the subreaper used to reap reparented processes", NULL },
		{ "no-pivot", 0, CLI_BOOL, &f.no_pivot, "do not use pivot root to jail process inside rootfs (criu restores the root itself)", NULL },
		{ "empty-ns", 0, CLI_LIST, &empty_ns, "create a namespace, but don't restore its properties (network)", NULL },
		{ "auto-dedup", 0, CLI_BOOL, &o.auto_dedup, "enable auto deduplication of memory images", NULL },
		{ "lazy-pages", 0, CLI_BOOL, &o.lazy_pages, "use userfaultfd to lazily restore memory pages", NULL },
		{ "keep", 0, CLI_BOOL, &keep, "do not delete the container after it exits (foreground)", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	struct container *c = NULL;
	int nargs, code = 0;

	if (cli_parse("restore", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		goto fail;
	if (help)
		return 0;
	if (cli_require_args("restore", nargs, 1, &err) < 0 ||
	    cr_parse_cg_mode(cg_mode, &o.cg_mode, &err) < 0 ||
	    cr_parse_empty_ns(empty_ns, &o.empty_ns, &err) < 0)
		goto fail;
	if (keep && detach) {
		ward_error_set(&err, 0, "--keep is only meaningful without --detach");
		goto fail;
	}
	o.image_path = cr_abs_path(image, "checkpoint");
	o.work_path = work ? cr_abs_path(work, work) : NULL;
	if (o.image_path == NULL || (work && o.work_path == NULL)) {
		ward_error_set(&err, 0, "cannot make the image or work path absolute");
		goto fail;
	}
	c = create_flags_container(g, argv[0], &f, &err);
	if (c == NULL || container_restore(c, &o, detach, keep, &code, &err) < 0)
		goto fail;
	container_free(c);
	free(o.image_path);
	free(o.work_path);
	ward_strv_freep(&empty_ns);
	return code;
fail:
	container_free(c);
	free(o.image_path);
	free(o.work_path);
	ward_strv_freep(&empty_ns);
	return cli_fail(&err);
}
