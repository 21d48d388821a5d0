/* config.json -> struct spec.
 *
 * Every error names the input and the JSON path of the offending value:
 *   config.json: linux.resources.memory.limit: expected integer, got string
 *
 * Unknown fields. The runtime-spec grows by adding fields, so an unknown
 * field is ignored (as Go runtimes do) and a newer config still runs.
 * Except where ignoring a field could silently weaken isolation: objects
 * whose meaning we must understand completely fail closed on any field we do
 * not know. They are
 *   - linux.seccomp, its syscalls[] and their args[] (a misspelt "names" or
 *     "action" would otherwise turn a deny rule into nothing);
 *   - process.capabilities (a misspelt set would keep the default, or none);
 *   - process.user (identity);
 *   - linux.namespaces[] entries (a misspelt "path" would create a fresh
 *     namespace instead of joining the intended one, or the reverse);
 *   - uid/gid mapping entries, in linux and in mounts (idmapped mounts).
 * Duplicate keys: the last occurrence wins, as with Go's encoding/json.
 * JSON null stands for an absent optional field, also as in Go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "parse_internal.h"

/* A config with a large seccomp profile is ~100 KiB; anything near this
 * bound is not a config. */
#define SPEC_FILE_MAX (64 * 1024 * 1024)

static int parse_root(const struct json_ctx *c, const struct json_path *p,
		      const struct json_value *v, struct spec_root *root)
{
	if (json_expect(c, p, v, JSON_OBJECT) < 0)
		return -1;
	if (p_str(c, p, v, "path", REQ, &root->path) < 0 ||
	    p_bool(c, p, v, "readonly", OPT, &root->readonly) < 0)
		return -1;
	if (root->path[0] == '\0')
		return json_fail(c, JP_FIELD(p, "path"), "must not be empty");
	return 0;
}

static int parse_top(const struct json_ctx *c, const struct json_value *v, struct spec *s)
{
	const struct json_value *x;

	if (json_expect(c, NULL, v, JSON_OBJECT) < 0)
		return -1;
	if (p_str(c, NULL, v, "ociVersion", REQ, &s->oci_version) < 0)
		return -1;
	if (s->oci_version[0] == '\0')
		return json_fail(c, JP_FIELD(NULL, "ociVersion"), "must not be empty");

	if (p_member(c, NULL, v, "process", OPT, &x) < 0)
		return -1;
	if (x) {
		s->process = p_calloc(c, NULL, 1, sizeof(*s->process));
		if (s->process == NULL ||
		    parse_process_value(c, JP_FIELD(NULL, "process"), x, s->process, false) < 0)
			return -1;
	}
	if (p_member(c, NULL, v, "root", OPT, &x) < 0)
		return -1;
	if (x) {
		s->root = p_calloc(c, NULL, 1, sizeof(*s->root));
		if (s->root == NULL || parse_root(c, JP_FIELD(NULL, "root"), x, s->root) < 0)
			return -1;
	}
	if (p_str(c, NULL, v, "hostname", OPT, &s->hostname) < 0 ||
	    p_str(c, NULL, v, "domainname", OPT, &s->domainname) < 0)
		return -1;
	if (p_array(c, NULL, v, "mounts", &x) < 0 ||
	    (x && parse_mounts(c, JP_FIELD(NULL, "mounts"), x, s) < 0))
		return -1;
	if (p_member(c, NULL, v, "hooks", OPT, &x) < 0)
		return -1;
	if (x) {
		s->hooks = p_calloc(c, NULL, 1, sizeof(*s->hooks));
		if (s->hooks == NULL || parse_hooks(c, JP_FIELD(NULL, "hooks"), x, s->hooks) < 0)
			return -1;
	}
	if (p_map(c, NULL, v, "annotations", &s->annotations) < 0)
		return -1;
	if (p_member(c, NULL, v, "linux", OPT, &x) < 0)
		return -1;
	if (x) {
		s->linux = p_calloc(c, NULL, 1, sizeof(*s->linux));
		if (s->linux == NULL || parse_linux_value(c, JP_FIELD(NULL, "linux"), x, s->linux) < 0)
			return -1;
	}
	return 0;
}

struct spec *spec_parse(const char *data, size_t len, const char *what, struct ward_error *err)
{
	struct json_ctx c = { what, err };
	struct json_doc doc;
	struct spec *s;

	if (json_parse(data, len, what, &doc, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		json_fail(&c, NULL, "out of memory");
	} else if (parse_top(&c, &doc.root, s) < 0) {
		spec_free(s);
		s = NULL;
	}
	json_doc_free(&doc);
	return s;
}

struct spec_process *spec_parse_process(const char *data, size_t len, const char *what,
					struct ward_error *err)
{
	struct json_ctx c = { what, err };
	struct json_doc doc;
	struct spec_process *p;

	if (json_parse(data, len, what, &doc, err) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_fail(&c, NULL, "out of memory");
	} else if (parse_process_value(&c, NULL, &doc.root, p, true) < 0) {
		spec_process_free(p);
		p = NULL;
	} else if (p->args.len == 0) {
		/* An exec'd process has no config default to fall back on. */
		json_fail(&c, JP_FIELD(NULL, "args"), "at least one argument is required");
		spec_process_free(p);
		p = NULL;
	}
	json_doc_free(&doc);
	return p;
}

struct spec_resources *spec_parse_resources(const char *data, size_t len, const char *what,
					    struct ward_error *err)
{
	struct json_ctx c = { what, err };
	struct json_doc doc;
	struct spec_resources *r;

	if (json_parse(data, len, what, &doc, err) < 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		json_fail(&c, NULL, "out of memory");
	} else if (parse_resources_value(&c, NULL, &doc.root, r) < 0) {
		spec_resources_free(r);
		r = NULL;
	}
	json_doc_free(&doc);
	return r;
}

int spec_read_file(const char *path, char **out, size_t *out_len, struct ward_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t len = 0, cap;

	if (fd < 0)
		return ward_error_errno(err, "open %s", path);
	if (fstat(fd, &st) < 0)
		return ward_error_errno(err, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return ward_error_set(err, 0, "%s: not a regular file", path);
	if (st.st_size > SPEC_FILE_MAX)
		return ward_error_set(err, 0, "%s: file too large (over %d bytes)", path, SPEC_FILE_MAX);
	/* Read until EOF rather than trusting st_size: the file may change. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL)
		return ward_error_set(err, ENOMEM, "read %s", path);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap >= SPEC_FILE_MAX)
				return ward_error_set(err, 0, "%s: file too large (over %d bytes)", path,
						      SPEC_FILE_MAX);
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				return ward_error_set(err, ENOMEM, "read %s", path);
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ward_error_errno(err, "read %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	buf = NULL;
	*out_len = len;
	return 0;
}

struct spec *spec_parse_file(const char *path, struct ward_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (spec_read_file(path, &buf, &len, err) < 0)
		return NULL;
	return spec_parse(buf, len, path, err);
}
