/* The device policy of a container: linux.resources.devices evaluated in
 * order into "a default plus exceptions", the shape the v1 devices
 * controller keeps (and the v2 program is generated from), with the same
 * semantics on both, as runc does:
 *  - a rule of type "a" (all devices) resets the policy to its verdict;
 *  - a rule that agrees with the default removes access from an identical
 *    exception; one that disagrees adds an exception (merging access);
 *  - removing access that a broader wildcard exception still grants is an
 *    error rather than silently ignored (v1 cannot punch holes).
 * ward's default devices (null, zero, full, random, urandom, tty, ptmx,
 * pts, and mknod of any node) are granted after the spec's rules, except a
 * default device that a spec rule names exactly (same type, major and
 * minor): the config then decides about it, so it can be denied. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_priv.h"
#include "cleanup.h"

struct dev_default {
	char type;
	int64_t major, minor;
	unsigned access;
};

static const struct dev_default defaults[] = {
	{ 'c', CG_DEV_WILDCARD, CG_DEV_WILDCARD, CG_DEV_MKNOD },
	{ 'b', CG_DEV_WILDCARD, CG_DEV_WILDCARD, CG_DEV_MKNOD },
	{ 'c', 1, 3, CG_DEV_ALL },   /* /dev/null */
	{ 'c', 1, 8, CG_DEV_ALL },   /* /dev/random */
	{ 'c', 1, 7, CG_DEV_ALL },   /* /dev/full */
	{ 'c', 5, 0, CG_DEV_ALL },   /* /dev/tty */
	{ 'c', 1, 5, CG_DEV_ALL },   /* /dev/zero */
	{ 'c', 1, 9, CG_DEV_ALL },   /* /dev/urandom */
	{ 'c', 136, CG_DEV_WILDCARD, CG_DEV_ALL }, /* /dev/pts/N */
	{ 'c', 5, 2, CG_DEV_ALL },   /* /dev/ptmx */
};

void cg_dev_state_free(struct cg_dev_state *st)
{
	free(st->ex);
	st->ex = NULL;
	st->n = 0;
}

static void reset(struct cg_dev_state *st, bool allow)
{
	cg_dev_state_free(st);
	st->default_allow = allow;
}

static struct cg_dev_rule *find(struct cg_dev_state *st, char type, int64_t major, int64_t minor)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->ex[i].type == type && st->ex[i].major == major && st->ex[i].minor == minor)
			return &st->ex[i];
	return NULL;
}

static int add_ex(struct cg_dev_state *st, const struct cg_dev_rule *r, struct ward_error *err)
{
	struct cg_dev_rule *e = find(st, r->type, r->major, r->minor);

	if (e) {
		e->access |= r->access;
		return 0;
	}
	struct cg_dev_rule *nex = realloc(st->ex, (st->n + 1) * sizeof(*nex));
	if (!nex)
		return ward_error_set(err, ENOMEM, "device rules");
	st->ex = nex;
	st->ex[st->n++] = *r;
	return 0;
}

static void fmt_num(char *buf, size_t size, int64_t v)
{
	if (v == CG_DEV_WILDCARD)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%" PRId64, v);
}

static int rm_ex(struct cg_dev_state *st, const struct cg_dev_rule *r, struct ward_error *err)
{
	/* Wildcard exceptions covering this device with overlapping access:
	 * the kernel would keep granting (or denying) through them. */
	const int64_t w = CG_DEV_WILDCARD;
	const int64_t partial[3][2] = { { w, r->minor }, { r->major, w }, { w, w } };
	for (size_t i = 0; i < 3; i++) {
		if (partial[i][0] == r->major && partial[i][1] == r->minor)
			continue;
		struct cg_dev_rule *e = find(st, r->type, partial[i][0], partial[i][1]);
		if (e && (e->access & r->access)) {
			char a[24], b[24], c[24], d[24];
			fmt_num(a, sizeof(a), r->major);
			fmt_num(b, sizeof(b), r->minor);
			fmt_num(c, sizeof(c), e->major);
			fmt_num(d, sizeof(d), e->minor);
			return ward_error_set(err, EINVAL, "device rule %c %s:%s cannot be carved "
							   "out of the broader rule %c %s:%s before it",
					      r->type, a, b, e->type, c, d);
		}
	}
	struct cg_dev_rule *e = find(st, r->type, r->major, r->minor);
	if (!e)
		return 0;
	e->access &= ~r->access;
	if (e->access == 0) {
		*e = st->ex[st->n - 1];
		st->n--;
	}
	return 0;
}

static int apply(struct cg_dev_state *st, bool allow, const struct cg_dev_rule *r,
		 struct ward_error *err)
{
	if (r->type == 'a') {
		reset(st, allow);
		return 0;
	}
	return allow == st->default_allow ? rm_ex(st, r, err) : add_ex(st, r, err);
}

