/* policy.json -> struct ward_policy. Strict: an unknown member, rule or
 * mode is an error naming its path, as a typo must not drop a rule. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "parse_internal.h"
#include "policy.h"

static const char *const rule_names[RULE__COUNT] = {
	[RULE_CAPABILITIES] = "capabilities",
	[RULE_SECCOMP] = "seccomp",
	[RULE_NO_NEW_PRIVILEGES] = "noNewPrivileges",
	[RULE_NAMESPACES] = "namespaces",
	[RULE_KERNEL_FILESYSTEMS] = "kernelFilesystems",
	[RULE_HOST_PATHS] = "hostPaths",
	[RULE_SYSCTLS] = "sysctls",
	[RULE_MASKED_PATHS] = "maskedPaths",
	[RULE_RESOURCES] = "resources",
	[RULE_HOOKS] = "hooks",
	[RULE_LANDLOCK] = "landlock",
	[RULE_DEVICES] = "devices",
	[RULE_USER_NAMESPACE] = "userNamespace",
};

const char *policy_rule_name(enum policy_rule_id id)
{
	return id < RULE__COUNT ? rule_names[id] : "?";
}

const char *policy_mode_name(enum policy_mode m)
{
	switch (m) {
	case POLICY_ENFORCE:
		return "enforce";
	case POLICY_AUDIT:
		return "audit";
	case POLICY_DEFAULT:
		return "default";
	default:
		return "off";
	}
}

static int parse_mode(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *obj, enum policy_mode *out)
{
	cleanup_free char *m = NULL;

	if (p_str(c, p, obj, "mode", REQ, &m) < 0)
		return -1;
	if (strcmp(m, "enforce") == 0)
		*out = POLICY_ENFORCE;
	else if (strcmp(m, "audit") == 0)
		*out = POLICY_AUDIT;
	else if (strcmp(m, "default") == 0)
		*out = POLICY_DEFAULT;
	else
		return json_fail(c, JP_FIELD(p, "mode"),
				 "unknown mode \"%s\" (want enforce, audit or default)", m);
	return 0;
}

static int parse_limit(const struct json_ctx *c, const struct json_path *p,
		       const struct json_value *v, struct policy_limit *out)
{
	static const char *const known[] = { "max", "default", NULL };

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0)
		return -1;
	if (p_oi64(c, p, v, "max", 1, INT64_MAX, &out->max) < 0 ||
	    p_oi64(c, p, v, "default", 1, INT64_MAX, &out->def) < 0)
		return -1;
	if (out->max.set && out->def.set && out->def.value > out->max.value)
		return json_fail(c, JP_FIELD(p, "default"), "above max (%lld)",
				 (long long)out->max.value);
	return 0;
}

static int parse_rule(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, enum policy_rule_id id, struct policy_rule *r)
{
	static const char *const plain[] = { "mode", NULL };
	static const char *const with_allowed[] = { "mode", "allowed", NULL };
	static const char *const host_paths[] = { "mode", "allowed", "denied", NULL };
	static const char *const resources[] = { "mode", "memory", "pids", NULL };
	const char *const *known = plain;
	const struct json_value *x;

	switch (id) {
	case RULE_CAPABILITIES:
	case RULE_SYSCTLS:
	case RULE_HOOKS:
	case RULE_DEVICES:
		known = with_allowed;
		break;
	case RULE_HOST_PATHS:
		known = host_paths;
		break;
	case RULE_RESOURCES:
		known = resources;
		break;
	default:
		break;
	}
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0 ||
	    parse_mode(c, p, v, &r->mode) < 0)
		return -1;
	if (p_strv(c, p, v, "allowed", &r->allowed) < 0 || p_strv(c, p, v, "denied", &r->denied) < 0)
		return -1;
	if (p_member(c, p, v, "memory", OPT, &x) < 0 ||
	    (x && parse_limit(c, JP_FIELD(p, "memory"), x, &r->memory) < 0))
		return -1;
	if (p_member(c, p, v, "pids", OPT, &x) < 0 ||
	    (x && parse_limit(c, JP_FIELD(p, "pids"), x, &r->pids) < 0))
		return -1;
	if (id == RULE_CAPABILITIES)
		for (size_t i = 0; i < r->allowed.len; i++)
			if (spec_capability_from_name(r->allowed.items[i]) < 0)
				return json_fail(c, JP_INDEX_OF(JP_FIELD(p, "allowed"), i),
						 "unknown capability \"%s\"", r->allowed.items[i]);
	if (id == RULE_HOST_PATHS || id == RULE_HOOKS) {
		for (size_t i = 0; i < r->allowed.len; i++)
			if (p_absolute(c, JP_INDEX_OF(JP_FIELD(p, "allowed"), i), r->allowed.items[i]) < 0)
				return -1;
		for (size_t i = 0; i < r->denied.len; i++)
			if (p_absolute(c, JP_INDEX_OF(JP_FIELD(p, "denied"), i), r->denied.items[i]) < 0)
				return -1;
	}
	return 0;
}

static int parse_rules(const struct json_ctx *c, const struct json_path *p,
		       const struct json_value *v, struct policy_profile *prof)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		int id = -1;

		if (m->dup)
			continue;
		for (int k = 0; k < RULE__COUNT; k++)
			if (json_key_is(m, rule_names[k], strlen(rule_names[k])))
				id = k;
		if (id < 0)
			return json_fail(c, JP_MAPKEY_OF(p, m), "unknown rule");
		if (parse_rule(c, JP_FIELD(p, rule_names[id]), &m->value, id, &prof->rules[id]) < 0)
			return -1;
	}
	return 0;
}

/* ---- addresses ---- */

