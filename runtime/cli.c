/* The per-command option parser, with the spellings runc users and
 * containerd rely on: Go's flag package (-flag, --flag, -flag=value,
 * -flag value, bool -flag=false) as driven by urfave/cli v1, whose argument
 * reordering lets a known option follow the container id. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
		if (o->short_name && len == 1 && name[0] == o->short_name)
			return o;
	}
	return NULL;
}

static bool is_help(const char *name, size_t len)
{
	return (len == 4 && strncmp(name, "help", 4) == 0) || (len == 1 && name[0] == 'h');
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int list_append(char ***list, const char *value, struct ward_error *err)
{
	size_t n = 0;

	while (*list && (*list)[n])
		n++;
	char **v = realloc(*list, (n + 2) * sizeof(char *));
	if (!v)
		return ward_error_set(err, ENOMEM, "option list");
	*list = v;
	v[n] = strdup(value);
	v[n + 1] = NULL;
	if (!v[n])
		return ward_error_set(err, ENOMEM, "option list");
	return 0;
}

/* Apply one option. `value` is the "=VALUE" part or NULL; `next` the
 * following argument, consumed (*used = true) by non-bool options. The
 * name in messages is the spelling the user typed, with one dash, as Go
 * prints it. */
static int apply_opt(const struct cli_opt *o, const char *name, size_t len, const char *value,
		     const char *next, bool *used, struct ward_error *err)
{
	*used = false;
	if (o->kind == CLI_BOOL) {
		bool b = true;
		if (value && parse_bool(value, &b) < 0)
			return ward_error_set(err, 0, "invalid boolean value \"%s\" for -%.*s: parse error",
					      value, (int)len, name);
		*(bool *)o->dest = b;
		return 0;
	}
	if (!value) {
		if (!next)
			return ward_error_set(err, 0, "flag needs an argument: -%.*s", (int)len, name);
		value = next;
		*used = true;
	}
	switch (o->kind) {
	case CLI_STRING:
		*(const char **)o->dest = value;
		return 0;
	case CLI_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 0);
		if (errno || end == value || *end)
			return ward_error_set(err, 0, "invalid value \"%s\" for flag -%.*s: parse error",
					      value, (int)len, name);
		if (v < 0 || v > INT_MAX)
			return ward_error_set(err, 0,
					      "invalid value \"%s\" for flag -%.*s: value out of range",
					      value, (int)len, name);
		*(int *)o->dest = (int)v;
		return 0;
	}
	case CLI_LIST:
		return list_append((char ***)o->dest, value, err);
	case CLI_BOOL:
		break;
	}
	return 0;
}

/* Split "-name=value" / "--name". Returns false if arg is not option-shaped. */
static bool split_opt(const char *arg, const char **name, size_t *len, const char **value)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false; /* "x" or a lone "-" are arguments */
	const char *p = arg + 1;
	if (*p == '-')
		p++;
	*name = p;
	const char *eq = strchr(p, '=');
	*len = eq ? (size_t)(eq - p) : strlen(p);
	*value = eq ? eq + 1 : NULL;
	return true;
}

int cli_parse_ex(const char *cmd, const char *usage, const char *description,
		 const struct cli_opt *opts, unsigned flags, int argc, char **argv, int *nargs,
		 bool *help, struct ward_error *err)
{
	int out = 0;
	bool positional_seen = false;

	*help = false;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *value;
		size_t len;

		if (strcmp(arg, "--") == 0) {
			/* Go's flag package drops the terminator only while it is still
			 * parsing options, i.e. before the first argument. */
			if (positional_seen)
				argv[out++] = argv[i];
			for (i++; i < argc; i++)
				argv[out++] = argv[i];
			break;
		}
		if ((positional_seen && (flags & CLI_STOP_AT_ARG)) ||
		    !split_opt(arg, &name, &len, &value)) {
			positional_seen = true;
			argv[out++] = argv[i];
			continue;
		}
		if (len == 0 || name[0] == '-' || name[0] == '=') {
			if (positional_seen) {
				argv[out++] = argv[i];
				continue;
			}
			return ward_error_set(err, 0, "bad flag syntax: %s", arg);
		}
		const struct cli_opt *o = find_opt(opts, name, len);
		if (!o && is_help(name, len)) {
			cli_print_help(cmd, usage, description, opts);
			*help = true;
			*nargs = 0;
			return 0;
		}
		if (!o) {
			/* urfave/cli only moves options it knows in front of the
			 * arguments; anything else after an argument stays one. */
			if (positional_seen) {
				argv[out++] = argv[i];
				continue;
			}
			return ward_error_set(err, 0, "flag provided but not defined: -%.*s", (int)len,
					      name);
		}
		bool used;
		if (apply_opt(o, name, len, value, i + 1 < argc ? argv[i + 1] : NULL, &used, err) < 0)
			return -1;
		if (used)
			i++;
	}
	*nargs = out;
	if (out < argc)
		argv[out] = NULL;
	return 0;
}

