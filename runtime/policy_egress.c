/* The egress section of a profile: which destinations a container may
 * reach. The list is the profile's allow entries, its DNS resolvers (port
 * 53, TCP and UDP), and what the pod adds through the run.ward.egress
 * annotation where each entry lies within the profile's podAllow. In
 * enforce mode the list goes to create in WARD_EGRESS_FILTER_ANNOTATION
 * (egress.c attaches the programs); audit mode only logs it here, at
 * create: no program is attached, so nothing is blocked or logged per
 * connection. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "egress.h"
#include "jsonw.h"
#include "policy_eval.h"

static void record(struct policy_eval *x, const char *verdict, const char *field, const char *msg)
{
	if (x->report)
		fprintf(x->report, "%-7s %-18s %s: %s\n", verdict, "egress", field, msg);
	if (!x->dry_run)
		audit_record(x, "egress", verdict, field, msg);
}

static void refused(struct policy_eval *x, const char *field, const char *msg)
{
	bool deny = x->prof->egress.mode == POLICY_ENFORCE;

	if (deny && x->n_denied++ == 0)
		snprintf(x->denial, sizeof(x->denial), "policy %s: %s: %s", x->prof->name, field, msg);
	record(x, deny ? "deny" : "audit", field, msg);
}

static const char *const proto_names[] = { "any", "tcp", "udp" };

static void format_net(const struct policy_net *n, char *cidr, size_t csize, char *ports,
		       size_t psize)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(n->family, n->addr, addr, sizeof(addr));
	snprintf(cidr, csize, "%s/%u", addr, n->prefix);
	if (n->port_lo == n->port_hi)
		snprintf(ports, psize, "%u", n->port_lo);
	else
		snprintf(ports, psize, "%u-%u", n->port_lo, n->port_hi);
}

/* Whether `in` reaches nothing `outer` does not: family, address prefix,
 * ports and protocol all within. */
static bool net_within(const struct policy_net *in, const struct policy_net *outer)
{
	if (in->family != outer->family || in->prefix < outer->prefix)
		return false;
	for (unsigned b = 0; b < outer->prefix; b++) {
		uint8_t bit = (uint8_t)(0x80u >> (b % 8));
		if ((in->addr[b / 8] & bit) != (outer->addr[b / 8] & bit))
			return false;
	}
	return in->port_lo >= outer->port_lo && in->port_hi <= outer->port_hi &&
	       (outer->proto == POLICY_PROTO_ANY || outer->proto == in->proto);
}

struct net_list {
	struct policy_net *v;
	size_t n;
};

static int push(struct net_list *l, const struct policy_net *e)
{
	struct policy_net *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	v[l->n++] = *e;
	l->v = v;
	return 0;
}

/* The pod's additions that lie within podAllow; the others are refused
 * (enforce) or logged and left out (audit). -1 only on ENOMEM. */
static int pod_entries(struct policy_eval *x, struct net_list *out)
{
	const struct policy_egress *eg = &x->prof->egress;
	const char *a = spec_annotation(x->spec, WARD_EGRESS_ANNOTATION);
	const char *field = "annotations[\"" WARD_EGRESS_ANNOTATION "\"]";
	struct ward_error e = { 0 };
	struct policy_net *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (a == NULL)
		return 0;
	if (policy_parse_net_annotation(a, field, &v, &n, &e) < 0) {
		refused(x, field, e.msg);
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool ok = false;
		for (size_t j = 0; !ok && j < eg->n_pod_allow; j++)
			ok = net_within(&v[i], &eg->pod_allow[j]);
		if (ok) {
			rc = push(out, &v[i]);
			continue;
		}
		char cidr[INET6_ADDRSTRLEN + 8], ports[16], f[96], msg[160];
		format_net(&v[i], cidr, sizeof(cidr), ports, sizeof(ports));
		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		snprintf(msg, sizeof(msg), "%s ports %s %s is not within the profile's egress.podAllow",
			 cidr, ports, proto_names[v[i].proto]);
		refused(x, f, msg);
	}
	free(v);
	return rc;
}

/* The list as the annotation's JSON, and a short summary for the log. */
static char *to_json(const struct net_list *l, char *summary, size_t ssize)
{
	struct jsonw w;
	size_t used = 0;

	summary[0] = '\0';
	jsonw_init(&w, NULL);
	jsonw_arr_open(&w);
	for (size_t i = 0; i < l->n; i++) {
		char cidr[INET6_ADDRSTRLEN + 8], ports[16];
		format_net(&l->v[i], cidr, sizeof(cidr), ports, sizeof(ports));
		jsonw_obj_open(&w);
		jsonw_kv_str(&w, "cidr", cidr);
		jsonw_kv_str(&w, "ports", ports);
		jsonw_kv_str(&w, "protocol", proto_names[l->v[i].proto]);
		jsonw_obj_close(&w);
		if (used < ssize) {
			int k = snprintf(summary + used, ssize - used, "%s%s %s/%s", i ? ", " : "", cidr,
					 proto_names[l->v[i].proto], ports);
			used += k > 0 ? (size_t)k : 0;
		}
	}
	jsonw_arr_close(&w);
	if (used >= ssize && ssize > 4)
		strcpy(summary + ssize - 4, "...");
	return jsonw_finish(&w, NULL);
}

void policy_rule_egress(struct policy_eval *x)
{
	const struct policy_egress *eg = &x->prof->egress;
	struct net_list l = { 0 };
	char summary[320], msg[400];
	int rc = 0;

	if (eg->mode == POLICY_OFF)
		return;
	for (size_t i = 0; rc == 0 && i < eg->n_allow; i++)
		rc = push(&l, &eg->allow[i]);
	for (size_t i = 0; rc == 0 && i < eg->n_dns; i++) {
		struct policy_net d = eg->dns[i];
		d.port_lo = d.port_hi = 53;
		d.proto = POLICY_PROTO_ANY;
		rc = push(&l, &d);
	}
	if (rc == 0)
		rc = pod_entries(x, &l);
	if (rc == 0 && l.n > EGRESS_MAX_RULES) {
		snprintf(msg, sizeof(msg), "%zu allowed destinations, at most %d", l.n, EGRESS_MAX_RULES);
		refused(x, "egress", msg);
	}
	cleanup_free char *json = rc == 0 ? to_json(&l, summary, sizeof(summary)) : NULL;
	free(l.v);
	if (json == NULL) {
		if (x->n_denied++ == 0)
			snprintf(x->denial, sizeof(x->denial), "policy %s: out of memory", x->prof->name);
		return;
	}
	if (eg->mode == POLICY_AUDIT) {
		snprintf(msg, sizeof(msg),
			 "audit mode, connections are not filtered; enforce would allow only loopback%s%s",
			 l.n ? ", " : "", summary);
		record(x, "audit", "egress", msg);
		return;
	}
	if (policy_set_annotation(x, WARD_EGRESS_FILTER_ANNOTATION, json) < 0)
		return;
	snprintf(msg, sizeof(msg), "outbound connections limited to loopback%s%s", l.n ? ", " : "",
		 summary);
	record(x, "default", "egress", msg);
}
