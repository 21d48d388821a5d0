/* The OCI runtime-spec (v1.3.0) configuration model: typed structs for
 * config.json, a parser that reports errors by JSON path, a validator and an
 * emitter. Pure data: nothing here makes a syscall beyond reading a file. */
#ifndef WARD_SPEC_H
#define WARD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* GNU C predefines `linux` as 1; struct spec has a member of that name. */
#undef linux

#define WARD_OCI_VERSION "1.3.0"

/* Optional scalars: `set` tells whether the field was present. */
typedef struct { bool set; bool value; } opt_bool;
typedef struct { bool set; int32_t value; } opt_i32;
typedef struct { bool set; uint32_t value; } opt_u32;
typedef struct { bool set; uint16_t value; } opt_u16;
typedef struct { bool set; int64_t value; } opt_i64;
typedef struct { bool set; uint64_t value; } opt_u64;

/* A string→string map, insertion order kept (annotations, sysctl, unified). */
struct spec_kv {
	char *key;
	char *value;
};
struct spec_map {
	struct spec_kv *items;
	size_t len;
};

/* NULL-terminated string arrays carry their length alongside. */
struct spec_strv {
	char **items; /* NULL-terminated; NULL when absent */
	size_t len;
};

/* ---- process ---- */

struct spec_user {
	uint32_t uid;
	uint32_t gid;
	opt_u32 umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; kept for round-trip */
};

struct spec_capabilities {
	struct spec_strv bounding;
	struct spec_strv effective;
	struct spec_strv inheritable;
	struct spec_strv permitted;
	struct spec_strv ambient;
};

struct spec_rlimit {
	char *type;    /* "RLIMIT_NOFILE" */
	int resource;  /* RLIMIT_NOFILE, resolved by the parser */
	uint64_t hard;
	uint64_t soft;
};

struct spec_io_priority {
	char *klass;  /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
	int32_t priority;
};

struct spec_scheduler {
	char *policy; /* "SCHED_OTHER", "SCHED_FIFO", ... */
	opt_i32 nice;
	opt_i32 priority;
	struct spec_strv flags;
	opt_u64 runtime;
	opt_u64 deadline;
	opt_u64 period;
};

struct spec_cpu_affinity {
	char *initial;
	char *final;
};

struct spec_console_size {
	uint32_t height;
	uint32_t width;
};

struct spec_process {
	bool terminal;
	struct spec_console_size *console_size; /* NULL if absent */
	struct spec_user user;
	struct spec_strv args;
	char *command_line; /* Windows only */
	struct spec_strv env;
	char *cwd;
	struct spec_capabilities *capabilities; /* NULL if absent */
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	opt_i32 oom_score_adj;
	char *selinux_label;
	struct spec_io_priority *io_priority;     /* NULL if absent */
	struct spec_scheduler *scheduler;         /* NULL if absent */
	struct spec_cpu_affinity *exec_cpu_affinity; /* NULL if absent */
};

/* ---- root, mounts ---- */

struct spec_root {
	char *path;
	bool readonly;
};

