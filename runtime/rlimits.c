/* process.rlimits (config.md "POSIX process"): each applied with prlimit to
 * ourselves, so they are inherited across the final execve. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>

#include "container.h"

static const char *rlimit_label(const struct spec_rlimit *r, char buf[32])
{
	if (r->type != NULL)
		return r->type;
	snprintf(buf, 32, "%d", r->resource);
	return buf;
}

static void fmt_limit(rlim_t v, char buf[32])
{
	if (v == RLIM_INFINITY)
		snprintf(buf, 32, "unlimited");
	else
		snprintf(buf, 32, "%" PRIu64, (uint64_t)v);
}

int rlimits_apply(const struct spec_process *p, struct ward_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		struct rlimit want = { .rlim_cur = r->soft, .rlim_max = r->hard };
		struct rlimit old;
		char label[32], cur[32], req[32];
		int resource = r->resource;

		if (resource < 0 && r->type != NULL)
			resource = spec_rlimit_from_name(r->type);
		if (resource < 0)
			return ward_error_set(err, EINVAL, "unknown rlimit type %s",
					      r->type ? r->type : "(null)");
		if (prlimit(0, resource, &want, &old) == 0)
			continue;
		if (errno == EPERM && prlimit(0, resource, NULL, &old) == 0 && want.rlim_max > old.rlim_max) {
			/* The one case users hit: asking for more than the
			 * hard limit ward itself runs under. */
			fmt_limit(old.rlim_max, cur);
			fmt_limit(want.rlim_max, req);
			return ward_error_set(err, EPERM,
					      "error setting rlimit type %s: raising the hard limit from %s to %s needs CAP_SYS_RESOURCE",
					      rlimit_label(r, label), cur, req);
		}
		if (errno == EINVAL && want.rlim_cur > want.rlim_max)
			return ward_error_set(err, EINVAL,
					      "error setting rlimit type %s: soft limit is above the hard limit",
					      rlimit_label(r, label));
		return ward_error_errno(err, "error setting rlimit type %s", rlimit_label(r, label));
	}
	return 0;
}