int policy_parse_cidr(const char *s, struct policy_net *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(out->addr, 0, sizeof(out->addr));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	out->prefix = max;
	if (slash) {
		errno = 0;
		unsigned long n = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || n > max)
			return -1;
		out->prefix = (unsigned)n;
	}
	/* Host bits must be zero: "10.1.2.3/8" is almost always a mistake. */
	for (unsigned bit = out->prefix; bit < max; bit++)
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -1;
	return 0;
}

int policy_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (s[0] == '\0' || strcmp(s, "*") == 0) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -1;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		const char *q = end + 1;
		if (*q < '0' || *q > '9')
			return -1;
		b = strtoul(q, &end, 10);
	}
	if (*end || a > 65535 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int parse_net(const struct json_ctx *c, const struct json_path *p,
		     const struct json_value *v, bool with_port, struct policy_net *out)
{
	static const char *const known[] = { "cidr", "ports", "protocol", NULL };
	cleanup_free char *cidr = NULL, *ports = NULL, *proto = NULL;

	if (!with_port) {
		/* a bare CIDR string */
		if (json_string(c, p, v, &cidr) < 0)
			return -1;
		if (policy_parse_cidr(cidr, out) < 0)
			return json_fail(c, p, "\"%s\": want an address or CIDR with zero host bits", cidr);
		out->port_lo = 0;
		out->port_hi = 65535;
		return 0;
	}
	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0 ||
	    p_str(c, p, v, "cidr", REQ, &cidr) < 0 || p_str(c, p, v, "ports", OPT, &ports) < 0 ||
	    p_str(c, p, v, "protocol", OPT, &proto) < 0)
		return -1;
	if (policy_parse_cidr(cidr, out) < 0)
		return json_fail(c, JP_FIELD(p, "cidr"),
				 "\"%s\": want an address or CIDR with zero host bits", cidr);
	if (policy_parse_ports(ports ? ports : "", &out->port_lo, &out->port_hi) < 0)
		return json_fail(c, JP_FIELD(p, "ports"), "\"%s\": want a port or a range \"lo-hi\"",
				 ports);
	if (proto == NULL || strcmp(proto, "any") == 0)
		out->proto = POLICY_PROTO_ANY;
	else if (strcmp(proto, "tcp") == 0)
		out->proto = POLICY_PROTO_TCP;
	else if (strcmp(proto, "udp") == 0)
		out->proto = POLICY_PROTO_UDP;
	else
		return json_fail(c, JP_FIELD(p, "protocol"), "\"%s\": want tcp, udp or any", proto);
	return 0;
}

static int parse_net_list(const struct json_ctx *c, const struct json_path *p,
			  const struct json_value *obj, const char *key, bool with_port,
			  struct policy_net **out, size_t *n)
{
	const struct json_value *arr;

