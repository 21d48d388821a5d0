/* ward policy check [--policy FILE] BUNDLE: the verdicts for a bundle,
 * nothing created. ward policy show: the effective policy as JSON. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "jsonw.h"
#include "policy_eval.h"

static int load_required(const char *path, struct ward_policy **pol, struct ward_error *err)
{
	if (policy_load(path, pol, err) < 0)
		return -1;
	if (*pol == NULL)
		return ward_error_set(err, ENOENT, "no policy: %s does not exist (ward runs containers as asked)",
				      WARD_POLICY_DEFAULT_PATH);
	return 0;
}

static int policy_check(struct ward_globals *g, const char *policy_path, const char *bundle)
{
	cleanup_policy struct ward_policy *pol = NULL;
	cleanup_spec struct spec *s = NULL;
	cleanup_free char *config = NULL;
	struct ward_error err = { 0 };
	char real[PATH_MAX];
	struct policy_eval x = { .report = stdout, .dry_run = true, .state_root = g->root };
	const char *id;
	int rc;

	if (load_required(policy_path, &pol, &err) < 0)
		return cli_fail(&err);
	if (realpath(bundle, real) == NULL) {
		ward_error_errno(&err, "bundle %s", bundle);
		return cli_fail(&err);
	}
	/* Relative mount sources are relative to the bundle, as at create. */
	if (chdir(real) < 0 || asprintf(&config, "%s/config.json", real) < 0) {
		ward_error_errno(&err, "bundle %s", real);
		return cli_fail(&err);
	}
	s = spec_parse_file(config, &err);
	if (s == NULL || spec_validate(s, true, &err) < 0)
		return cli_fail(&err);
	id = strrchr(real, '/') + 1;
	x.pol = pol;
	x.spec = s;
	x.id = id;
	rc = policy_evaluate(&x, &err);
	policy_eval_release(&x);
	fflush(stdout);
	if (rc < 0)
		return cli_fail(&err);
	return 0;
}

static void emit_strv(struct jsonw *w, const char *key, const struct spec_strv *v)
{
	if (v->items == NULL)
		return;
	jsonw_key(w, key);
	jsonw_arr_open(w);
	for (size_t i = 0; i < v->len; i++)
		jsonw_str(w, v->items[i]);
	jsonw_arr_close(w);
}

static void emit_limit(struct jsonw *w, const char *key, const struct policy_limit *l)
{
	if (!l->max.set && !l->def.set)
		return;
	jsonw_key(w, key);
	jsonw_obj_open(w);
	if (l->max.set)
		jsonw_kv_int(w, "max", l->max.value);
	if (l->def.set)
		jsonw_kv_int(w, "default", l->def.value);
	jsonw_obj_close(w);
}

