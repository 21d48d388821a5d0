/* cgroup v1 specifics: cpuset initialisation and the freezer controller. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_priv.h"
#include "cleanup.h"

#define FREEZE_TIMEOUT_MS 2000

static bool blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

/* Filling the cpus of a cpuset that balances load rebuilds the scheduler
 * domains, and so does removing it: a walk over every cpuset and every task
 * of the host (0.5 ms of each create with 1,000 containers on the node).
 * Below a parent that balances, a child's flag changes nothing (domains
 * are built from the topmost balancing cpusets), so a cpuset of ward's own
 * turns it off while its cpus are still empty, which rebuilds nothing. */
static void quiet_balance(const char *dir, const char *parent)
{
	char flag[8];

	if (cg_read(parent, "cpuset.sched_load_balance", flag, sizeof(flag), NULL) > 0 &&
	    flag[0] == '1')
		cg_write(dir, "cpuset.sched_load_balance", "0", NULL);
}

/* A new v1 cpuset starts with empty cpus and mems, and the kernel refuses
 * to attach tasks to it (ENOSPC); inherit the parent's. `own`: the
 * container's cgroup, made by this create. */
int cg_v1_cpuset_init(const char *dir, bool own, struct ward_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	cleanup_free char *parent = strdup(dir);
	char *slash = parent ? strrchr(parent, '/') : NULL;

	if (!slash)
		return ward_error_set(err, ENOMEM, "cpuset %s", dir);
	*slash = '\0';
	for (size_t i = 0; i < 2; i++) {
		char cur[4096], val[4096];
		if (cg_read(dir, files[i], cur, sizeof(cur), err) < 0)
			return -1;
		if (!blank(cur))
			continue;
		if (i == 0 && own)
			quiet_balance(dir, parent);
		if (cg_read(parent, files[i], val, sizeof(val), err) < 0)
			return -1;
		val[strcspn(val, "\n")] = '\0';
		if (cg_write(dir, files[i], val, err) < 0)
			return -1;
	}
	return 0;
}

static char *freezer_dir(const struct cgroup_loc *cg)
{
	const struct cg_hier *h = cg_hier_v1("freezer");

	return h ? cg_dir(h, cg) : NULL;
}

bool cg_v1_is_frozen(const struct cgroup_loc *cg)
{
	cleanup_free char *dir = freezer_dir(cg);
	char buf[32];

	if (!dir || cg_read(dir, "freezer.state", buf, sizeof(buf), NULL) < 0)
		return false;
	return strncmp(buf, "FROZEN", 6) == 0;
}

int cg_v1_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err)
{
	cleanup_free char *dir = freezer_dir(cg);
	const char *want = frozen ? "FROZEN" : "THAWED";
	char buf[32];

	if (!dir)
		return ward_error_set(err, ENOENT, "no v1 freezer hierarchy");
	/* Freezing can linger in FREEZING while tasks are busy in the kernel;
	 * writing the target again nudges it, as runc does. */
	for (int ms = 0; ms < FREEZE_TIMEOUT_MS; ms++) {
		if (cg_write(dir, "freezer.state", want, err) < 0)
			return ward_error_wrap(err, "%s cgroup", frozen ? "freeze" : "thaw");
		if (cg_read(dir, "freezer.state", buf, sizeof(buf), err) < 0)
			return -1;
		if (strncmp(buf, want, strlen(want)) == 0)
			return 0;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (frozen)
		cg_write(dir, "freezer.state", "THAWED", NULL);
	return ward_error_set(err, ETIMEDOUT, "%s cgroup %s", frozen ? "freeze" : "thaw", dir);
}
