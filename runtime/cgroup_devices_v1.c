/* The v1 devices controller: write a device policy into devices.allow and
 * devices.deny, then read devices.list back to check the kernel holds
 * exactly that policy. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

/* "c 1:3 rwm" */
static void format_rule(char *buf, size_t size, const struct cg_dev_rule *r, unsigned access)
{
	char maj[24], min[24], acc[4];
	size_t n = 0;

	if (r->major == CG_DEV_WILDCARD)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%" PRId64, r->major);
	if (r->minor == CG_DEV_WILDCARD)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%" PRId64, r->minor);
	if (access & CG_DEV_READ)
		acc[n++] = 'r';
	if (access & CG_DEV_WRITE)
		acc[n++] = 'w';
	if (access & CG_DEV_MKNOD)
		acc[n++] = 'm';
	acc[n] = '\0';
	snprintf(buf, size, "%c %s:%s %s", r->type, maj, min, acc);
}

/* devices.allow and devices.deny, each opened once for all the rules
 * (each write(2) to them is one rule). */
struct rule_files {
	const char *dir;
	int fd[2]; /* [0] deny, [1] allow; -1 until first used */
};

static void rule_files_close(struct rule_files *f)
{
	for (int i = 0; i < 2; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
}

static int write_line(struct rule_files *f, bool allow, const char *line, struct ward_error *err)
{
	const char *file = allow ? "devices.allow" : "devices.deny";

	if (f->fd[allow] < 0 && (f->fd[allow] = cg_open_write(f->dir, file, err)) < 0)
		return -1;
	return cg_write_fd(f->fd[allow], f->dir, file, line, err);
}

static int write_rule(struct rule_files *f, bool allow, const struct cg_dev_rule *r, unsigned access,
		      struct ward_error *err)
{
	char line[80];

	format_rule(line, sizeof(line), r, access);
	return write_line(f, allow, line, err);
}

static unsigned access_of(const struct cg_dev_state *st, const struct cg_dev_rule *r)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->ex[i].type == r->type && st->ex[i].major == r->major &&
		    st->ex[i].minor == r->minor)
			return st->ex[i].access;
	return 0;
}

static bool same_policy(const struct cg_dev_state *a, const struct cg_dev_state *b)
{
	if (a->default_allow != b->default_allow || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (access_of(b, &a->ex[i]) != a->ex[i].access)
			return false;
	return true;
}

int cg_v1_set_devices(const char *dir, const struct cg_dev_state *want, struct ward_error *err)
{
	struct cg_dev_state cur = { 0 };
	cleanup_free char *list = cg_read_all(dir, "devices.list", err);

	if (!list || cg_dev_parse_list(list, &cur, err) < 0)
		return ward_error_wrap(err, "device cgroup");
	bool both_deny = !cur.default_allow && !want->default_allow;
	struct rule_files files __attribute__((cleanup(rule_files_close))) = { dir, { -1, -1 } };
	int r = 0;
	if (both_deny) {
		/* A live container (update): grant the new access first, then
		 * take away what is no longer wanted, so that nothing it may
		 * keep is ever denied in between. */
		for (size_t i = 0; r == 0 && i < want->n; i++) {
			unsigned add = want->ex[i].access & ~access_of(&cur, &want->ex[i]);
			if (add)
				r = write_rule(&files, true, &want->ex[i], add, err);
		}
		for (size_t i = 0; r == 0 && i < cur.n; i++) {
			unsigned drop = cur.ex[i].access & ~access_of(want, &cur.ex[i]);
			if (drop)
				r = write_rule(&files, false, &cur.ex[i], drop, err);
		}
	} else {
		/* Writing "a" switches the default and clears the exceptions. */
		r = write_line(&files, want->default_allow, "a", err);
		for (size_t i = 0; r == 0 && i < want->n; i++)
			r = write_rule(&files, !want->default_allow, &want->ex[i], want->ex[i].access,
				       err);
	}
	cg_dev_state_free(&cur);
	if (r < 0)
		return ward_error_wrap(err, "device cgroup");

	/* devices.list shows a deny-by-default policy in full; an allowing
	 * one only as "a *:* rwm", so its exceptions cannot be checked. */
	free(list);
	list = cg_read_all(dir, "devices.list", err);
	if (!list || cg_dev_parse_list(list, &cur, err) < 0)
		return ward_error_wrap(err, "device cgroup");
	bool ok = want->default_allow ? cur.default_allow : same_policy(&cur, want);
	cg_dev_state_free(&cur);
	if (!ok)
		return ward_error_set(err, EIO, "device cgroup: %s/devices.list does not hold the "
						"requested policy", dir);
	return 0;
}