static void emit_nets(struct jsonw *w, const char *key, const struct policy_net *n, size_t len,
		      bool bare)
{
	static const char *const protos[] = { "any", "tcp", "udp" };

	if (len == 0)
		return;
	jsonw_key(w, key);
	jsonw_arr_open(w);
	for (size_t i = 0; i < len; i++) {
		char addr[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 8], ports[16];

		inet_ntop(n[i].family, n[i].addr, addr, sizeof(addr));
		snprintf(cidr, sizeof(cidr), "%s/%u", addr, n[i].prefix);
		if (bare) {
			jsonw_str(w, cidr);
			continue;
		}
		jsonw_obj_open(w);
		jsonw_kv_str(w, "cidr", cidr);
		if (n[i].port_lo == n[i].port_hi)
			snprintf(ports, sizeof(ports), "%u", n[i].port_lo);
		else
			snprintf(ports, sizeof(ports), "%u-%u", n[i].port_lo, n[i].port_hi);
		jsonw_kv_str(w, "ports", ports);
		jsonw_kv_str(w, "protocol", protos[n[i].proto]);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
}

static void emit_profile(struct jsonw *w, const struct policy_profile *p)
{
	jsonw_key(w, p->name);
	jsonw_obj_open(w);
	jsonw_kv_int(w, "level", p->level);
	jsonw_key(w, "rules");
	jsonw_obj_open(w);
	for (int r = 0; r < RULE__COUNT; r++) {
		const struct policy_rule *rule = &p->rules[r];

		if (rule->mode == POLICY_OFF)
			continue;
		jsonw_key(w, policy_rule_name(r));
		jsonw_obj_open(w);
		jsonw_kv_str(w, "mode", policy_mode_name(rule->mode));
		emit_strv(w, "allowed", &rule->allowed);
		emit_strv(w, "denied", &rule->denied);
		emit_limit(w, "memory", &rule->memory);
		emit_limit(w, "pids", &rule->pids);
		jsonw_obj_close(w);
	}
	jsonw_obj_close(w);
	if (p->egress.mode != POLICY_OFF) {
		jsonw_key(w, "egress");
		jsonw_obj_open(w);
		jsonw_kv_str(w, "mode", policy_mode_name(p->egress.mode));
		emit_nets(w, "allow", p->egress.allow, p->egress.n_allow, false);
		emit_nets(w, "dns", p->egress.dns, p->egress.n_dns, true);
		emit_nets(w, "podAllow", p->egress.pod_allow, p->egress.n_pod_allow, false);
		jsonw_obj_close(w);
	}
	jsonw_obj_close(w);
}

static int policy_show(const char *policy_path)
{
	cleanup_policy struct ward_policy *pol = NULL;
	struct ward_error err = { 0 };
	cleanup_free char *out = NULL;
	struct jsonw w;
	size_t len;

	if (load_required(policy_path, &pol, &err) < 0)
		return cli_fail(&err);
	jsonw_init(&w, "  ");
	jsonw_obj_open(&w);
	jsonw_kv_int(&w, "version", pol->version);
	jsonw_kv_str(&w, "defaultProfile", pol->default_profile);
	jsonw_kv_str(&w, "auditLog", pol->audit_log ? pol->audit_log : WARD_POLICY_DEFAULT_AUDIT_LOG);
	if (pol->id_pool.set) {
		jsonw_key(&w, "idPool");
		jsonw_obj_open(&w);
		jsonw_kv_uint(&w, "start", pol->id_pool.start);
		jsonw_kv_uint(&w, "ranges", pol->id_pool.ranges);
		jsonw_kv_str(&w, "stateDir",
			     pol->id_pool.state_dir ? pol->id_pool.state_dir : WARD_POLICY_DEFAULT_STATE_DIR);
		jsonw_obj_close(&w);
	}
	jsonw_key(&w, "profiles");
	jsonw_obj_open(&w);
	for (size_t i = 0; i < pol->n_profiles; i++)
		emit_profile(&w, &pol->profiles[i]);
	jsonw_obj_close(&w);
	jsonw_obj_close(&w);
	out = jsonw_finish(&w, &len);
	if (out == NULL) {
		ward_error_set(&err, ENOMEM, "policy show");
		return cli_fail(&err);
	}
	printf("%s\n", out);
	return 0;
}

int cmd_policy(struct ward_globals *g, int argc, char **argv)
{
	static const char usage[] = "check [--policy FILE] <bundle> | show [--policy FILE]";
	static const char desc[] =
		"check a bundle against the node policy, or show the policy\n"
		"`check` prints one line per verdict (deny, audit, default, allow) for the\n"
		"bundle's config.json under the profile the container would get, and exits 1\n"
		"when create would refuse it. Nothing is created. `show` prints the policy\n"
		"as ward reads it. The policy is --policy FILE, else /etc/ward/policy.json.";
	const char *policy_path = g->policy;
	const struct cli_opt opts[] = {
		{ "policy", 0, CLI_STRING, &policy_path, "node policy file", "value" },
		{ 0 },
	};
	struct ward_error err = { 0 };
	bool help = false;
	int nargs;

	if (cli_parse("policy", usage, desc, opts, argc, argv, &nargs, &help, &err) < 0)
		return cli_fail(&err);
	if (help)
		return 0;
	if (nargs >= 1 && strcmp(argv[0], "check") == 0) {
		if (cli_require_args("policy check", nargs - 1, 1, &err) < 0)
			return cli_fail(&err);
		return policy_check(g, policy_path, argv[1]);
	}
	if (nargs >= 1 && strcmp(argv[0], "show") == 0) {
		if (cli_require_args("policy show", nargs - 1, 0, &err) < 0)
			return cli_fail(&err);
		return policy_show(policy_path);
	}
	ward_error_set(&err, 0, "usage: ward policy %s", usage);
	return cli_fail(&err);
}
