/* Reading the JSON DOM: typed access with exact integer ranges, and error
 * messages that name the JSON path of the offending value. */
#include "json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- paths and messages ---- */

static bool is_ident(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_putc(struct sbuf *sb, char ch)
{
	if (sb->len + 1 < sb->size)
		sb->buf[sb->len++] = ch;
	sb->buf[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
}

static void sb_puts(struct sbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_putc(sb, s[i]);
}

static void sb_quoted(struct sbuf *sb, const char *s, size_t n)
{
	size_t shown = n > 200 ? 200 : n;

	sb_putc(sb, '"');
	for (size_t i = 0; i < shown; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			sb_puts(sb, esc, strlen(esc));
		} else {
			sb_putc(sb, (char)ch);
		}
	}
	if (shown < n)
		sb_puts(sb, "...", 3);
	sb_putc(sb, '"');
}

char *json_path_render(const struct json_path *p, char *buf, size_t size)
{
	const struct json_path *chain[64];
	size_t n = 0;
	struct sbuf sb = { buf, size, 0 };

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (; p != NULL && n < 64; p = p->parent)
		chain[n++] = p;
	while (n-- > 0) {
		const struct json_path *s = chain[n];
		char idx[32];

		switch (s->kind) {
		case JP_KEY:
			if (is_ident(s->key, s->key_len)) {
				if (sb.len > 0)
					sb_putc(&sb, '.');
				sb_puts(&sb, s->key, s->key_len);
				break;
			}
			/* odd keys are shown quoted */
			__attribute__((fallthrough));
		case JP_MAPKEY:
			sb_putc(&sb, '[');
			sb_quoted(&sb, s->key, s->key_len);
			sb_putc(&sb, ']');
			break;
		case JP_INDEX:
			snprintf(idx, sizeof(idx), "[%zu]", s->index);
			sb_puts(&sb, idx, strlen(idx));
			break;
		}
	}
	return buf;
}

void json_one_line(char *dst, size_t size, const char *src)
{
	struct sbuf sb = { dst, size, 0 };

	if (size == 0)
		return;
	dst[0] = '\0';
	for (; *src; src++) {
		unsigned char ch = (unsigned char)*src;
		if (ch == '\n') {
			sb_puts(&sb, "\\n", 2);
		} else if (ch == '\t') {
			sb_puts(&sb, "\\t", 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			sb_puts(&sb, esc, strlen(esc));
		} else {
			sb_putc(&sb, (char)ch);
		}
	}
}

int json_fail(const struct json_ctx *c, const struct json_path *p, const char *fmt, ...)
{
	char path[512], raw[1024], reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* values quoted in reasons may hold newlines; messages are one line */
	json_one_line(reason, sizeof(reason), raw);
	json_path_render(p, path, sizeof(path));
	return ward_error_set(c->err, 0, "%s%s%s%s%s", c->what ? c->what : "",
			      c->what ? ": " : "", path, path[0] ? ": " : "", reason);
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "?";
}

/* ---- typed access ---- */

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	size_t klen = strlen(key);

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = obj->len; i-- > 0;)
		if (json_key_is(&obj->u.members[i], key, klen))
			return &obj->u.members[i].value;
	return NULL;
}

int json_expect(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		enum json_type t)
{
	if (v->type == t)
		return 0;
	return json_fail(c, p, "expected %s, got %s", json_type_name(t), json_type_name(v->type));
}

int json_string(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
		char **out)
{
	char *s;

	if (json_expect(c, p, v, JSON_STRING) < 0)
		return -1;
	if (memchr(v->u.str, '\0', v->len) != NULL)
		return json_fail(c, p, "string contains a NUL byte");
	s = strndup(v->u.str, v->len);
	if (s == NULL)
		return json_fail(c, p, "out of memory");
	free(*out);
	*out = s;
	return 0;
}

int json_bool(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	      bool *out)
{
	if (json_expect(c, p, v, JSON_BOOL) < 0)
		return -1;
	*out = v->b;
	return 0;
}

/* Split JSON number text into sign and magnitude. 0 = integer, -1 = has a
 * fraction or exponent, -2 = does not fit 64 bits. */
static int split_int(const struct json_value *v, bool *neg, uint64_t *mag)
{
	const char *s = v->u.str;
	size_t i = 0;
	uint64_t m = 0;

	*neg = false;
	if (i < v->len && s[i] == '-') {
		*neg = true;
		i++;
	}
	if (i == v->len)
		return -1;
	for (; i < v->len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (m > (UINT64_MAX - d) / 10) {
			/* keep scanning: 1e999 style text is "not an integer" */
			for (; i < v->len; i++)
				if (s[i] < '0' || s[i] > '9')
					return -1;
			return -2;
		}
		m = m * 10 + d;
	}
	*mag = m;
	return 0;
}

static int number_check(const struct json_ctx *c, const struct json_path *p,
			const struct json_value *v)
{
	if (v->type != JSON_NUMBER)
		return json_fail(c, p, "expected integer, got %s", json_type_name(v->type));
	return 0;
}

#define SHOWN_NUM(v) (int)((v)->len > 40 ? 40 : (v)->len), (v)->u.str, ((v)->len > 40 ? "..." : "")

int json_int(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	     int64_t min, int64_t max, int64_t *out)
{
	bool neg;
	uint64_t mag = 0;
	int r;

	if (number_check(c, p, v) < 0)
		return -1;
	r = split_int(v, &neg, &mag);
	if (r == -1)
		return json_fail(c, p, "expected integer, got %.*s%s", SHOWN_NUM(v));
	if (r == 0 && !neg && max >= 0 && mag <= (uint64_t)max) {
		*out = (int64_t)mag;
		if (*out >= min)
			return 0;
	} else if (r == 0 && neg) {
		/* -mag >= min, computed without overflowing */
		if (mag == 0 && min <= 0 && max >= 0) {
			*out = 0;
			return 0;
		}
		if (min < 0 && mag > 0 && mag - 1 <= (uint64_t)(-(min + 1))) {
			*out = -(int64_t)(mag - 1) - 1;
			if (*out <= max)
				return 0;
		}
	}
	return json_fail(c, p, "%.*s%s is out of range (%" PRId64 " to %" PRId64 ")", SHOWN_NUM(v),
			 min, max);
}

int json_uint(const struct json_ctx *c, const struct json_path *p, const struct json_value *v,
	      uint64_t max, uint64_t *out)
{
	bool neg;
	uint64_t mag = 0;
	int r;

	if (number_check(c, p, v) < 0)
		return -1;
	r = split_int(v, &neg, &mag);
	if (r == -1)
		return json_fail(c, p, "expected integer, got %.*s%s", SHOWN_NUM(v));
	if (r == 0 && (!neg || mag == 0) && mag <= max) {
		*out = mag;
		return 0;
	}
	return json_fail(c, p, "%.*s%s is out of range (0 to %" PRIu64 ")", SHOWN_NUM(v), max);
}

int json_strict(const struct json_ctx *c, const struct json_path *p, const struct json_value *obj,
		const char *const *known)
{
	for (size_t i = 0; i < obj->len; i++) {
		const struct json_member *m = &obj->u.members[i];
		const char *const *k;

		for (k = known; *k != NULL; k++)
			if (json_key_is(m, *k, strlen(*k)))
				break;
		if (*k == NULL) {
			struct json_path kp = { .parent = p, .kind = JP_KEY, .key = m->key,
						.key_len = m->key_len };
			return json_fail(c, &kp, "unknown field (this object must be fully understood)");
		}
	}
	return 0;
}