	if (p_array(c, p, obj, key, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	*out = p_calloc(c, p, arr->len, sizeof(**out));
	if (*out == NULL)
		return -1;
	for (size_t i = 0; i < arr->len; i++) {
		if (parse_net(c, JP_INDEX_OF(JP_FIELD(p, key), i), &arr->u.items[i], with_port,
			      &(*out)[i]) < 0)
			return -1;
		*n = i + 1;
	}
	return 0;
}

static int parse_egress(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v, struct policy_egress *e)
{
	static const char *const known[] = { "mode", "allow", "dns", "podAllow", NULL };

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0 ||
	    parse_mode(c, p, v, &e->mode) < 0)
		return -1;
	return parse_net_list(c, p, v, "allow", true, &e->allow, &e->n_allow) < 0 ||
			       parse_net_list(c, p, v, "podAllow", true, &e->pod_allow,
					      &e->n_pod_allow) < 0 ||
			       parse_net_list(c, p, v, "dns", false, &e->dns, &e->n_dns) < 0
		       ? -1
		       : 0;
}

/* The annotation run.ward.egress holds a JSON array of the same objects as
 * egress.allow. */
int policy_parse_net_annotation(const char *data, const char *what, struct policy_net **out,
				size_t *n, struct ward_error *err)
{
	struct json_ctx c = { what, err };
	struct json_doc doc;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (json_parse(data, strlen(data), what, &doc, err) < 0)
		return -1;
	if (json_expect(&c, NULL, &doc.root, JSON_ARRAY) == 0) {
		*out = p_calloc(&c, NULL, doc.root.len, sizeof(**out));
		rc = *out ? 0 : -1;
		for (size_t i = 0; rc == 0 && i < doc.root.len; i++) {
			rc = parse_net(&c, JP_INDEX_OF(NULL, i), &doc.root.u.items[i], true, &(*out)[i]);
			*n = i + 1;
		}
	}
	json_doc_free(&doc);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- profiles and the top level ---- */

static int parse_profile(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, struct policy_profile *prof)
{
	static const char *const known[] = { "level", "rules", "egress", NULL };
	const struct json_value *x;
	bool set = false;

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0)
		return -1;
	if (p_int(c, p, v, "level", REQ, 0, INT32_MAX, &prof->level, &set) < 0)
		return -1;
	if (p_member(c, p, v, "rules", OPT, &x) < 0 ||
	    (x && parse_rules(c, JP_FIELD(p, "rules"), x, prof) < 0))
		return -1;
	if (p_member(c, p, v, "egress", OPT, &x) < 0 ||
	    (x && parse_egress(c, JP_FIELD(p, "egress"), x, &prof->egress) < 0))
		return -1;
	return 0;
}

static int parse_id_pool(const struct json_ctx *c, const struct json_path *p,
			 const struct json_value *v, struct ward_policy *pol)
{
	static const char *const known[] = { "start", "ranges", "stateDir", NULL };

	if (json_expect(c, p, v, JSON_OBJECT) < 0 || json_strict(c, p, v, known) < 0)
		return -1;
	/* Ids are 32-bit and (uid_t)-1 is reserved. */
	if (p_uint(c, p, v, "start", REQ, UINT32_MAX - 1, &pol->id_pool.start, NULL) < 0 ||
	    p_uint(c, p, v, "ranges", REQ, 65535, &pol->id_pool.ranges, NULL) < 0 ||
	    p_str(c, p, v, "stateDir", OPT, &pol->id_pool.state_dir) < 0)
		return -1;
	if (pol->id_pool.start == 0)
		return json_fail(c, JP_FIELD(p, "start"), "must not include host id 0");
	if (pol->id_pool.ranges == 0)
		return json_fail(c, JP_FIELD(p, "ranges"), "must be at least 1");
	if (pol->id_pool.start + pol->id_pool.ranges * WARD_POLICY_RANGE_SIZE > UINT32_MAX)
		return json_fail(c, JP_FIELD(p, "ranges"), "the pool goes past host id 4294967294");
	if (pol->id_pool.state_dir && p_absolute(c, JP_FIELD(p, "stateDir"), pol->id_pool.state_dir) < 0)
		return -1;
	pol->id_pool.set = true;
	return 0;
}

static int parse_profiles(const struct json_ctx *c, const struct json_path *p,
			  const struct json_value *v, struct ward_policy *pol)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	if (v->len == 0)
		return json_fail(c, p, "at least one profile is needed");
	pol->profiles = p_calloc(c, p, v->len, sizeof(*pol->profiles));
	if (pol->profiles == NULL)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->u.members[i];
		struct policy_profile *prof = &pol->profiles[pol->n_profiles];