struct spec_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct spec_mount {
	char *destination;
	char *type;
	char *source;
	struct spec_strv options;
	struct spec_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct spec_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

/* ---- hooks ---- */

struct spec_hook {
	char *path;
	struct spec_strv args;
	struct spec_strv env;
	opt_i32 timeout; /* seconds, > 0 when set */
};

struct spec_hook_list {
	struct spec_hook *items;
	size_t len;
};

struct spec_hooks {
	struct spec_hook_list prestart; /* deprecated, still run */
	struct spec_hook_list create_runtime;
	struct spec_hook_list create_container;
	struct spec_hook_list start_container;
	struct spec_hook_list poststart;
	struct spec_hook_list poststop;
};

/* ---- linux ---- */

enum spec_ns_type {
	SPEC_NS_PID,
	SPEC_NS_NETWORK,
	SPEC_NS_MOUNT,
	SPEC_NS_IPC,
	SPEC_NS_UTS,
	SPEC_NS_USER,
	SPEC_NS_CGROUP,
	SPEC_NS_TIME,
	SPEC_NS__COUNT
};

struct spec_namespace {
	enum spec_ns_type type;
	char *path; /* NULL: create a new one; else join */
};

struct spec_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_device {
	char *type; /* "c", "b", "u", "p" */
	char *path;
	int64_t major;
	int64_t minor;
	opt_u32 file_mode;
	opt_u32 uid;
	opt_u32 gid;
};

struct spec_device_cgroup {
	bool allow;
	char *type;   /* "a", "c", "b"; NULL = all */
	opt_i64 major;
	opt_i64 minor;
	char *access; /* "rwm" subset; NULL = all */
};

struct spec_memory {
	opt_i64 limit;
	opt_i64 reservation;
	opt_i64 swap;
	opt_i64 kernel;
	opt_i64 kernel_tcp;
	opt_u64 swappiness;
	opt_bool disable_oom_killer;
	opt_bool use_hierarchy;
	opt_bool check_before_update;
};

struct spec_cpu {
	opt_u64 shares;
	opt_i64 quota;
	opt_u64 burst;
	opt_u64 period;
	opt_i64 realtime_runtime;
	opt_u64 realtime_period;
	char *cpus;
	char *mems;
	opt_i64 idle;
};

struct spec_pids {
	opt_i64 limit;
};

struct spec_weight_device {
	int64_t major;
	int64_t minor;
	opt_u16 weight;
	opt_u16 leaf_weight;
};

struct spec_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct spec_throttle_list {
	struct spec_throttle_device *items;
	size_t len;
};

struct spec_blkio {
	opt_u16 weight;
	opt_u16 leaf_weight;
	struct spec_weight_device *weight_device;
	size_t n_weight_device;
	struct spec_throttle_list throttle_read_bps;
	struct spec_throttle_list throttle_write_bps;
	struct spec_throttle_list throttle_read_iops;
	struct spec_throttle_list throttle_write_iops;
};

struct spec_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct spec_net_priority {
	char *name;
	uint32_t priority;
};

struct spec_network {
	opt_u32 class_id;
	struct spec_net_priority *priorities;
	size_t n_priorities;
};

struct spec_rdma {
	char *device;
	opt_u32 hca_handles;
	opt_u32 hca_objects;
};

struct spec_resources {
	struct spec_device_cgroup *devices;
	size_t n_devices;
	struct spec_memory *memory;   /* NULL if absent */
	struct spec_cpu *cpu;         /* NULL if absent */
	struct spec_pids *pids;       /* NULL if absent */
	struct spec_blkio *block_io;  /* NULL if absent */
	struct spec_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct spec_network *network; /* NULL if absent */
	struct spec_rdma *rdma;
	size_t n_rdma;
	struct spec_map unified;
};

enum spec_seccomp_op {
	SPEC_SCMP_NE,
	SPEC_SCMP_LT,
	SPEC_SCMP_LE,
	SPEC_SCMP_EQ,
	SPEC_SCMP_GE,
	SPEC_SCMP_GT,
	SPEC_SCMP_MASKED_EQ,
};

/* Actions by name; the runtime maps them to libseccomp values. */
enum spec_seccomp_action {
	SPEC_SCMP_ACT_KILL,         /* SCMP_ACT_KILL (= KILL_THREAD) */
	SPEC_SCMP_ACT_KILL_PROCESS,
	SPEC_SCMP_ACT_KILL_THREAD,
	SPEC_SCMP_ACT_TRAP,
	SPEC_SCMP_ACT_ERRNO,
	SPEC_SCMP_ACT_TRACE,
	SPEC_SCMP_ACT_ALLOW,
	SPEC_SCMP_ACT_LOG,
	SPEC_SCMP_ACT_NOTIFY,
};

struct spec_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	enum spec_seccomp_op op;
};

struct spec_seccomp_syscall {
	struct spec_strv names;
	enum spec_seccomp_action action;
	opt_u32 errno_ret;
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	enum spec_seccomp_action default_action;
	opt_u32 default_errno_ret;
	struct spec_strv architectures; /* "SCMP_ARCH_X86_64", ... */
	struct spec_strv flags;         /* "SECCOMP_FILTER_FLAG_LOG", ... */
	char *listener_path;
	char *listener_metadata;
	struct spec_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct spec_personality {
	char *domain; /* "LINUX" | "LINUX32" */
	struct spec_strv flags;
};

struct spec_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	struct spec_strv schemata;
	opt_bool enable_monitoring;
};

struct spec_memory_policy {
	char *mode;  /* "MPOL_DEFAULT", "MPOL_BIND", ... */
	char *nodes;
	struct spec_strv flags;
};

struct spec_net_device {
	char *host_name;  /* the map key */
	char *name;       /* name inside the container; NULL = same */
};

