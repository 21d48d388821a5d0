/* ward events [--stats] [--interval D] ID: the container's resource usage
 * as runc prints it, one JSON object per line: {"type":"stats","id":..,
 * "data":{..}} every interval (or once with --stats), and {"type":"oom",
 * "id":..} whenever the kernel's OOM handling hits the container. The
 * stream ends when the container's cgroup is gone or empty. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_cmds.h"
#include "cleanup.h"
#include "cli.h"
#include "jsonw.h"
#include "log.h"
#include "state.h"

/* Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "5s"; a bare "0". */
int events_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
		{ "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	const char *p = s;
	double total = 0;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return -1;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t best = 0, blen = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].name);
			if (strncmp(p, units[i].name, l) == 0 && l > blen) {
				best = i;
				blen = l;
			}
		}
		if (blen == 0)
			return -1; /* "missing unit" */
		total += v * units[best].mult;
		p += blen;
	}
	if (total > 9.2e18)
		return -1;
	*ns = (int64_t)(neg ? -total : total);
	return 0;
}

static int emit(const char *type, const char *id, const struct cgroup_loc *path, struct ward_error *err)
{
	struct jsonw w;

	jsonw_init(&w, NULL);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "type", type);
	jsonw_kv_str(&w, "id", id);
	if (path) {
		jsonw_key(&w, "data");
		if (cgroup_stats_json(path, &w, err) < 0) {
			jsonw_free(&w);
			return -1;
		}
	}
	jsonw_obj_close(&w);
	cleanup_free char *line = jsonw_finish(&w, NULL);
	if (!line)
		return ward_error_set(err, ENOMEM, "events");
	if (puts(line) == EOF || fflush(stdout) == EOF)
		return ward_error_errno(err, "write event");
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool still_running(struct ward_globals *g, const char *id)
{
	struct ward_state st;
	struct ward_error e = { 0 };
	cleanup_close int dirfd = state_dir_open(g->root, id, &e);

	if (dirfd < 0 || state_read(dirfd, &st, &e) < 0)
		return false;
	bool alive = state_status(dirfd, &st) != STATUS_STOPPED;
	state_clear(&st);
	return alive;
}

static int stream(struct ward_globals *g, const char *id, const struct cgroup_loc *path, int64_t interval,
		  struct ward_error *err)
{
	struct ward_error werr = { 0 };
	struct cgroup_oom_watch *watch = cgroup_oom_watch_open(path, &werr);
	int64_t next = now_ns() + interval;

	if (!watch)
		ward_warn("events %s: %s", id, werr.msg);
	for (;;) {
		int64_t left = next - now_ns();
		struct pollfd pfd = { .fd = watch ? cgroup_oom_watch_fd(watch) : -1, .events = POLLIN };
		int r = left > 0 ? poll(&pfd, 1, (int)(left / 1000000 + 1)) : 0;
		if (r < 0 && errno != EINTR) {
			cgroup_oom_watch_close(watch);
			return ward_error_errno(err, "poll");
		}
		if (r > 0 && !(pfd.revents & POLLIN)) {
			/* An error on the watch: carry on with the stats alone. */
			cgroup_oom_watch_close(watch);
			watch = NULL;
			continue;
		}
		if (r > 0) {
			bool gone = false;
			int n = cgroup_oom_watch_read(watch, &gone);
			for (int i = 0; i < n; i++) {
				if (emit("oom", id, NULL, err) < 0) {
					cgroup_oom_watch_close(watch);
					return -1;
				}
			}
			if (gone)
				break;
			continue;
		}
		if (now_ns() < next)
			continue;
		next += interval;
		if (!cgroup_exists(path) || !still_running(g, id))
			break;
		struct ward_error serr = { 0 };
		if (emit("stats", id, path, &serr) < 0) {
			/* A closed stdout ends the stream; a failed read is
			 * logged and retried next time, as runc does. */
			if (serr.errnum == EPIPE) {
				cgroup_oom_watch_close(watch);
				*err = serr;
				return -1;
			}
			ward_log(WARD_LOG_ERROR, "%s", serr.msg);
		}
	}
	cgroup_oom_watch_close(watch);
	return 0;
}

static int do_events(struct ward_globals *g, const char *id, bool stats, int64_t interval,
		     struct ward_error *err)
{
	struct ward_state st;
	int ret;

	cleanup_close int dirfd = state_dir_open(g->root, id, err);
	if (dirfd < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	if (state_status(dirfd, &st) == STATUS_STOPPED)
		ret = ward_error_set(err, ESRCH, "container with id %s is not running", id);
	else if (!st.cgroup)
		ret = ward_error_set(err, ENOENT, "container %s has no cgroup", id);
	else if (stats)
		ret = emit("stats", id, st.cgroup, err);
	else
		ret = stream(g, id, st.cgroup, interval, err);
	state_clear(&st);
	return ret;
}

int cmd_events(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "[command options] <container-id>";
	static const char desc[] =
		"display container events such as OOM notifications, cpu, memory, and IO usage "
		"statistics\n"
		"By default the statistics are printed every 5 seconds, one JSON object per\n"
		"line, together with an \"oom\" event whenever the container runs out of memory;\n"
		"the stream ends once the container has stopped. --stats prints them once.";
	const char *interval_s = "5s";
	bool stats = false, help;
	const struct cli_opt opts[] = {
		{ "interval", 0, CLI_STRING, &interval_s, "set the stats collection interval (default: 5s)", "value" },
		{ "stats", 0, CLI_BOOL, &stats, "display the container's stats then exit", NULL },
		{ 0 },
	};
	struct ward_error err = { 0 };
	int nargs;
	int64_t interval;

	if (cli_parse("events", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (cli_require_args("events", nargs, 1, &err) < 0)
		return cli_fail(&err);
	if (events_parse_duration(interval_s, &interval) < 0) {
		ward_error_set(&err, 0, "invalid value \"%s\" for flag -interval: parse error",
			       interval_s);
		return cli_fail(&err);
	}
	if (interval <= 0) {
		ward_error_set(&err, 0, "duration interval must be greater than 0");
		return cli_fail(&err);
	}
	/* A reader that goes away ends the stream with EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (do_events(g, argv[0], stats, interval, &err) < 0)
		return cli_fail(&err);
	return 0;
}
