/* The node policy file (/etc/ward/policy.json): the model and its parser.
 * Pure data, like the config model: errors name the JSON path
 * ("policy.json: profiles.restricted.rules.capabilities.mode: ...").
 *
 * Schema (version 1):
 *   {
 *     "version": 1,
 *     "defaultProfile": "restricted",
 *     "auditLog": "/var/log/ward/audit.log",          optional, this default
 *     "idPool": { "start": 1000000, "ranges": 1024,  host ids handed out to
 *                 "stateDir": "/var/lib/ward" },     pods, 65536 per range
 *     "profiles": {
 *       "restricted": {
 *         "level": 2,                 a pod may only pick a profile whose
 *                                     level is >= the default's
 *         "rules": { "<rule>": { "mode": "enforce" | "audit" | "default", ... } },
 *         "egress": { "mode": ..., "allow": [ {"cidr","ports","protocol"} ],
 *                     "dns": [ "10.96.0.10" ], "podAllow": [ "10.0.0.0/8" ] }
 *       }
 *     }
 *   }
 * Rules and their extra members: see enum policy_rule_id and policy_rule. A
 * rule that is absent is off. Unknown members anywhere are errors: a typo
 * in a policy must never silently drop a restriction. */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

#define WARD_POLICY_VERSION 1
#define WARD_POLICY_DEFAULT_PATH "/etc/ward/policy.json"
#define WARD_POLICY_DEFAULT_AUDIT_LOG "/var/log/ward/audit.log"
#define WARD_POLICY_DEFAULT_STATE_DIR "/var/lib/ward"
#define WARD_POLICY_RANGE_SIZE 65536u

enum policy_mode {
	POLICY_OFF = 0,
	POLICY_ENFORCE, /* refuse the create */
	POLICY_AUDIT,   /* allow, log */
	POLICY_DEFAULT, /* fill what is missing, never change what is there */
};

enum policy_rule_id {
	RULE_CAPABILITIES,       /* allowed: capability names */
	RULE_SECCOMP,            /* a profile is required; the floor is stacked */
	RULE_NO_NEW_PRIVILEGES,
	RULE_NAMESPACES,         /* private pid, network, ipc, uts */
	RULE_KERNEL_FILESYSTEMS, /* no writable /sys or /proc/sys */
	RULE_HOST_PATHS,         /* allowed / denied: host path prefixes */
	RULE_SYSCTLS,            /* allowed: names (default: Kubernetes' safe set) */
	RULE_MASKED_PATHS,       /* masked and read-only paths hold the defaults */
	RULE_RESOURCES,          /* memory / pids: max and default */
	RULE_HOOKS,              /* allowed: hook paths */
	RULE_LANDLOCK,
	RULE_DEVICES,            /* allowed: "c 1:3", "c 136:*" */
	RULE_USER_NAMESPACE,     /* a user namespace, with a pod range from idPool */
	RULE__COUNT
};

struct policy_limit {
	opt_i64 max;
	opt_i64 def;
};

struct policy_rule {
	enum policy_mode mode;
	struct spec_strv allowed;
	struct spec_strv denied;
	struct policy_limit memory; /* resources */
	struct policy_limit pids;   /* resources */
};

enum policy_proto { POLICY_PROTO_ANY, POLICY_PROTO_TCP, POLICY_PROTO_UDP };

/* One allowed destination: an address prefix, a port range, a protocol. */
struct policy_net {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network byte order; v4 in the first 4 bytes */
	unsigned prefix;   /* bits */
	uint16_t port_lo, port_hi; /* 0-65535 = any */
	enum policy_proto proto;
};

struct policy_egress {
	enum policy_mode mode; /* OFF: no egress control */
	struct policy_net *allow;
	size_t n_allow;
	struct policy_net *pod_allow; /* what a pod's annotation may add */
	size_t n_pod_allow;
	struct policy_net *dns;       /* resolvers: port 53, TCP and UDP */
	size_t n_dns;
};

struct policy_profile {
	char *name;
	int64_t level;
	struct policy_rule rules[RULE__COUNT];
	struct policy_egress egress;
};

struct ward_policy {
	int64_t version;
	char *default_profile;
	char *audit_log;
	struct {
		bool set;
		uint64_t start;  /* first host id */
		uint64_t ranges; /* how many 65536-id ranges */
		char *state_dir;
	} id_pool;
	struct policy_profile *profiles;
	size_t n_profiles;
};

/* Parse a policy document; `what` names it in messages. */
struct ward_policy *policy_parse(const char *data, size_t len, const char *what,
				 struct ward_error *err);
/* Read and parse a file. A missing file is ENOENT in err->errnum. */
struct ward_policy *policy_parse_file(const char *path, struct ward_error *err);
void policy_free(struct ward_policy *p);

const struct policy_profile *policy_find_profile(const struct ward_policy *p, const char *name);
const char *policy_rule_name(enum policy_rule_id id);
const char *policy_mode_name(enum policy_mode m);
/* The run.ward.egress annotation: a JSON array of egress.allow objects. */
int policy_parse_net_annotation(const char *data, const char *what, struct policy_net **out,
				size_t *n, struct ward_error *err);
/* "10.0.0.0/8", "fd00::/8", "1.2.3.4" (a host); 0 or -1. */
int policy_parse_cidr(const char *s, struct policy_net *out);
/* "53", "8000-8080", "" or "*" (any). 0 or -1. */
int policy_parse_ports(const char *s, uint16_t *lo, uint16_t *hi);

static inline void policy_freep(struct ward_policy **p)
{
	if (*p)
		policy_free(*p);
	*p = NULL;
}
#define cleanup_policy __attribute__((cleanup(policy_freep)))

#endif
