/* The annotations the node policy writes into the effective spec for the
 * later stages of create to act on (seccomp.c, idmap.c, egress.c,
 * policy_uidrange.c). They are decisions, so the requested spec may not
 * carry them: in Kubernetes it is the pod's (the CRI copies pod
 * annotations into config.json), and a pod must not hand itself an
 * id-mapped rootfs or point delete at a file of its choosing. Create
 * refuses such a spec, with or without a policy. After create, exec,
 * delete and checkpoint read them from ward's own copy of the effective
 * spec in the state directory; restore decides afresh from the bundle. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "egress.h"
#include "policy_eval.h"

static const char *const reserved[] = {
	WARD_SECCOMP_FLOOR_ANNOTATION,
	WARD_IDMAP_ROOTFS_ANNOTATION,
	WARD_ID_RANGE_ANNOTATION,
	WARD_EGRESS_FILTER_ANNOTATION,
};

bool policy_annotation_reserved(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(key, reserved[i]) == 0)
			return true;
	return false;
}

int policy_check_requested(const struct spec *s, struct ward_error *err)
{
	/* Every entry, not the first match: a config may repeat a key. */
	for (size_t i = 0; i < s->annotations.len; i++) {
		const char *k = s->annotations.items[i].key;

		if (!policy_annotation_reserved(k))
			continue;
		ward_error_set(err, 0, "annotations[\"%s\"]: reserved for the node policy, "
			       "a container cannot set it", k);
		/* a refusal, as the policy's own: EPERM without strerror */
		if (err)
			err->errnum = EPERM;
		return -1;
	}
	return 0;
}
