/* Internals of the cgroup commands, shared with the unit tests: `update`
 * (merging a LinuxResources update into a saved config, applying the
 * result, runc's size syntax) and `events` (Go's duration syntax). */
#ifndef WARD_CGROUP_CMDS_H
#define WARD_CGROUP_CMDS_H

#include <stdint.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

/* What an update carried beyond plain values (update_apply only rewrites
 * these when asked to). */
#define UPDATE_DEVICES 0x1u /* linux.resources.devices replaced */
#define UPDATE_KERNEL 0x2u  /* memory.kernel given (only to warn about it) */

/* Merge `upd` into s->linux->resources (created when absent): set fields
 * replace, lists keyed by page size / device / unified key replace or add
 * entries, device rules replace the whole list. Parts of upd are moved,
 * not copied (upd must still be freed). *merged is s's resources; *what
 * gets UPDATE_* bits. As runc: a memory limit of -1 without a swap value
 * makes swap unlimited too. */
int update_merge(struct spec *s, struct spec_resources *upd, struct spec_resources **merged,
		 unsigned *what, struct ward_error *err);

/* cgroup_apply_resources(path, r, false) with the device rules and the
 * kernel memory field left out unless `what` says the update set them. */
int update_apply(const struct cgroup_loc *path, const struct spec_resources *r, unsigned what,
		 struct ward_error *err);

/* docker/go-units RAMInBytes ("10m", "1.5GiB", "512 k", "100"): -1 if
 * malformed. */
int update_ram_in_bytes(const char *s, int64_t *out);

/* Go's time.ParseDuration ("5s", "250ms", "1m30s", "1.5h") in ns; -1 if
 * malformed. */
int events_parse_duration(const char *s, int64_t *ns);

#endif
