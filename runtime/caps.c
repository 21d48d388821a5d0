/* process.capabilities (config.md "POSIX process"): the bounding,
 * permitted, effective, inheritable and ambient sets, exactly as listed.
 * An absent capabilities object means no capabilities at all, as in runc.
 * Names the running kernel does not know are skipped (runc warns and goes
 * on), so one config works across kernel versions. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "container.h"
#include "log.h"
#include "security.h"

enum { SET_BOUNDING, SET_EFFECTIVE, SET_INHERITABLE, SET_PERMITTED, SET_AMBIENT, SET__COUNT };

static const char *const set_names[SET__COUNT] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

struct cap_masks {
	uint64_t set[SET__COUNT];
	int last; /* highest capability the kernel knows */
};

static int kernel_last_cap(void)
{
	/* cap_max_bits() asks the kernel (PR_CAPBSET_READ), so it works
	 * whether or not /proc is mounted where we stand. */
	int bits = (int)cap_max_bits();

	if (bits > 64)
		bits = 64;
	return bits - 1;
}

static void masks_from_list(const struct spec_strv *names, const char *set, int last, uint64_t *mask)
{
	*mask = 0;
	for (size_t i = 0; i < names->len; i++) {
		int cap = spec_capability_from_name(names->items[i]);

		if (cap < 0 || cap > last) {
			ward_debug("ignoring unknown or unavailable capability %s in the %s set",
				   names->items[i], set);
			continue;
		}
		*mask |= UINT64_C(1) << cap;
	}
}

static void caps_masks(const struct spec_process *p, struct cap_masks *m)
{
	const struct spec_capabilities *c = p->capabilities;
	const struct spec_strv *lists[SET__COUNT];
	static const struct spec_strv empty;

	memset(m, 0, sizeof(*m));
	m->last = kernel_last_cap();
	lists[SET_BOUNDING] = c ? &c->bounding : &empty;
	lists[SET_EFFECTIVE] = c ? &c->effective : &empty;
	lists[SET_INHERITABLE] = c ? &c->inheritable : &empty;
	lists[SET_PERMITTED] = c ? &c->permitted : &empty;
	lists[SET_AMBIENT] = c ? &c->ambient : &empty;
	for (int s = 0; s < SET__COUNT; s++)
		masks_from_list(lists[s], set_names[s], m->last, &m->set[s]);
}

static const char *cap_label(int cap, char buf[16])
{
	const char *name = spec_capability_name(cap);

	if (name != NULL)
		return name;
	snprintf(buf, 16, "%d", cap);
	return buf;
}

/* Drop from the bounding set what the config leaves out, without reading
 * the set first (a drop of a capability already gone succeeds: one call
 * per dropped capability instead of a read of all of them and a drop).
 * *bset is left as the kernel now has it, as far as anyone asks: the kept
 * capabilities, less any inheritable one that turns out to be missing. */
static int drop_bounding(const struct cap_masks *m, uint64_t *bset, struct ward_error *err)
{
	for (int cap = 0; cap <= m->last; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		char buf[16];

		if ((m->set[SET_BOUNDING] & bit) || !(*bset & bit))
			continue; /* kept, or already gone */
		if (cap_drop_bound((cap_value_t)cap) < 0 &&
		    !(errno == EPERM && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0))
			return ward_error_errno(err, "unable to apply bounding set: drop %s",
						cap_label(cap, buf));
		*bset &= ~bit;
	}
	return 0;
}

