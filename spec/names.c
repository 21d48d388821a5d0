/* Name <-> number tables shared by the parser and the runtime. */
#include <string.h>
#include <sys/resource.h>

#include "parse_internal.h"

bool spec_name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* ---- namespaces ---- */

static const char *const ns_names[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = "pid",
	[SPEC_NS_NETWORK] = "network",
	[SPEC_NS_MOUNT] = "mount",
	[SPEC_NS_IPC] = "ipc",
	[SPEC_NS_UTS] = "uts",
	[SPEC_NS_USER] = "user",
	[SPEC_NS_CGROUP] = "cgroup",
	[SPEC_NS_TIME] = "time",
};

const char *spec_ns_type_name(enum spec_ns_type t)
{
	if ((unsigned)t >= SPEC_NS__COUNT)
		return NULL;
	return ns_names[t];
}

int spec_ns_type_from_name(const char *name)
{
	for (int i = 0; i < SPEC_NS__COUNT; i++)
		if (strcmp(name, ns_names[i]) == 0)
			return i;
	return -1;
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t)
{
	if (s == NULL || s->linux == NULL)
		return NULL;
	for (size_t i = 0; i < s->linux->n_namespaces; i++)
		if (s->linux->namespaces[i].type == t)
			return &s->linux->namespaces[i];
	return NULL;
}

const char *spec_annotation(const struct spec *s, const char *key)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < s->annotations.len; i++)
		if (strcmp(s->annotations.items[i].key, key) == 0)
			return s->annotations.items[i].value;
	return NULL;
}

/* ---- capabilities: numbers from linux/capability.h ---- */

static const char *const cap_names[] = {
	"CAP_CHOWN",            /* 0 */
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",             /* 5 */
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", /* 10 */
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",        /* 15 */
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",        /* 20 */
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",         /* 25 */
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",    /* 30 */
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",       /* 35 */
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", /* 40 */
};

#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int spec_capability_from_name(const char *name)
{
	for (int i = 0; i < N_CAPS; i++)
		if (strcmp(name, cap_names[i]) == 0)
			return i;
	return -1;
}

const char *spec_capability_name(int cap)
{
	if (cap < 0 || cap >= N_CAPS)
		return NULL;
	return cap_names[cap];
}

int spec_capability_last(void)
{
	return N_CAPS - 1;
}

/* ---- rlimits ---- */

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int spec_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcmp(name, rlimits[i].name) == 0)
			return rlimits[i].resource;
	return -1;
}

/* ---- seccomp (config-linux.md, "Seccomp") ---- */

static const char *const action_names[] = {
	[SPEC_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
	[SPEC_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[SPEC_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[SPEC_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
	[SPEC_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[SPEC_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
	[SPEC_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[SPEC_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
	[SPEC_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
	[SPEC_SCMP_NE] = "SCMP_CMP_NE",
	[SPEC_SCMP_LT] = "SCMP_CMP_LT",
	[SPEC_SCMP_LE] = "SCMP_CMP_LE",
	[SPEC_SCMP_EQ] = "SCMP_CMP_EQ",
	[SPEC_SCMP_GE] = "SCMP_CMP_GE",
	[SPEC_SCMP_GT] = "SCMP_CMP_GT",
	[SPEC_SCMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *spec_seccomp_action_name(enum spec_seccomp_action a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return NULL;
	return action_names[a];
}

const char *spec_seccomp_op_name(enum spec_seccomp_op op)
{
	if ((unsigned)op >= sizeof(op_names) / sizeof(op_names[0]))
		return NULL;
	return op_names[op];
}

int spec_seccomp_action_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}

int spec_seccomp_op_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(name, op_names[i]) == 0)
			return (int)i;
	return -1;
}

/* The spec's list plus the newer ones libseccomp knows by name. */
static const char *const arch_names[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", NULL,
};

static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};

bool spec_seccomp_arch_known(const char *name)
{
	return spec_name_in(name, arch_names);
}

bool spec_seccomp_flag_known(const char *name)
{
	return spec_name_in(name, seccomp_flags);
}
