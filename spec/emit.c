/* struct spec -> JSON with yajl_gen. Fields come out in the order of the
 * runtime-spec's Go types (what runc writes), spelled as the spec spells
 * them; absent optional fields are omitted, so parse -> emit -> parse ->
 * emit is byte-identical. Booleans that are plain bools in the model
 * (terminal, readonly, noNewPrivileges) follow Go's omitempty: written only
 * when true. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "emit_internal.h"

void e_raw_str(struct emitter *e, const char *s)
{
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_string(e->g, (const unsigned char *)s, strlen(s));
}

void e_key(struct emitter *e, const char *k)
{
	e_raw_str(e, k);
}

void e_open(struct emitter *e, const char *key)
{
	if (key)
		e_key(e, key);
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_map_open(e->g);
}

void e_close(struct emitter *e)
{
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_map_close(e->g);
}

void e_open_array(struct emitter *e, const char *key)
{
	if (key)
		e_key(e, key);
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_array_open(e->g);
}

void e_close_array(struct emitter *e)
{
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_array_close(e->g);
}

void e_str(struct emitter *e, const char *key, const char *s)
{
	if (s == NULL)
		return;
	e_key(e, key);
	e_raw_str(e, s);
}

void e_bool(struct emitter *e, const char *key, bool b)
{
	e_key(e, key);
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_bool(e->g, b);
}

static void raw_number(struct emitter *e, const char *text)
{
	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_number(e->g, text, strlen(text));
}

void e_raw_u64(struct emitter *e, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	raw_number(e, buf);
}

void e_u64(struct emitter *e, const char *key, uint64_t v)
{
	e_key(e, key);
	e_raw_u64(e, v);
}

void e_i64(struct emitter *e, const char *key, int64_t v)
{
	char buf[32];

	e_key(e, key);
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	raw_number(e, buf);
}

void e_strv(struct emitter *e, const char *key, const struct spec_strv *v)
{
	if (v->items == NULL)
		return;
	e_open_array(e, key);
	for (size_t i = 0; i < v->len; i++)
		e_raw_str(e, v->items[i]);
	e_close_array(e);
}

void e_map(struct emitter *e, const char *key, const struct spec_map *m)
{
	if (m->len == 0)
		return;
	e_open(e, key);
	for (size_t i = 0; i < m->len; i++) {
		e_key(e, m->items[i].key);
		e_raw_str(e, m->items[i].value);
	}
	e_close(e);
}

void e_id_mappings(struct emitter *e, const char *key, const struct spec_id_mapping *m, size_t n)
{
	if (n == 0)
		return;
	e_open_array(e, key);
	for (size_t i = 0; i < n; i++) {
		e_open(e, NULL);
		e_u64(e, "containerID", m[i].container_id);
		e_u64(e, "hostID", m[i].host_id);
		e_u64(e, "size", m[i].size);
		e_close(e);
	}
	e_close_array(e);
}

/* ---- process ---- */

static void emit_user(struct emitter *e, const struct spec_user *u)
{
	e_open(e, "user");
	e_u64(e, "uid", u->uid);
	e_u64(e, "gid", u->gid);
	if (u->umask.set)
		e_u64(e, "umask", u->umask.value);
	if (u->n_additional_gids) {
		e_open_array(e, "additionalGids");
		for (size_t i = 0; i < u->n_additional_gids; i++)
			e_raw_u64(e, u->additional_gids[i]);
		e_close_array(e);
	}
	e_str(e, "username", u->username);
	e_close(e);
}

static void emit_capabilities(struct emitter *e, const struct spec_capabilities *c)
{
	e_open(e, "capabilities");
	e_strv(e, "bounding", &c->bounding);
	e_strv(e, "effective", &c->effective);
	e_strv(e, "inheritable", &c->inheritable);
	e_strv(e, "permitted", &c->permitted);
	e_strv(e, "ambient", &c->ambient);
	e_close(e);
}

static void emit_scheduler(struct emitter *e, const struct spec_scheduler *s)
{
	e_open(e, "scheduler");
	e_str(e, "policy", s->policy);
	if (s->nice.set)
		e_i64(e, "nice", s->nice.value);
	if (s->priority.set)
		e_i64(e, "priority", s->priority.value);
	e_strv(e, "flags", &s->flags);
	if (s->runtime.set)
		e_u64(e, "runtime", s->runtime.value);
	if (s->deadline.set)
		e_u64(e, "deadline", s->deadline.value);
	if (s->period.set)
		e_u64(e, "period", s->period.value);
	e_close(e);
}

static void emit_process(struct emitter *e, const char *key, const struct spec_process *p)
{
	e_open(e, key);
	if (p->terminal)
		e_bool(e, "terminal", true);
	if (p->console_size) {
		e_open(e, "consoleSize");
		e_u64(e, "height", p->console_size->height);
		e_u64(e, "width", p->console_size->width);
		e_close(e);
	}
	emit_user(e, &p->user);
	e_strv(e, "args", &p->args);
	e_str(e, "commandLine", p->command_line);
	e_strv(e, "env", &p->env);
	e_str(e, "cwd", p->cwd);
	if (p->capabilities)
		emit_capabilities(e, p->capabilities);
	if (p->n_rlimits) {
		e_open_array(e, "rlimits");
		for (size_t i = 0; i < p->n_rlimits; i++) {
			e_open(e, NULL);
			e_str(e, "type", p->rlimits[i].type);
			e_u64(e, "hard", p->rlimits[i].hard);
			e_u64(e, "soft", p->rlimits[i].soft);
			e_close(e);
		}
		e_close_array(e);
	}
	if (p->no_new_privileges)
		e_bool(e, "noNewPrivileges", true);
	e_str(e, "apparmorProfile", p->apparmor_profile);
	if (p->oom_score_adj.set)
		e_i64(e, "oomScoreAdj", p->oom_score_adj.value);
	if (p->scheduler)
		emit_scheduler(e, p->scheduler);
	e_str(e, "selinuxLabel", p->selinux_label);
	if (p->io_priority) {
		e_open(e, "ioPriority");
		e_str(e, "class", p->io_priority->klass);
		e_i64(e, "priority", p->io_priority->priority);
		e_close(e);
	}
	if (p->exec_cpu_affinity) {
		e_open(e, "execCPUAffinity");
		e_str(e, "initial", p->exec_cpu_affinity->initial);
		e_str(e, "final", p->exec_cpu_affinity->final);
		e_close(e);
	}
	e_close(e);
}