static int parse_access(const char *s, unsigned *out, struct ward_error *err)
{
	*out = 0;
	if (!s) {
		*out = CG_DEV_ALL;
		return 0;
	}
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case 'r':
			*out |= CG_DEV_READ;
			break;
		case 'w':
			*out |= CG_DEV_WRITE;
			break;
		case 'm':
			*out |= CG_DEV_MKNOD;
			break;
		default:
			break; /* runc ignores other letters ("rwa" is "rw") */
		}
	}
	if (*out == 0)
		return ward_error_set(err, EINVAL, "invalid device access \"%s\"", s);
	return 0;
}

static bool named_by(const struct spec_device_cgroup *rules, size_t n, const struct dev_default *d)
{
	for (size_t i = 0; i < n; i++) {
		const struct spec_device_cgroup *r = &rules[i];
		char type = r->type ? r->type[0] : 'a';
		int64_t major = r->major.set ? r->major.value : CG_DEV_WILDCARD;
		int64_t minor = r->minor.set ? r->minor.value : CG_DEV_WILDCARD;
		if (type == d->type && major == d->major && minor == d->minor)
			return true;
	}
	return false;
}

int cg_dev_build(const struct spec_device_cgroup *rules, size_t n, struct cg_dev_state *out,
		 struct ward_error *err)
{
	/* Nothing said: deny everything but the defaults. */
	struct cg_dev_state st = { .default_allow = false };

	for (size_t i = 0; i < n; i++) {
		const struct spec_device_cgroup *s = &rules[i];
		struct cg_dev_rule r = {
			.type = s->type ? s->type[0] : 'a',
			.major = s->major.set ? s->major.value : CG_DEV_WILDCARD,
			.minor = s->minor.set ? s->minor.value : CG_DEV_WILDCARD,
		};
		if ((s->type && (strlen(s->type) != 1 || !strchr("abc", r.type))) ||
		    (s->major.set && (s->major.value < 0 || s->major.value > UINT32_MAX)) ||
		    (s->minor.set && (s->minor.value < 0 || s->minor.value > UINT32_MAX))) {
			cg_dev_state_free(&st);
			return ward_error_set(err, EINVAL, "linux.resources.devices[%zu]: invalid "
							   "type or number", i);
		}
		if (parse_access(s->access, &r.access, err) < 0 || apply(&st, s->allow, &r, err) < 0) {
			cg_dev_state_free(&st);
			return ward_error_wrap(err, "linux.resources.devices[%zu]", i);
		}
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		const struct dev_default *d = &defaults[i];
		struct cg_dev_rule r = { d->type, d->major, d->minor, d->access };
		struct ward_error e = { 0 };
		if (named_by(rules, n, d))
			continue;
		if (apply(&st, true, &r, &e) < 0) {
			/* A default the config shut out with a broader deny
			 * rule stays out. */
			if (st.default_allow)
				continue;
			cg_dev_state_free(&st);
			if (err)
				*err = e;
			return -1;
		}
	}
	*out = st;
	return 0;
}

int cg_dev_parse_list(const char *text, struct cg_dev_state *out, struct ward_error *err)
{
	struct cg_dev_state st = { .default_allow = false };

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		char type, maj[24], min[24], acc[8];
		if (sscanf(line, "%c %23[^:]:%23s %7s", &type, maj, min, acc) != 4) {
			cg_dev_state_free(&st);
			return ward_error_set(err, EINVAL, "unexpected devices.list line");
		}
		if (type == 'a') {
			/* Only an allow-all policy shows as "a *:* rwm". */
			reset(&st, true);
		} else {
			struct cg_dev_rule r = {
				.type = type,
				.major = strcmp(maj, "*") == 0 ? CG_DEV_WILDCARD : strtoll(maj, NULL, 10),
				.minor = strcmp(min, "*") == 0 ? CG_DEV_WILDCARD : strtoll(min, NULL, 10),
			};
			if (parse_access(acc, &r.access, err) < 0 || add_ex(&st, &r, err) < 0) {
				cg_dev_state_free(&st);
				return -1;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = st;
	return 0;
}

bool cg_dev_allows(const struct cg_dev_state *st, char type, int64_t major, int64_t minor,
		   unsigned access)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct cg_dev_rule *e = &st->ex[i];
		if (e->type != type || (e->major != CG_DEV_WILDCARD && e->major != major) ||
		    (e->minor != CG_DEV_WILDCARD && e->minor != minor))
			continue;
		/* An allow exception must cover the whole request; any overlap
		 * with a deny exception refuses it (the kernel's v1 rules). */
		if (!st->default_allow && (access & ~e->access) == 0)
			return true;
		if (st->default_allow && (access & e->access))
			return false;
	}
	return st->default_allow;
}