		if (m->dup)
			continue;
		if (m->key_len == 0 || memchr(m->key, '\0', m->key_len))
			return json_fail(c, JP_MAPKEY_OF(p, m), "bad profile name");
		prof->name = strndup(m->key, m->key_len);
		if (prof->name == NULL)
			return json_fail(c, p, "out of memory");
		pol->n_profiles++;
		if (parse_profile(c, JP_FIELD(p, prof->name), &m->value, prof) < 0)
			return -1;
	}
	return 0;
}

static int parse_policy_top(const struct json_ctx *c, const struct json_value *v,
			    struct ward_policy *pol)
{
	static const char *const known[] = { "version", "defaultProfile", "auditLog", "idPool",
					     "profiles", NULL };
	const struct json_value *x;
	bool set = false;

	if (json_expect(c, NULL, v, JSON_OBJECT) < 0 || json_strict(c, NULL, v, known) < 0)
		return -1;
	if (p_int(c, NULL, v, "version", REQ, 0, INT32_MAX, &pol->version, &set) < 0)
		return -1;
	if (pol->version != WARD_POLICY_VERSION)
		return json_fail(c, JP_FIELD(NULL, "version"), "unsupported version %lld (this ward reads %d)",
				 (long long)pol->version, WARD_POLICY_VERSION);
	if (p_str(c, NULL, v, "defaultProfile", REQ, &pol->default_profile) < 0 ||
	    p_str(c, NULL, v, "auditLog", OPT, &pol->audit_log) < 0)
		return -1;
	if (pol->audit_log && p_absolute(c, JP_FIELD(NULL, "auditLog"), pol->audit_log) < 0)
		return -1;
	if (p_member(c, NULL, v, "idPool", OPT, &x) < 0 ||
	    (x && parse_id_pool(c, JP_FIELD(NULL, "idPool"), x, pol) < 0))
		return -1;
	if (p_object(c, NULL, v, "profiles", REQ, &x) < 0 ||
	    parse_profiles(c, JP_FIELD(NULL, "profiles"), x, pol) < 0)
		return -1;
	if (policy_find_profile(pol, pol->default_profile) == NULL)
		return json_fail(c, JP_FIELD(NULL, "defaultProfile"), "no profile named \"%s\"",
				 pol->default_profile);
	for (size_t i = 0; i < pol->n_profiles; i++)
		if (pol->profiles[i].rules[RULE_USER_NAMESPACE].mode != POLICY_OFF &&
		    pol->profiles[i].rules[RULE_USER_NAMESPACE].mode != POLICY_AUDIT &&
		    !pol->id_pool.set)
			return json_fail(c, JP_FIELD(NULL, "idPool"),
					 "missing, but profile \"%s\" hands out user namespace ranges",
					 pol->profiles[i].name);
	return 0;
}

struct ward_policy *policy_parse(const char *data, size_t len, const char *what,
				 struct ward_error *err)
{
	struct json_ctx c = { what, err };
	struct ward_policy *pol;
	struct json_doc doc;
	int rc;

	if (json_parse(data, len, what, &doc, err) < 0)
		return NULL;
	pol = calloc(1, sizeof(*pol));
	rc = pol ? parse_policy_top(&c, &doc.root, pol) : json_fail(&c, NULL, "out of memory");
	json_doc_free(&doc);
	if (rc < 0) {
		policy_free(pol);
		return NULL;
	}
	return pol;
}

struct ward_policy *policy_parse_file(const char *path, struct ward_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (spec_read_file(path, &buf, &len, err) < 0)
		return NULL;
	return policy_parse(buf, len, path, err);
}

const struct policy_profile *policy_find_profile(const struct ward_policy *p, const char *name)
{
	for (size_t i = 0; p && name && i < p->n_profiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			return &p->profiles[i];
	return NULL;
}

void policy_free(struct ward_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_profiles; i++) {
		struct policy_profile *prof = &p->profiles[i];

		free(prof->name);
		for (int r = 0; r < RULE__COUNT; r++) {
			spec_strv_clear(&prof->rules[r].allowed);
			spec_strv_clear(&prof->rules[r].denied);
		}
		free(prof->egress.allow);
		free(prof->egress.pod_allow);
		free(prof->egress.dns);
	}
	free(p->profiles);
	free(p->default_profile);
	free(p->audit_log);
	free(p->id_pool.state_dir);
	free(p);
}
