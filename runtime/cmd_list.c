/* ward list: the containers under --root, as runc prints them: a table laid
 * out like Go's tabwriter (minwidth 12, padding 3), one JSON array line
 * ("null" when empty), or bare ids with --quiet. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "passwd.h"
#include "state.h"

#define NCOLS 6
#define TAB_MINWIDTH 12
#define TAB_PADDING 3

struct row {
	char *cell[NCOLS]; /* ID PID STATUS BUNDLE CREATED OWNER */
	char *json;
};

/* The owner column is the user owning the state directory; "#uid" when it
 * has no name, as Go's user lookup fallback prints. */
static char *owner_name(int dirfd)
{
	struct stat sb;
	char *out;

	if (fstat(dirfd, &sb) < 0)
		return strdup("");
	out = passwd_lookup(sb.st_uid, PASSWD_NAME);
	if (out)
		return out;
	if (asprintf(&out, "#%u", (unsigned)sb.st_uid) < 0)
		return NULL;
	return out;
}

static int load_row(const char *root, const char *id, struct row *r, struct ward_error *err)
{
	struct ward_state st;

	cleanup_close int dirfd = state_dir_open(root, id, err);
	if (dirfd < 0)
		return -1;
	if (state_read(dirfd, &st, err) < 0) {
		/* A create killed before its first state write: only the
		 * directory exists, and `delete --force` removes it. */
		if (err->errnum != ENOENT)
			return -1;
		ward_error_clear(err);
		st = (struct ward_state){ .id = strdup(id), .bundle = strdup(""), .creating = true };
	}
	enum container_status status = state_status(dirfd, &st);
	free(st.owner);
	st.owner = owner_name(dirfd);
	r->json = state_oci_json(&st, status, true, false);
	r->cell[0] = strdup(st.id);
	if (asprintf(&r->cell[1], "%d", status == STATUS_STOPPED ? 0 : (int)st.pid) < 0)
		r->cell[1] = NULL;
	r->cell[2] = strdup(container_status_name(status));
	r->cell[3] = strdup(st.bundle ? st.bundle : "");
	r->cell[4] = strdup(st.created ? st.created : "");
	r->cell[5] = st.owner ? strdup(st.owner) : NULL;
	state_clear(&st);
	for (int i = 0; i < NCOLS; i++)
		if (!r->cell[i])
			return ward_error_set(err, ENOMEM, "list");
	if (!r->json)
		return ward_error_set(err, ENOMEM, "list");
	return 0;
}

static void free_row(struct row *r)
{
	for (int i = 0; i < NCOLS; i++)
		free(r->cell[i]);
	free(r->json);
}

/* tabwriter counts characters, not bytes. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void print_table(struct row *rows, size_t n)
{
	static const char *const header[NCOLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED",
						   "OWNER" };
	size_t width[NCOLS];

	/* Every cell but the last of a line is padded to the column width. */
	for (int c = 0; c < NCOLS - 1; c++) {
		width[c] = text_width(header[c]) + TAB_PADDING;
		for (size_t i = 0; i < n; i++)
			if (text_width(rows[i].cell[c]) + TAB_PADDING > width[c])
				width[c] = text_width(rows[i].cell[c]) + TAB_PADDING;
		if (width[c] < TAB_MINWIDTH)
			width[c] = TAB_MINWIDTH;
	}
	for (size_t i = 0; i <= n; i++) {
		for (int c = 0; c < NCOLS; c++) {
			const char *cell = i == 0 ? header[c] : rows[i - 1].cell[c];
			fputs(cell, stdout);
			if (c < NCOLS - 1)
				printf("%*s", (int)(width[c] - text_width(cell)), "");
		}
		putchar('\n');
	}
}

int cmd_list(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options]";
	static const char desc[] =
		"list the containers under the state root\n"
		"The state root is the global --root option (default: /run/ward). The table\n"
		"shows ID, PID, STATUS, BUNDLE, CREATED and OWNER; --format json prints the\n"
		"same as one JSON array.";
	const char *format = "table";
	bool quiet = false, help;
	const struct cli_opt opts[] = {
		{ "format", 'f', CLI_STRING, &format, "output format: table or json (default: \"table\")", "value" },
		{ "quiet", 'q', CLI_BOOL, &quiet, "print only the container ids", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;

	if (cli_parse("list", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("list", nargs, 0, &err) < 0)
		return cli_fail(&err);
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "table") != 0 && !quiet) {
		ward_error_set(&err, 0, "invalid format option");
		return cli_fail(&err);
	}

	cleanup_strv char **ids = state_list_ids(g->root, &err);
	if (!ids)
		return cli_fail(&err);
	size_t n = 0, cap = 0;
	while (ids[cap])
		cap++;
	struct row *rows = calloc(cap + 1, sizeof(*rows));
	if (!rows) {
		ward_error_set(&err, ENOMEM, "list");
		return cli_fail(&err);
	}
	for (size_t i = 0; ids[i]; i++) {
		struct ward_error lerr = { 0 };
		if (load_row(g->root, ids[i], &rows[n], &lerr) < 0) {
			/* A half-created or foreign directory must not hide the rest. */
			ward_warn("load container %s: %s", ids[i], lerr.msg);
			free_row(&rows[n]);
			memset(&rows[n], 0, sizeof(rows[n]));
			continue;
		}
		n++;
	}

	if (quiet) {
		for (size_t i = 0; i < n; i++)
			puts(rows[i].cell[0]);
	} else if (json) {
		if (n == 0) {
			puts("null");
		} else {
			putchar('[');
			for (size_t i = 0; i < n; i++)
				printf("%s%s", i ? "," : "", rows[i].json);
			puts("]");
		}
	} else {
		print_table(rows, n);
	}
	for (size_t i = 0; i < n; i++)
		free_row(&rows[i]);
	free(rows);
	return fflush(stdout) == 0 ? 0 : 1;
}