struct spec_linux {
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct spec_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct spec_time_offset time_monotonic;
	struct spec_time_offset time_boottime;
	struct spec_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct spec_resources *resources; /* NULL if absent */
	struct spec_map sysctl;
	struct spec_seccomp *seccomp;     /* NULL if absent */
	char *rootfs_propagation;         /* "shared", "rprivate", ... */
	struct spec_strv masked_paths;
	struct spec_strv readonly_paths;
	char *mount_label;
	struct spec_personality *personality; /* NULL if absent */
	struct spec_intel_rdt *intel_rdt;     /* NULL if absent */
	struct spec_memory_policy *memory_policy; /* NULL if absent */
	struct spec_net_device *net_devices;
	size_t n_net_devices;
};

struct spec {
	char *oci_version;
	struct spec_process *process; /* NULL if absent */
	struct spec_root *root;       /* NULL if absent */
	char *hostname;
	char *domainname;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_hooks *hooks;     /* NULL if absent */
	struct spec_map annotations;
	struct spec_linux *linux;     /* NULL if absent */
};

/* ---- API ---- */

/* Parse a config from memory. `what` names the input in messages (a file
 * name). On error returns NULL and err->msg reads
 * "<what>: <json.path>: <reason>" (or "<what>: line L, column C: <reason>"
 * for malformed JSON). */
struct spec *spec_parse(const char *data, size_t len, const char *what, struct ward_error *err);

/* Read and parse a file. */
struct spec *spec_parse_file(const char *path, struct ward_error *err);
/* A whole regular file into a malloc'd buffer (bounded in size). */
int spec_read_file(const char *path, char **out, size_t *len, struct ward_error *err);

/* Parse a lone OCI Process object (`ward exec --process`); paths in
 * messages are rooted at the object ("process.json: user.uid: ..."), and
 * args must hold at least one entry. */
struct spec_process *spec_parse_process(const char *data, size_t len, const char *what,
					struct ward_error *err);

/* Parse a lone LinuxResources object (`ward update --resources`). */
struct spec_resources *spec_parse_resources(const char *data, size_t len, const char *what,
					    struct ward_error *err);

/* Checks that need the whole document, beyond the per-field checks done
 * while parsing; `for_start` also requires process.args and root.path.
 * Messages read "<json.path>: <reason>"; callers prefix the file name. */
int spec_validate(const struct spec *s, bool for_start, struct ward_error *err);

/* Emit JSON (malloc'd, NUL-terminated). pretty = indented. */
char *spec_emit(const struct spec *s, bool pretty, size_t *len_out, struct ward_error *err);
char *spec_emit_process(const struct spec_process *p, bool pretty, size_t *len_out,
			struct ward_error *err);
char *spec_emit_resources(const struct spec_resources *r, bool pretty, size_t *len_out,
			  struct ward_error *err);

/* The config `ward spec` writes. rootless: user namespace with the caller's ids. */
struct spec *spec_default(bool rootless, uint32_t uid, uint32_t gid, struct ward_error *err);

void spec_free(struct spec *s);
void spec_seccomp_free(struct spec_seccomp *s);

/* ward's default seccomp profile (contrib/seccomp/default.json, compiled
 * in) into l->seccomp: the template's profile and the policy's floor. */
int spec_default_seccomp(struct spec_linux *l, struct ward_error *err);
/* The masked and read-only paths of the template, NULL-terminated. */
extern const char *const spec_default_masked_paths[];
extern const char *const spec_default_readonly_paths[];
void spec_process_free(struct spec_process *p);
void spec_resources_free(struct spec_resources *r);

/* Lookups used by both the parser and the runtime. */
const char *spec_ns_type_name(enum spec_ns_type t);      /* "pid", "network", ... */
int spec_ns_type_from_name(const char *name);           /* -1 if unknown */
const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t);
const char *spec_annotation(const struct spec *s, const char *key); /* NULL if absent */
int spec_capability_from_name(const char *name);        /* CAP_* number, -1 if unknown */
const char *spec_capability_name(int cap);               /* NULL if out of range */
int spec_capability_last(void);                          /* highest number known */
int spec_rlimit_from_name(const char *name);             /* RLIMIT_* number, -1 if unknown */
const char *spec_seccomp_action_name(enum spec_seccomp_action a);
const char *spec_seccomp_op_name(enum spec_seccomp_op op);

static inline void spec_freep(struct spec **s)
{
	if (*s)
		spec_free(*s);
	*s = NULL;
}
#define cleanup_spec __attribute__((cleanup(spec_freep)))

#endif
