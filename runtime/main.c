/* ward: global options (runc's spellings, before the command), then one
 * command from the table below. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "security.h"
#include "spec.h"

/* The command needs the cgroup driver (--systemd-cgroup is refused early). */
#define CMD_CGROUPS 0x1u

struct command {
	const char *name;
	ward_cmd_fn fn;
	const char *summary;
	unsigned flags;
};

/* One line per command; `help` lists them in this order. */
static const struct command commands[] = {
	{ "checkpoint", cmd_checkpoint, "checkpoint a running container (criu)", 0 },
	{ "create", cmd_create, "create a container", CMD_CGROUPS },
	{ "delete", cmd_delete, "delete a container and everything it holds", 0 },
	{ "events", cmd_events, "show a container's resource usage and OOM events", 0 },
	{ "exec", cmd_exec, "execute a new process inside a container", 0 },
	{ "features", cmd_features, "show the features ward implements", 0 },
	{ "kill", cmd_kill, "send a signal to the container's init (default: SIGTERM)", 0 },
	{ "list", cmd_list, "list the containers under the state root", 0 },
	{ "pause", cmd_pause, "suspend every process of a container", 0 },
	{ "policy", cmd_policy, "check a bundle against the node policy, or show the policy", 0 },
	{ "ps", cmd_ps, "list the processes of a container", 0 },
	{ "restore", cmd_restore, "restore a container from a checkpoint (criu)", CMD_CGROUPS },
	{ "resume", cmd_resume, "resume a paused container", 0 },
	{ "run", cmd_run, "create and start a container", CMD_CGROUPS },
	{ "spec", cmd_spec, "write a starter config.json", 0 },
	{ "start", cmd_start, "run the user process of a created container", 0 },
	{ "state", cmd_state, "print the state of a container", 0 },
	{ "update", cmd_update, "change the resource limits of a container", 0 },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_version(void)
{
	printf("ward version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, WARD_GIT_COMMIT,
	       WARD_OCI_VERSION);
}

static void print_help(const struct cli_opt *globals)
{
	size_t width = strlen("help, h");

	printf("NAME:\n   ward - run OCI containers\n\n"
	       "ward runs containers from OCI bundles: a directory with a config.json and a\n"
	       "root filesystem. It is command-line compatible with runc.\n\n"
	       "USAGE:\n   ward [global options] command [command options] [arguments...]\n\n"
	       "VERSION:\n   ");
	print_version();
	printf("\nCOMMANDS:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strlen(commands[i].name) > width)
			width = strlen(commands[i].name);
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("   %-*s  %s\n", (int)width, commands[i].name, commands[i].summary);
	printf("   %-*s  %s\n", (int)width, "help, h", "show the commands, or the help of one");
	printf("\nGLOBAL OPTIONS:\n");
	cli_print_options(globals);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	struct ward_error err = { 0 };

	ward_error_set(&err, 0, "No help topic for '%s'", name);
	ward_log_error(&err);
	return 3; /* what runc (urfave/cli) exits with */
}

/* "auto" | Go's boolean spellings. */
static int parse_rootless(const char *v, int *out)
{
	if (strcmp(v, "auto") == 0)
		*out = -1;
	else if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "TRUE") ||
		 !strcmp(v, "True") || !strcmp(v, "T"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "FALSE") ||
		 !strcmp(v, "False") || !strcmp(v, "F"))
		*out = 0;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct ward_globals g = {
		.root = "/run/ward",
		.argv0 = argv[0],
		.rootless = -1,
		.criu = "criu",
	};
	const char *log_format = "text", *rootless = "auto";
	bool version = false, help = false, unused;
	const struct cli_opt globals[] = {
		{ "debug", 0, CLI_BOOL, &g.debug, "enable debug logging", NULL },
		{ "log", 0, CLI_STRING, &g.log_path, "log file to write to (default: stderr)", "value" },
		{ "log-format", 0, CLI_STRING, &log_format, "log format: text or json (default: \"text\")", "value" },
		{ "root", 0, CLI_STRING, &g.root, "directory for container state, on tmpfs (default: \"/run/ward\")", "value" },
		{ "criu", 0, CLI_STRING, &g.criu, "path of the criu binary (default: \"criu\")", "value" },
		{ "systemd-cgroup", 0, CLI_BOOL, &g.systemd_cgroup, "use the systemd cgroup driver (not supported: ward drives cgroupfs)", NULL },
		{ "policy", 0, CLI_STRING, &g.policy, "node policy file (default: \"/etc/ward/policy.json\" when it exists)", "value" },
		{ "rootless", 0, CLI_STRING, &rootless, "ignore cgroup permission errors: true, false or auto (default: \"auto\")", "value" },
		{ "help", 'h', CLI_BOOL, &help, "show help", NULL },
		{ "version", 'v', CLI_BOOL, &version, "print the version", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	if (argc < 1)
		return 1;
	char **args = argv + 1;
	if (cli_parse_ex("ward", "", "", globals, CLI_STOP_AT_ARG, argc - 1, args, &nargs, &unused,
			 &err) < 0)
		return cli_fail(&err);
	if (strcmp(log_format, "text") != 0 && strcmp(log_format, "json") != 0) {
		ward_error_set(&err, 0, "unknown log-format \"%s\"", log_format);
		return cli_fail(&err);
	}
	if (ward_log_init(g.log_path, strcmp(log_format, "json") == 0, g.debug, &err) < 0)
		return cli_fail(&err);
	g.log_json = strcmp(log_format, "json") == 0;
	if (parse_rootless(rootless, &g.rootless) < 0) {
		ward_error_set(&err, 0, "invalid --rootless value \"%s\": use true, false or auto",
			       rootless);
		return cli_fail(&err);
	}
	if (version) {
		print_version();
		return 0;
	}
	if (help || nargs == 0) {
		print_help(globals);
		return 0;
	}

	const char *name = args[0];
	if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) {
		if (nargs < 2) {
			print_help(globals);
			return 0;
		}
		const struct command *c = find_command(args[1]);
		if (!c)
			return unknown_command(args[1]);
		char *help_argv[] = { "--help", NULL };
		return c->fn(&g, 1, help_argv);
	}
	const struct command *c = find_command(name);
	if (!c)
		return unknown_command(name);
	if ((c->flags & CMD_CGROUPS) && cgroup_check_driver(g.systemd_cgroup, &err) < 0)
		return cli_fail(&err);
	/* Compiled seccomp filters are kept next to the containers' state. */
	seccomp_cache_set_root(g.root);
	return c->fn(&g, nargs - 1, args + 1);
}