int caps_drop_bounding(const struct spec_process *p, uint64_t *bset, struct ward_error *err)
{
	struct cap_masks m;

	caps_masks(p, &m);
	*bset = m.last >= 63 ? UINT64_MAX : (UINT64_C(1) << (m.last + 1)) - 1;
	if (drop_bounding(&m, bset, err) < 0)
		return -1;
	/* Only the inheritable set is checked against it (caps_apply). */
	for (int cap = 0; cap <= m.last; cap++)
		if ((m.set[SET_INHERITABLE] & *bset & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0)
			*bset &= ~(UINT64_C(1) << cap);
	return 0;
}

/* Permitted caps of the calling thread, as a mask. */
static int current_permitted(uint64_t *out, struct ward_error *err)
{
	cap_t cur = cap_get_proc();
	int last = kernel_last_cap();

	if (cur == NULL)
		return ward_error_errno(err, "capget");
	*out = 0;
	for (int cap = 0; cap <= last; cap++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(cur, (cap_value_t)cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			*out |= UINT64_C(1) << cap;
	}
	cap_free(cur);
	return 0;
}

static int set_proc_masks(uint64_t eff, uint64_t prm, uint64_t inh, int last)
{
	cap_t c = cap_init();
	int r;

	if (c == NULL)
		return -1;
	for (int cap = 0; cap <= last; cap++) {
		cap_value_t v = (cap_value_t)cap;
		uint64_t bit = UINT64_C(1) << cap;

		if (eff & bit)
			cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
		if (prm & bit)
			cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
		if (inh & bit)
			cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
	}
	r = cap_set_proc(c);
	cap_free(c);
	return r;
}

/* One call; libcap's cap_reset_ambient() first reads every capability
 * back. EINVAL: a kernel without ambient capabilities (before 4.3). */
static int clear_ambient(void)
{
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* Name the first capability of `want` missing from `have`. */
static int missing_cap(uint64_t want, uint64_t have)
{
	uint64_t miss = want & ~have;

	return miss ? __builtin_ctzll(miss) : -1;
}

int caps_apply(const struct spec_process *p, uint64_t bset, struct ward_error *err)
{
	struct cap_masks m;
	uint64_t have = 0;
	int cap;
	char buf[16];

	caps_masks(p, &m);
	if (current_permitted(&have, err) < 0)
		return -1;

	/* After a uid change with keep-caps the effective set is empty:
	 * raise it to what we hold, so CAP_SETPCAP can drop the bounding
	 * set and capset can shape the rest. */
	if (set_proc_masks(have, have, 0, m.last) < 0)
		return ward_error_errno(err, "unable to apply caps: raise effective set");
	if (drop_bounding(&m, &bset, err) < 0)
		return -1;

	/* The kernel only ever shrinks permitted, and effective and ambient
	 * must be subsets of it: say which capability is the problem. */
	cap = missing_cap(m.set[SET_PERMITTED], have);
	if (cap >= 0)
		return ward_error_set(err, EPERM,
				      "unable to apply caps: %s is requested in the permitted set but ward does not hold it",
				      cap_label(cap, buf));
	cap = missing_cap(m.set[SET_EFFECTIVE], m.set[SET_PERMITTED]);
	if (cap >= 0)
		return ward_error_set(err, EPERM,
				      "unable to apply caps: %s is in the effective set but not in the permitted set",
				      cap_label(cap, buf));
	cap = missing_cap(m.set[SET_INHERITABLE], bset);
	if (cap >= 0)
		return ward_error_set(err, EPERM,
				      "unable to apply caps: %s is in the inheritable set but not in the bounding set",
				      cap_label(cap, buf));
	if (set_proc_masks(m.set[SET_EFFECTIVE], m.set[SET_PERMITTED], m.set[SET_INHERITABLE], m.last) < 0)
		return ward_error_errno(err, "unable to apply caps");

	/* Ambient caps survive execve only when permitted and inheritable
	 * both hold them (capabilities(7)). */
	if (clear_ambient() < 0) {
		if (errno != EINVAL)
			return ward_error_errno(err, "unable to apply caps: clear ambient set");
		if (m.set[SET_AMBIENT] != 0)
			return ward_error_set(err, EOPNOTSUPP,
					      "unable to apply caps: the kernel does not support ambient capabilities");
	}
	if (m.set[SET_AMBIENT] == 0)
		return 0;
	/* The kernel refuses an ambient capability that is not both permitted
	 * and inheritable. Configs written for runc 1.1 often list ambient
	 * caps without the inheritable ones; runc raises each ambient cap on a
	 * best-effort basis and goes on, so the same config must not fail
	 * here: the ones the kernel refuses are skipped (and logged). */
	for (cap = 0; cap <= m.last; cap++) {
		if (!(m.set[SET_AMBIENT] & (UINT64_C(1) << cap)))
			continue;
		if (cap_set_ambient((cap_value_t)cap, CAP_SET) < 0)
			ward_debug("ambient capability %s not raised (%s): it must also be permitted and inheritable",
				   cap_label(cap, buf), strerror(errno));
	}
	return 0;
}
