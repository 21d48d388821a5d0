/* ward start ID: release a created container's init (it execs the
 * container's program) and run the poststart hooks. */
#include "config.h"

#include "cli.h"
#include "container.h"

int cmd_start(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] =
		"<container-id>\n\n"
		"Where \"<container-id>\" is your name for the instance of the container that you\n"
		"are starting. The name you provide for the container instance must be unique on\n"
		"your host.";
	static const char desc[] =
		"executes the user defined process in a created container\n"
		"The start command executes the user defined process in a created container.";
	static const struct cli_opt opts[] = { { 0 } };
	struct ward_error err = { 0 };
	bool help;
	int nargs;

	if (cli_parse("start", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("start", nargs, 1, &err) < 0)
		return cli_fail(&err);
	if (container_start(g->root, argv[0], &err) < 0)
		return cli_fail(&err);
	return 0;
}