/* ---- mounts, hooks ---- */

static void emit_mounts(struct emitter *e, const struct spec *s)
{
	if (s->n_mounts == 0)
		return;
	e_open_array(e, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];

		e_open(e, NULL);
		e_str(e, "destination", m->destination);
		e_str(e, "type", m->type);
		e_str(e, "source", m->source);
		e_strv(e, "options", &m->options);
		e_id_mappings(e, "uidMappings", m->uid_mappings, m->n_uid_mappings);
		e_id_mappings(e, "gidMappings", m->gid_mappings, m->n_gid_mappings);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_hook_list(struct emitter *e, const char *key, const struct spec_hook_list *l)
{
	if (l->len == 0)
		return;
	e_open_array(e, key);
	for (size_t i = 0; i < l->len; i++) {
		const struct spec_hook *h = &l->items[i];

		e_open(e, NULL);
		e_str(e, "path", h->path);
		e_strv(e, "args", &h->args);
		e_strv(e, "env", &h->env);
		if (h->timeout.set)
			e_i64(e, "timeout", h->timeout.value);
		e_close(e);
	}
	e_close_array(e);
}

static void emit_hooks(struct emitter *e, const struct spec_hooks *h)
{
	e_open(e, "hooks");
	emit_hook_list(e, "prestart", &h->prestart);
	emit_hook_list(e, "createRuntime", &h->create_runtime);
	emit_hook_list(e, "createContainer", &h->create_container);
	emit_hook_list(e, "startContainer", &h->start_container);
	emit_hook_list(e, "poststart", &h->poststart);
	emit_hook_list(e, "poststop", &h->poststop);
	e_close(e);
}

/* ---- entry points ---- */

static int emitter_init(struct emitter *e, bool pretty)
{
	e->g = yajl_gen_alloc(NULL);
	e->st = yajl_gen_status_ok;
	if (e->g == NULL)
		return -1;
	yajl_gen_config(e->g, yajl_gen_validate_utf8, 1);
	if (pretty) {
		yajl_gen_config(e->g, yajl_gen_beautify, 1);
		yajl_gen_config(e->g, yajl_gen_indent_string, "\t");
	}
	return 0;
}

static char *emitter_finish(struct emitter *e, size_t *len_out, struct ward_error *err)
{
	const unsigned char *buf;
	size_t len;
	char *out = NULL;

	if (e->st == yajl_gen_status_ok)
		e->st = yajl_gen_get_buf(e->g, &buf, &len);
	if (e->st == yajl_gen_invalid_string) {
		ward_error_set(err, 0, "cannot write JSON: a string is not valid UTF-8");
	} else if (e->st != yajl_gen_status_ok) {
		ward_error_set(err, 0, "cannot write JSON: generator error %d", (int)e->st);
	} else {
		out = malloc(len + 1);
		if (out == NULL) {
			ward_error_set(err, ENOMEM, "cannot write JSON");
		} else {
			memcpy(out, buf, len);
			out[len] = '\0';
			if (len_out)
				*len_out = len;
		}
	}
	yajl_gen_free(e->g);
	return out;
}

char *spec_emit(const struct spec *s, bool pretty, size_t *len_out, struct ward_error *err)
{
	struct emitter e;

	if (emitter_init(&e, pretty) < 0) {
		ward_error_set(err, ENOMEM, "cannot write JSON");
		return NULL;
	}
	e_open(&e, NULL);
	e_str(&e, "ociVersion", s->oci_version);
	if (s->process)
		emit_process(&e, "process", s->process);
	if (s->root) {
		e_open(&e, "root");
		e_str(&e, "path", s->root->path);
		if (s->root->readonly)
			e_bool(&e, "readonly", true);
		e_close(&e);
	}
	e_str(&e, "hostname", s->hostname);
	e_str(&e, "domainname", s->domainname);
	emit_mounts(&e, s);
	if (s->hooks)
		emit_hooks(&e, s->hooks);
	e_map(&e, "annotations", &s->annotations);
	if (s->linux)
		emit_linux(&e, s->linux);
	e_close(&e);
	return emitter_finish(&e, len_out, err);
}

char *spec_emit_process(const struct spec_process *p, bool pretty, size_t *len_out,
			struct ward_error *err)
{
	struct emitter e;

	if (emitter_init(&e, pretty) < 0) {
		ward_error_set(err, ENOMEM, "cannot write JSON");
		return NULL;
	}
	emit_process(&e, NULL, p);
	return emitter_finish(&e, len_out, err);
}

char *spec_emit_resources(const struct spec_resources *r, bool pretty, size_t *len_out,
			  struct ward_error *err)
{
	struct emitter e;

	if (emitter_init(&e, pretty) < 0) {
		ward_error_set(err, ENOMEM, "cannot write JSON");
		return NULL;
	}
	emit_resources(&e, NULL, r);
	return emitter_finish(&e, len_out, err);
}
