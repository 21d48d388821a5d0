/* ward checkpoint [options] ID: runc's flags, then container_checkpoint. */
#include "config.h"

#include <stdlib.h>

#include "checkpoint.h"
#include "cli.h"
#include "log.h"

int cmd_checkpoint(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"[command options] <container-id>\n\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"checkpointed.";
	static const char desc[] =
		"checkpoint a running container\n"
		"The checkpoint command saves the state of the container instance with criu\n"
		"(through its RPC service). Without --leave-running or --pre-dump the container\n"
		"is deleted once it is dumped.";
	const char *image = NULL, *work = NULL, *cg_mode = NULL;
	char **empty_ns = NULL;
	struct cr_opts o = { .criu = g->criu, .status_fd = -1 };
	const struct cli_opt opts[] = {
		{ "image-path", 0, CLI_STRING, &image, "path for saving criu image files (default: ./checkpoint)", NULL },
		{ "work-path", 0, CLI_STRING, &work, "path for saving work files and logs", NULL },
		{ "parent-path", 0, CLI_STRING, &o.parent_path, "path for previous criu image files in pre-dump", NULL },
		{ "leave-running", 0, CLI_BOOL, &o.leave_running, "leave the process running after checkpointing", NULL },
		{ "tcp-established", 0, CLI_BOOL, &o.tcp_established, "allow open tcp connections", NULL },
		{ "tcp-skip-in-flight", 0, CLI_BOOL, &o.tcp_skip_in_flight, "skip in-flight tcp connections", NULL },
		{ "link-remap", 0, CLI_BOOL, &o.link_remap, "allow one to link unlinked files back when possible", NULL },
		{ "ext-unix-sk", 0, CLI_BOOL, &o.ext_unix_sk, "allow external unix sockets", NULL },
		{ "shell-job", 0, CLI_BOOL, &o.shell_job, "allow shell jobs", NULL },
		{ "lazy-pages", 0, CLI_BOOL, &o.lazy_pages, "use userfaultfd to lazily restore memory pages", NULL },
		{ "status-fd", 0, CLI_INT, &o.status_fd, "criu writes \\0 to this FD once lazy-pages is ready", NULL },
		{ "page-server", 0, CLI_STRING, &o.page_server, "ADDRESS:PORT of the page server", NULL },
		{ "file-locks", 0, CLI_BOOL, &o.file_locks, "handle file locks, for safety", NULL },
		{ "pre-dump", 0, CLI_BOOL, &o.pre_dump, "dump container's memory information only, leave the container running after this", NULL },
		{ "manage-cgroups-mode", 0, CLI_STRING, &cg_mode, "cgroups mode: soft (default), full, strict or ignore", NULL },
		{ "empty-ns", 0, CLI_LIST, &empty_ns, "create a namespace, but don't restore its properties (network)", NULL },
		{ "auto-dedup", 0, CLI_BOOL, &o.auto_dedup, "enable auto deduplication of memory images", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	bool help;
	int nargs, ret;

	if (cli_parse("checkpoint", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		goto fail;
	if (help)
		return 0;
	if (cli_require_args("checkpoint", nargs, 1, &err) < 0 ||
	    cr_parse_cg_mode(cg_mode, &o.cg_mode, &err) < 0 ||
	    cr_parse_empty_ns(empty_ns, &o.empty_ns, &err) < 0)
		goto fail;
	o.image_path = cr_abs_path(image, "checkpoint");
	o.work_path = work ? cr_abs_path(work, work) : NULL;
	if (o.image_path == NULL || (work && o.work_path == NULL)) {
		ward_error_set(&err, 0, "cannot make the image or work path absolute");
		goto fail;
	}
	ret = container_checkpoint(g->root, argv[0], &o, &err);
	free(o.image_path);
	free(o.work_path);
	ward_strv_freep(&empty_ns);
	return ret < 0 ? cli_fail(&err) : 0;
fail:
	free(o.image_path);
	free(o.work_path);
	ward_strv_freep(&empty_ns);
	return cli_fail(&err);
}
