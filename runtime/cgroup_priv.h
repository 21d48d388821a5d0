/* Internals shared by cgroup.c (detection, membership), cgroup_v1.c and
 * cgroup_v2.c (version-specific files: cpuset setup, freezer, kill). The
 * resource controllers plug in next to these. */
#ifndef WARD_CGROUP_PRIV_H
#define WARD_CGROUP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

struct cg_hier {
	char *mnt;          /* mount point, e.g. /sys/fs/cgroup/memory */
	char **controllers; /* v1: "memory", "name=systemd"...; v2: NULL */
	bool v2;
};

/* All mounted hierarchies (one entry per hierarchy), detected once. */
size_t cg_hier_count(void);
const struct cg_hier *cg_hier_at(size_t i);
const struct cg_hier *cg_hier_v2(void);                 /* NULL if none */
const struct cg_hier *cg_hier_v1(const char *controller); /* NULL if none */
bool cg_hier_has(const struct cg_hier *h, const char *controller);

/* The container's path in hierarchy h (its recorded one, else cg->path). */
const char *cg_path_in(const struct cgroup_loc *cg, const struct cg_hier *h);
/* mnt + the container's path in h (malloc'd). */
char *cg_dir(const struct cg_hier *h, const struct cgroup_loc *cg);
/* mnt + path (malloc'd). */
char *cg_dir_path(const struct cg_hier *h, const char *path);
/* Small file helpers relative to a directory path. */
int cg_write(const char *dir, const char *file, const char *value, struct ward_error *err);
/* cg_write in two steps, for several writes to one file (each write(2) to
 * a control file is one command): the opened file, and one write to it. */
int cg_open_write(const char *dir, const char *file, struct ward_error *err);
int cg_write_fd(int fd, const char *dir, const char *file, const char *value, struct ward_error *err);
int cg_read(const char *dir, const char *file, char *buf, size_t size, struct ward_error *err);

/* The whole file (malloc'd, NUL-terminated); NULL with *err on failure. */
char *cg_read_all(const char *dir, const char *file, struct ward_error *err);
bool cg_file_exists(const char *dir, const char *file);
/* A single number; "max" reads as UINT64_MAX. */
int cg_read_u64(const char *dir, const char *file, uint64_t *out, struct ward_error *err);
/* "key value" lines (memory.stat, cpu.stat, memory.events...): the value of
 * `key`, or -1 when absent. */
int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out);

/* Where a controller is driven from: the v1 hierarchy mounting it, else the
 * unified hierarchy when its root offers it (hybrid hosts may keep some
 * controllers, e.g. hugetlb, there). NULL when the kernel has it nowhere. */
const struct cg_hier *cg_controller_hier(const char *controller);

/* ---- resources (cgroup_res.c dispatches to these) ---- */

/* v1 */
int cg_v1_set_memory(const char *dir, const struct spec_memory *m, bool initial,
		     struct ward_error *err);
int cg_v1_set_cpu(const char *dir, const struct spec_cpu *c, struct ward_error *err);
int cg_v1_set_blkio(const char *dir, const struct spec_blkio *b, struct ward_error *err);
int cg_v1_set_hugetlb(const char *dir, const struct spec_resources *r, struct ward_error *err);
int cg_v1_set_net_cls(const char *dir, uint32_t classid, struct ward_error *err);
int cg_v1_set_net_prio(const char *dir, const struct spec_network *n, struct ward_error *err);

/* v2 */
/* Enable `controller` in cgroup.subtree_control of every ancestor of path,
 * from the root down, so that path gets its files. */
int cg_v2_enable(const char *path, const char *controller, struct ward_error *err);
/* Best effort on a pure v2 host: every controller the root offers. */
void cg_v2_enable_all(const char *path);
int cg_v2_set_memory(const char *dir, const struct spec_memory *m, bool initial,
		     struct ward_error *err);
int cg_v2_set_cpu(const char *dir, const struct spec_cpu *c, struct ward_error *err);
int cg_v2_set_io(const char *dir, const struct spec_blkio *b, struct ward_error *err);
int cg_v2_set_hugetlb(const char *dir, const struct spec_resources *r, struct ward_error *err);
/* linux.resources.unified, validated against the cgroup's own controllers. */
int cg_v2_set_unified(const char *dir, const struct spec_map *u, struct ward_error *err);

/* Conversions (runc's formulas, so the same config means the same weight). */
uint64_t cg_cpu_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight);
/* OCI memory.swap (memory+swap) -> memory.swap.max (swap alone). 0 = leave
 * alone, -1 = "max". */
int cg_v2_swap_value(int64_t swap, int64_t limit, int64_t *out, struct ward_error *err);

/* devices: cgroup_devices.c (the rule model), _v1.c and _bpf.c */
#define CG_DEV_READ 0x1u
#define CG_DEV_WRITE 0x2u
#define CG_DEV_MKNOD 0x4u
#define CG_DEV_ALL 0x7u
#define CG_DEV_WILDCARD (-1LL)

struct cg_dev_rule {
	char type;       /* 'c' or 'b' ('a' never remains in a built state) */
	int64_t major;   /* CG_DEV_WILDCARD for any */
	int64_t minor;
	unsigned access; /* CG_DEV_* bits */
};

/* The effective device policy: a default plus exceptions to it, the form
 * both the v1 devices controller and the v2 program take. */
struct cg_dev_state {
	bool default_allow;
	struct cg_dev_rule *ex;
	size_t n;
};

void cg_dev_state_free(struct cg_dev_state *st);
/* Evaluate linux.resources.devices in order, then ward's defaults. */
int cg_dev_build(const struct spec_device_cgroup *rules, size_t n, struct cg_dev_state *out,
		 struct ward_error *err);
/* Parse a v1 devices.list ("c 1:3 rwm" lines; "a *:* rwm" = allow all). */
int cg_dev_parse_list(const char *text, struct cg_dev_state *out, struct ward_error *err);
/* Would the policy let `access` happen on (type, major, minor)? */
bool cg_dev_allows(const struct cg_dev_state *st, char type, int64_t major, int64_t minor,
		   unsigned access);
int cg_v1_set_devices(const char *dir, const struct cg_dev_state *st, struct ward_error *err);
/* The BPF_PROG_TYPE_CGROUP_DEVICE program for a policy (malloc'd). */
struct bpf_insn;
struct bpf_insn *cg_bpf_dev_program(const struct cg_dev_state *st, size_t *n,
				    struct ward_error *err);
/* Load it and attach it to the cgroup2 directory `dir`, replacing the
 * programs attached there before. */
int cg_v2_set_devices(const char *dir, const struct cg_dev_state *st, struct ward_error *err);

/* v1 */
/* Fill empty cpuset.cpus/mems of dir from its parent directory. */
int cg_v1_cpuset_init(const char *dir, bool own, struct ward_error *err);
bool cg_v1_is_frozen(const struct cgroup_loc *cg);
int cg_v1_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err);

/* v2 */
bool cg_v2_is_frozen(const struct cgroup_loc *cg);
int cg_v2_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err);
/* 1 if killed through cgroup.kill, 0 if the kernel has no cgroup.kill. */
int cg_v2_kill(const struct cgroup_loc *cg, struct ward_error *err);

#endif
