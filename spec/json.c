/* Building the JSON DOM with yajl's callback parser; see json.h for why. */
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* No OCI config nests deeper than ~8; the bound keeps hostile input cheap. */
#define JSON_MAX_DEPTH 256
#define ARENA_CHUNK (64 * 1024)

/* ---- arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct json_arena {
	struct arena_chunk *head;
};

static void *arena_alloc(struct json_arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t align = sizeof(max_align_t);

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		struct arena_chunk *nc = malloc(sizeof(*nc) + size);

		if (nc == NULL)
			return NULL;
		nc->used = 0;
		nc->size = size;
		if (c != NULL && size == n) {
			/* A big block gets its own chunk behind the current
			 * one, which keeps serving small allocations. */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->head = nc;
		}
		c = nc;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct json_arena *a, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? arena_alloc(a, len + 1) : NULL;

	if (p != NULL) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static void arena_free(struct json_arena *a)
{
	if (a == NULL)
		return;
	for (struct arena_chunk *c = a->head, *next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ---- builder ---- */

static const char oom_msg[] = "out of memory";

struct frame {
	bool is_object;
	void *buf; /* struct json_value[] or struct json_member[] */
	size_t len;
	size_t cap_bytes; /* kept in bytes: a slot serves objects and arrays */
	const char *key; /* pending key of an object member */
	size_t key_len;
};

struct builder {
	struct json_arena *arena;
	struct frame *frames;
	size_t depth, nframes;
	struct json_value root;
	const char *fail; /* why a callback stopped the parse */
	/* for strings refused with their JSON path */
	yajl_handle h;
	const unsigned char *data;
	struct json_ctx ctx;
	bool reported; /* ctx.err is filled */
};

/* ---- strict strings ---- */

/* yajl checks only the shape of UTF-8 and decodes \u escapes without
 * pairing surrogates: an overlong "\xc0\xaf" ('/') or a lone "\ud800"
 * would reach paths and be written back out. The raw token is checked
 * against RFC 3629 instead. Returns why it is refused, or NULL. */
static unsigned hex4(const unsigned char *s)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char ch = s[i];
		v = v * 16 + (ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
	}
	return v;
}

static const char *string_problem(const unsigned char *s, size_t len, char *why, size_t why_size)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];

		if (c == '\\') {
			if (i + 1 < len && s[i + 1] == 'u' && i + 6 <= len) {
				unsigned cp = hex4(s + i + 2);

				if (cp >= 0xd800 && cp <= 0xdbff && i + 12 <= len && s[i + 6] == '\\' &&
				    s[i + 7] == 'u' && (hex4(s + i + 8) & 0xfc00) == 0xdc00) {
					i += 12;
					continue;
				}
				if ((cp & 0xf800) == 0xd800) {
					snprintf(why, why_size, "unpaired UTF-16 surrogate escape \\u%04x", cp);
					return why;
				}
				i += 6;
			} else {
				i += 2;
			}
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		unsigned char lo = 0x80, hi = 0xbf;
		const char *bad = NULL;

		if (c < 0xc2)
			bad = c < 0xc0 ? "stray continuation byte" : "overlong encoding";
		else if (c > 0xf4)
			bad = "code point above U+10FFFF";
		else if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (bad == NULL && i + n > len)
			bad = "truncated sequence";
		if (bad == NULL && (s[i + 1] < lo || s[i + 1] > hi)) {
			if (c == 0xe0 || c == 0xf0)
				bad = "overlong encoding";
			else if (c == 0xed)
				bad = "encoded UTF-16 surrogate";
			else if (c == 0xf4)
				bad = "code point above U+10FFFF";
			else
				bad = "invalid sequence";
		}
		for (size_t k = 2; bad == NULL && k < n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				bad = "invalid sequence";
		if (bad) {
			snprintf(why, why_size, "invalid UTF-8 (%s) at byte %zu", bad, i);
			return why;
		}
		i += n;
	}
	return NULL;
}

/* The raw text of the string token yajl just read: it ends right before
 * the parser's position, and starts at the first quote (going back) that
 * is not escaped, i.e. not preceded by an odd run of backslashes. */
static bool raw_token(const struct builder *b, const unsigned char **s, size_t *len)
{
	size_t end = yajl_get_bytes_consumed(b->h);

	if (end < 2 || b->data[end - 1] != '"')
		return false;
	for (size_t j = end - 1; j-- > 0;) {
		if (b->data[j] != '"')
			continue;
		size_t k = j;
		while (k > 0 && b->data[k - 1] == '\\')
			k--;
		if ((j - k) % 2 == 0) {
			*s = b->data + j + 1;
			*len = end - 1 - (j + 1);
			return true;
		}
	}
	return false;
}

/* Refuse the string just read, naming its JSON path: the open frames, and
 * for a member name, the object holding it. */
