/* ward state ID: the runc-shaped state JSON, pretty-printed, no trailing
 * newline (exactly what `runc state` writes). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "state.h"

int cmd_state(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "<container-id>";
	static const char desc[] =
		"print the state of a container as JSON\n"
		"Prints the OCI state (ociVersion, id, pid, status, bundle, annotations) with the\n"
		"fields runc adds (rootfs, created, owner). The pid is 0 once the container has\n"
		"stopped.";
	static const struct cli_opt opts[] = { { 0 } };
	struct ward_error err = { 0 };
	struct ward_state st;
	bool help;
	int nargs;

	if (cli_parse("state", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("state", nargs, 1, &err) < 0)
		return cli_fail(&err);

	/* No lock: state.json is replaced atomically, and `state` must not
	 * wait behind a slow create. */
	cleanup_close int dirfd = state_dir_open(g->root, argv[0], &err);
	if (dirfd < 0)
		return cli_fail(&err);
	if (state_read(dirfd, &st, &err) < 0)
		return cli_fail(&err);
	cleanup_free char *json = state_oci_json(&st, state_status(dirfd, &st), true, true);
	state_clear(&st);
	if (!json) {
		ward_error_set(&err, 0, "cannot format the state");
		return cli_fail(&err);
	}
	fputs(json, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