int cli_parse(const char *cmd, const char *usage, const char *description,
	      const struct cli_opt *opts, int argc, char **argv, int *nargs, bool *help,
	      struct ward_error *err)
{
	return cli_parse_ex(cmd, usage, description, opts, 0, argc, argv, nargs, help, err);
}

/* "--format value, -f value" */
static void opt_label(const struct cli_opt *o, char *buf, size_t size)
{
	const char *arg = o->kind == CLI_BOOL ? NULL : (o->arg_name ? o->arg_name : "value");

	if (o->short_name && arg)
		snprintf(buf, size, "--%s %s, -%c %s", o->name, arg, o->short_name, arg);
	else if (o->short_name)
		snprintf(buf, size, "--%s, -%c", o->name, o->short_name);
	else if (arg)
		snprintf(buf, size, "--%s %s", o->name, arg);
	else
		snprintf(buf, size, "--%s", o->name);
}

void cli_print_options(const struct cli_opt *opts)
{
	size_t width = 0;
	char label[256];

	for (const struct cli_opt *o = opts; o && o->name; o++) {
		opt_label(o, label, sizeof(label));
		if (strlen(label) > width)
			width = strlen(label);
	}
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		opt_label(o, label, sizeof(label));
		printf("   %-*s  %s\n", (int)width, label, o->help ? o->help : "");
	}
}

void cli_print_help(const char *cmd, const char *usage, const char *description,
		    const struct cli_opt *opts)
{
	const char *summary = description ? description : "";
	const char *nl = strchr(summary, '\n');
	int summary_len = nl ? (int)(nl - summary) : (int)strlen(summary);
	const char *rest = nl ? nl + 1 : "";

	while (*rest == '\n')
		rest++;
	printf("NAME:\n   ward %s - %.*s\n\n", cmd, summary_len, summary);
	printf("USAGE:\n   ward %s%s%s\n", cmd, usage && *usage ? " " : "", usage ? usage : "");
	if (*rest) {
		printf("\nDESCRIPTION:\n   ");
		for (const char *p = rest; *p; p++) {
			putchar(*p);
			if (*p == '\n' && p[1] && p[1] != '\n')
				fputs("   ", stdout);
		}
		if (rest[strlen(rest) - 1] != '\n')
			putchar('\n');
	}
	if (opts && opts->name) {
		printf("\nOPTIONS:\n");
		cli_print_options(opts);
	}
	fflush(stdout);
}

int cli_require_args(const char *cmd, int nargs, int want, struct ward_error *err)
{
	if (nargs != want)
		return ward_error_set(err, 0, "ward: \"%s\" requires exactly %d argument(s)", cmd,
				      want);
	return 0;
}

int cli_require_args_range(const char *cmd, int nargs, int min, int max, struct ward_error *err)
{
	if (nargs < min)
		return ward_error_set(err, 0, "ward: \"%s\" requires a minimum of %d argument(s)", cmd,
				      min);
	if (max >= 0 && nargs > max)
		return ward_error_set(err, 0, "ward: \"%s\" requires a maximum of %d argument(s)", cmd,
				      max);
	return 0;
}

int cli_fail(const struct ward_error *err)
{
	ward_log_error(err);
	return 1;
}
