/* ward create [options] ID: a container whose init waits for `ward start`. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "spawn.h"

void create_flags_options(struct create_flags *f, struct cli_opt *opts)
{
	const struct cli_opt o[CREATE_FLAGS_N_OPTS] = {
		{ "bundle", 'b', CLI_STRING, &f->bundle,
		  "path to the root of the bundle directory, defaults to the current directory", NULL },
		{ "console-socket", 0, CLI_STRING, &f->console_socket,
		  "path to an AF_UNIX socket which will receive a file descriptor referencing the master "
		  "end of the console's pseudoterminal",
		  NULL },
		{ "pid-file", 0, CLI_STRING, &f->pid_file, "specify the file to write the process id to",
		  NULL },
		{ "no-pivot", 0, CLI_BOOL, &f->no_pivot,
		  "do not use pivot root to jail process inside rootfs.  This should be used whenever the "
		  "rootfs is on top of a ramdisk",
		  NULL },
		{ "no-new-keyring", 0, CLI_BOOL, &f->no_new_keyring,
		  "do not create a new session keyring for the container.  This will cause the container "
		  "to inherit the calling processes session key",
		  NULL },
		{ "preserve-fds", 0, CLI_INT, &f->preserve_fds,
		  "Pass N additional file descriptors to the container (stdio + N in total) (default: 0)",
		  NULL },
	};

	memcpy(opts, o, sizeof(o));
}

/* `path` made absolute against the current directory (not resolved). */
static char *absolute(const char *path, struct ward_error *err)
{
	char cwd[PATH_MAX];
	char *out;

	if (path[0] == '/')
		out = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return ward_error_errno(err, "getcwd"), NULL;
	else if (asprintf(&out, "%s/%s", cwd, path) < 0)
		out = NULL;
	if (out == NULL)
		ward_error_set(err, ENOMEM, "path %s", path);
	return out;
}

struct container *create_flags_container(const struct ward_globals *g, const char *id,
					 const struct create_flags *f, struct ward_error *err)
{
	struct container *c = calloc(1, sizeof(*c));
	char buf[PATH_MAX];

	if (c == NULL)
		return ward_error_set(err, ENOMEM, "container"), NULL;
	c->console_socket_fd = -1;
	c->console_fd = -1;
	c->preserve_fds = f->preserve_fds;
	c->no_pivot = f->no_pivot;
	c->no_new_keyring = f->no_new_keyring;
	c->systemd_cgroup = g->systemd_cgroup;
	c->id = strdup(id);
	c->state_root = absolute(g->root, err);
	/* The bundle is canonical: it is what state and hooks report. */
	if (realpath(f->bundle && f->bundle[0] ? f->bundle : ".", buf) == NULL) {
		ward_error_errno(err, "bundle %s", f->bundle ? f->bundle : ".");
		container_free(c);
		return NULL;
	}
	c->bundle = strdup(buf);
	if (g->policy && !(c->policy_path = absolute(g->policy, err))) {
		container_free(c);
		return NULL;
	}
	if (f->pid_file && f->pid_file[0])
		c->pid_file = absolute(f->pid_file, err);
	if (f->console_socket && f->console_socket[0])
		c->console_socket = absolute(f->console_socket, err);
	if (c->id == NULL || c->state_root == NULL || c->bundle == NULL ||
	    (f->pid_file && f->pid_file[0] && c->pid_file == NULL) ||
	    (f->console_socket && f->console_socket[0] && c->console_socket == NULL)) {
		if (err && err->msg[0] == '\0')
			ward_error_set(err, ENOMEM, "container");
		container_free(c);
		return NULL;
	}
	return c;
}

int cmd_create(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"[command options] <container-id>\n\n"
		"Where \"<container-id>\" is your name for the instance of the container that you\n"
		"are starting. The name you provide for the container instance must be unique on\n"
		"your host.";
	static const char desc[] =
		"create a container\n"
		"The create command creates an instance of a container for a bundle. The bundle\n"
		"is a directory with a specification file named \"config.json\" and a root\n"
		"filesystem.\n\n"
		"The specification file includes an args parameter. The args parameter is used\n"
		"to specify command(s) that get run when the container is started. To change the\n"
		"command(s) that get executed on start, edit the args parameter of the spec. See\n"
		"\"ward spec --help\" for more explanation.";
	struct create_flags f = { 0 };
	struct cli_opt opts[CREATE_FLAGS_N_OPTS + 1] = { 0 };
	struct ward_error err = { 0 };
	struct container *c;
	bool help;
	int nargs, r;

	/* CVE-2019-5736: from here on we run from a sealed copy. */
	if (exe_ensure_sealed(&err) < 0)
		return cli_fail(&err);
	create_flags_options(&f, opts);
	if (cli_parse("create", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("create", nargs, 1, &err) < 0)
		return cli_fail(&err);
	c = create_flags_container(g, argv[0], &f, &err);
	if (c == NULL)
		return cli_fail(&err);
	r = container_create(c, &err);
	container_free(c);
	if (r < 0) {
		ward_error_wrap(&err, "ward create failed");
		return cli_fail(&err);
	}
	return 0;
}