static int check_string(struct builder *b, bool is_key)
{
	struct json_path segs[JSON_MAX_DEPTH];
	const struct json_path *parent = NULL;
	const unsigned char *raw;
	size_t raw_len, n = is_key ? b->depth - 1 : b->depth;
	char why[96];
	const char *problem;

	if (!raw_token(b, &raw, &raw_len))
		return 1;
	problem = string_problem(raw, raw_len, why, sizeof(why));
	if (problem == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		const struct frame *f = &b->frames[i];

		segs[i] = (struct json_path){ .parent = parent };
		if (f->is_object) {
			segs[i].kind = JP_KEY;
			segs[i].key = f->key;
			segs[i].key_len = f->key_len;
		} else {
			segs[i].kind = JP_INDEX;
			segs[i].index = f->len;
		}
		parent = &segs[i];
	}
	json_fail(&b->ctx, parent, "%s%s", is_key ? "member name: " : "", problem);
	b->reported = true;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int r = n ? memcmp(x->key, y->key, n) : 0;

	if (r == 0 && x->key_len != y->key_len)
		r = x->key_len < y->key_len ? -1 : 1;
	if (r == 0) /* same key: document order */
		r = x < y ? -1 : (x > y);
	return r;
}

/* Flag every member that a later one with the same key overrides. Sorting
 * keeps this O(n log n) however many keys a hostile object carries. */
static int mark_dups(struct json_member *m, size_t n)
{
	if (n <= 16) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (json_key_is(&m[j], m[i].key, m[i].key_len)) {
					m[i].dup = true;
					break;
				}
		return 0;
	}
	struct json_member **order = malloc(n * sizeof(*order));
	if (order == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = &m[i];
	qsort(order, n, sizeof(*order), member_cmp);
	for (size_t i = 0; i + 1 < n; i++)
		if (json_key_is(order[i + 1], order[i]->key, order[i]->key_len))
			order[i]->dup = true;
	free(order);
	return 0;
}

static int grow(struct builder *b, struct frame *f, size_t elem)
{
	if ((f->len + 1) * elem <= f->cap_bytes)
		return 1;
	size_t cap = f->cap_bytes ? f->cap_bytes * 2 : 8 * elem;
	while (cap < (f->len + 1) * elem)
		cap *= 2;
	void *nb = cap < SIZE_MAX / 2 ? realloc(f->buf, cap) : NULL;
	if (nb == NULL) {
		b->fail = oom_msg;
		return 0;
	}
	f->buf = nb;
	f->cap_bytes = cap;
	return 1;
}

static int add_value(struct builder *b, const struct json_value *v)
{
	if (b->depth == 0) {
		b->root = *v;
		return 1;
	}
	struct frame *f = &b->frames[b->depth - 1];
	if (f->is_object) {
		if (!grow(b, f, sizeof(struct json_member)))
			return 0;
		struct json_member *m = (struct json_member *)f->buf + f->len++;
		m->key = f->key;
		m->key_len = f->key_len;
		m->dup = false;
		m->value = *v;
	} else {
		if (!grow(b, f, sizeof(struct json_value)))
			return 0;
		((struct json_value *)f->buf)[f->len++] = *v;
	}
	return 1;
}

static int on_null(void *ctx)
{
	struct json_value v = { .type = JSON_NULL };
	return add_value(ctx, &v);
}

static int on_bool(void *ctx, int val)
{
	struct json_value v = { .type = JSON_BOOL, .b = val != 0 };
	return add_value(ctx, &v);
}

static int add_text(struct builder *b, enum json_type t, const char *s, size_t len)
{
	struct json_value v = { .type = t, .len = len };

	v.u.str = arena_strndup(b->arena, s, len);
	if (v.u.str == NULL) {
		b->fail = oom_msg;
		return 0;
	}
	return add_value(b, &v);
}

