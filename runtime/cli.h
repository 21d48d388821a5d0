/* Command-line plumbing shared by every command: global options, the
 * option parser (runc-compatible spellings) and the command table. */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include <stdbool.h>

#include "error.h"

struct ward_globals {
	const char *root;      /* --root, default /run/ward */
	const char *log_path;  /* --log, NULL = stderr */
	bool log_json;         /* --log-format json */
	bool debug;            /* --debug */
	bool systemd_cgroup;   /* --systemd-cgroup */
	const char *argv0;
	int rootless;          /* --rootless: -1 auto (default), 0 false, 1 true */
	const char *criu;      /* --criu, default "criu" */
	const char *policy;    /* --policy FILE, NULL = /etc/ward/policy.json if it exists */
};

enum cli_opt_kind {
	CLI_BOOL,   /* --flag, --flag=true|false */
	CLI_STRING, /* --flag VALUE, --flag=VALUE, -f VALUE */
	CLI_INT,    /* as string, parsed as a non-negative int */
	CLI_LIST,   /* repeatable string: appends to a NULL-terminated char ** */
};

struct cli_opt {
	const char *name;  /* long name without dashes: "bundle" */
	char short_name;   /* 'b', or 0 */
	enum cli_opt_kind kind;
	void *dest;        /* bool *, const char **, int *, char *** */
	const char *help;
	const char *arg_name; /* for help output: "value", "path" */
};

/* Parse options for one command. Long options are accepted with one or two
 * dashes and with "=VALUE" or a separate argument (as Go's flag package and
 * urfave/cli do); options may come before or after positional arguments;
 * "--" ends options. "--help"/"-h" prints help and sets *help. On success
 * positional arguments are compacted into argv[0..*nargs-1].
 * argc/argv are the arguments after the command name (exactly what the
 * cmd_* function received). `opts` ends with an entry whose name is NULL.
 * `description`: its first line is the one-line summary shown after the
 * command name in help; the remaining lines are the long description.
 * As in urfave/cli v1, a known option after a positional argument is still
 * an option, while an unknown "-x" after a positional is kept as an argument
 * (so `ward kill ID -9`-style values pass through). */
int cli_parse(const char *cmd, const char *usage, const char *description,
	      const struct cli_opt *opts, int argc, char **argv, int *nargs, bool *help,
	      struct ward_error *err);

/* cli_parse with flags. CLI_STOP_AT_ARG: options end at the first positional
 * argument, everything after it is passed through verbatim (`exec ID cmd
 * -args`, like runc's SkipArgReorder). */
#define CLI_STOP_AT_ARG 0x1u
int cli_parse_ex(const char *cmd, const char *usage, const char *description,
		 const struct cli_opt *opts, unsigned flags, int argc, char **argv, int *nargs,
		 bool *help, struct ward_error *err);

/* Print the help text for one command to stdout. */
void cli_print_help(const char *cmd, const char *usage, const char *description,
		    const struct cli_opt *opts);

/* Just the aligned option lines ("   --root value  ...") of a help text. */
void cli_print_options(const struct cli_opt *opts);

/* Exactly `want` positional arguments, else an error like runc's
 * `"start" requires exactly 1 argument(s)`. */
int cli_require_args(const char *cmd, int nargs, int want, struct ward_error *err);
/* Between min and max positional arguments (max < 0: no upper bound), with
 * runc's "requires a minimum of N" / "requires a maximum of N" messages. */
int cli_require_args_range(const char *cmd, int nargs, int min, int max, struct ward_error *err);

/* ward_log_error(err) and return 1: `return cli_fail(&err);` in commands. */
int cli_fail(const struct ward_error *err);

/* Each command: returns the process exit status (0 ok, 1 error, or the
 * container's status for `run`). Errors are reported by the command through
 * ward_log_error() before returning 1. argv holds only the arguments after
 * the command name (argv[argc] == NULL); pass them straight to cli_parse. */
typedef int (*ward_cmd_fn)(struct ward_globals *g, int argc, char **argv);

int cmd_create(struct ward_globals *g, int argc, char **argv);
int cmd_start(struct ward_globals *g, int argc, char **argv);
int cmd_run(struct ward_globals *g, int argc, char **argv);
int cmd_checkpoint(struct ward_globals *g, int argc, char **argv);
int cmd_restore(struct ward_globals *g, int argc, char **argv);
int cmd_state(struct ward_globals *g, int argc, char **argv);
int cmd_kill(struct ward_globals *g, int argc, char **argv);
int cmd_delete(struct ward_globals *g, int argc, char **argv);
int cmd_list(struct ward_globals *g, int argc, char **argv);
int cmd_spec(struct ward_globals *g, int argc, char **argv);
int cmd_features(struct ward_globals *g, int argc, char **argv);
int cmd_ps(struct ward_globals *g, int argc, char **argv);
int cmd_pause(struct ward_globals *g, int argc, char **argv);
int cmd_resume(struct ward_globals *g, int argc, char **argv);
int cmd_update(struct ward_globals *g, int argc, char **argv);
int cmd_events(struct ward_globals *g, int argc, char **argv);
int cmd_exec(struct ward_globals *g, int argc, char **argv);
int cmd_policy(struct ward_globals *g, int argc, char **argv);

#endif
