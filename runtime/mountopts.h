/* mounts[].options of config.json, read the way runc's specconv reads them:
 * mount(2) flags (set or explicitly cleared), propagation changes,
 * recursive mount_setattr(2) attributes ("rro", ...), ward/runc extensions
 * ("tmpcopyup", "idmap"); anything else is filesystem data ("size=64k"). */
#ifndef WARD_MOUNTOPTS_H
#define WARD_MOUNTOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

#define MOUNTOPTS_MAX_PROP 8

struct mount_opts {
	unsigned long flags;   /* MS_* requested */
	unsigned long cleared; /* MS_* explicitly cleared ("rw", "suid", "dev"...) */
	unsigned long prop[MOUNTOPTS_MAX_PROP]; /* MS_SHARED... in the order given */
	size_t n_prop;
	uint64_t attr_set;     /* MOUNT_ATTR_* applied with AT_RECURSIVE */
	uint64_t attr_clr;
	bool copyup;           /* "tmpcopyup": tmpfs starts with the image's content */
	bool idmap;            /* "idmap" or "ridmap" */
	bool idmap_recursive;  /* "ridmap" */
	char *data;            /* the other options joined with ','; NULL if none */
};

/* Never fails on an unknown name (it becomes data); fails on allocation
 * or on more than MOUNTOPTS_MAX_PROP propagation options. */
int mountopts_parse(const struct spec_strv *opts, struct mount_opts *out, struct ward_error *err);
void mountopts_release(struct mount_opts *o);
#define cleanup_mountopts __attribute__((cleanup(mountopts_release)))

/* "rprivate" -> MS_PRIVATE|MS_REC ... for linux.rootfsPropagation.
 * Returns 0, or -1 when the name is not a propagation mode. */
int mountopts_propagation(const char *name, unsigned long *flag);

/* Every option name known here, sorted, NULL-terminated (`ward features`). */
extern const char *const mountopts_known[];

#endif