static int on_number(void *ctx, const char *s, size_t len)
{
	return add_text(ctx, JSON_NUMBER, s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	if (!check_string(ctx, false))
		return 0;
	return add_text(ctx, JSON_STRING, (const char *)s, len);
}

static int open_frame(struct builder *b, bool is_object)
{
	if (b->depth >= JSON_MAX_DEPTH) {
		b->fail = "nesting too deep";
		return 0;
	}
	if (b->depth == b->nframes) {
		size_t n = b->nframes ? b->nframes * 2 : 16;
		struct frame *nf = realloc(b->frames, n * sizeof(*nf));
		if (nf == NULL) {
			b->fail = oom_msg;
			return 0;
		}
		memset(nf + b->nframes, 0, (n - b->nframes) * sizeof(*nf));
		b->frames = nf;
		b->nframes = n;
	}
	struct frame *f = &b->frames[b->depth++];
	f->is_object = is_object;
	f->len = 0;
	f->key = NULL;
	f->key_len = 0;
	return 1;
}

static int close_frame(struct builder *b)
{
	struct frame *f = &b->frames[--b->depth];
	size_t elem = f->is_object ? sizeof(struct json_member) : sizeof(struct json_value);
	struct json_value v = { .type = f->is_object ? JSON_OBJECT : JSON_ARRAY, .len = f->len };
	void *items = NULL;

	if (f->len) {
		items = arena_alloc(b->arena, f->len * elem);
		if (items == NULL) {
			b->fail = oom_msg;
			return 0;
		}
		memcpy(items, f->buf, f->len * elem);
		if (f->is_object && mark_dups(items, f->len) < 0) {
			b->fail = oom_msg;
			return 0;
		}
	}
	if (f->is_object)
		v.u.members = items;
	else
		v.u.items = items;
	return add_value(b, &v);
}

static int on_start_map(void *ctx)
{
	return open_frame(ctx, true);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	struct frame *f = &b->frames[b->depth - 1];

	if (!check_string(b, true))
		return 0;
	f->key = arena_strndup(b->arena, (const char *)s, len);
	f->key_len = len;
	if (f->key == NULL) {
		b->fail = oom_msg;
		return 0;
	}
	return 1;
}

static int on_end(void *ctx)
{
	return close_frame(ctx);
}

static int on_start_array(void *ctx)
{
	return open_frame(ctx, false);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

static void position(const char *data, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, start = 0;

	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = off - start + 1;
}

static int syntax_error(const char *what, const char *data, size_t len, size_t off,
			const char *reason, struct ward_error *err)
{
	size_t line, col, n = strlen(reason);

	/* yajl ends its messages with a newline */
	while (n > 0 && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
		n--;
	if (off > len)
		off = len;
	position(data, off, &line, &col);
	return ward_error_set(err, 0, "%s%sline %zu, column %zu: invalid JSON: %.*s",
			      what ? what : "", what ? ": " : "", line, col, (int)n, reason);
}

static bool word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '+' || ch == '-';
}

/* yajl reports how far it read, which is at or just past the offending
 * token. Point at the token's first byte instead: that is what a reader
 * looks for. */
static size_t error_offset(const char *data, size_t len, size_t consumed)
{
	size_t off = consumed ? consumed - 1 : 0;

	if (off >= len)
		return len;
	if (data[off] == '"' && off > 0) {
		size_t j = off - 1;
		while (j > 0 && data[j] != '\n' && !(data[j] == '"' && data[j - 1] != '\\'))
			j--;
		if (data[j] == '"')
			off = j;
	} else if (word_char(data[off])) {
		while (off > 0 && word_char(data[off - 1]))
			off--;
	}
	while (off < len && (data[off] == ' ' || data[off] == '\t' || data[off] == '\r' ||
			     data[off] == '\n'))
		off++;
	return off;
}

int json_parse(const char *data, size_t len, const char *what, struct json_doc *doc,
	       struct ward_error *err)
{
	struct builder b = { 0 };
	yajl_handle h;
	yajl_status st;
	bool at_end = false;
	int ret = -1;

	doc->arena = NULL;
	if (data == NULL)
		data = "";
	b.arena = calloc(1, sizeof(*b.arena));
	h = b.arena ? yajl_alloc(&callbacks, NULL, &b) : NULL;
	if (h == NULL) {
		arena_free(b.arena);
		return ward_error_set(err, ENOMEM, "%s", what ? what : "JSON");
	}
	b.h = h;
	b.data = (const unsigned char *)data;
	b.ctx = (struct json_ctx){ .what = what, .err = err };
	st = yajl_parse(h, (const unsigned char *)data, len);
	if (st == yajl_status_ok) {
		at_end = true;
		st = yajl_complete_parse(h);
	}
	if (st == yajl_status_ok) {
		doc->arena = b.arena;
		doc->root = b.root;
		b.arena = NULL;
		ret = 0;
	} else if (st == yajl_status_client_canceled && b.reported) {
		/* the message names the JSON path */
	} else if (st == yajl_status_client_canceled && b.fail == oom_msg) {
		ward_error_set(err, ENOMEM, "%s", what ? what : "JSON");
	} else if (st == yajl_status_client_canceled) {
		syntax_error(what, data, len, error_offset(data, len, yajl_get_bytes_consumed(h)),
			     b.fail ? b.fail : "parse stopped", err);
	} else {
		unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
		const char *reason = msg ? (const char *)msg : "malformed input";

		syntax_error(what, data, len,
			     at_end ? len : error_offset(data, len, yajl_get_bytes_consumed(h)),
			     reason, err);
		if (msg)
			yajl_free_error(h, msg);
	}
	yajl_free(h);
	for (size_t i = 0; i < b.nframes; i++)
		free(b.frames[i].buf);
	free(b.frames);
	arena_free(b.arena);
	return ret;
}

void json_doc_free(struct json_doc *doc)
{
	arena_free(doc->arena);
	doc->arena = NULL;
}
