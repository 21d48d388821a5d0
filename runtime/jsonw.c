/* Go-compatible JSON output (see jsonw.h for why not yajl_gen: its
 * beautifier prints empty containers over several lines and does not do
 * Go's HTML-safe escaping, and runc's users diff this output). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

void jsonw_init(struct jsonw *w, const char *indent)
{
	memset(w, 0, sizeof(*w));
	w->indent = indent;
}

void jsonw_free(struct jsonw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (w->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void newline(struct jsonw *w)
{
	if (!w->indent)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		puts_(w, w->indent);
}

/* Separator and indentation before a value or a key. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth])
		put(w, ",", 1);
	w->empty[w->depth] = false;
	newline(w);
}

static void open_(struct jsonw *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->depth++;
	w->empty[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	bool was_empty = w->empty[w->depth];
	w->depth--;
	if (!was_empty)
		newline(w);
	put(w, &c, 1);
}

void jsonw_obj_open(struct jsonw *w)
{
	open_(w, '{');
}

void jsonw_obj_close(struct jsonw *w)
{
	close_(w, '}');
}

void jsonw_arr_open(struct jsonw *w)
{
	open_(w, '[');
}

void jsonw_arr_close(struct jsonw *w)
{
	close_(w, ']');
}

/* Length of a valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n;
	uint32_t c, min;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void string_(struct jsonw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	char esc[8];

	put(w, "\"", 1);
	while (*s) {
		uint32_t cp;
		size_t n = utf8_len(s, &cp);
		if (n == 0) {
			puts_(w, "\\ufffd");
			s++;
			continue;
		}
		if (n > 1) {
			if (cp == 0x2028 || cp == 0x2029) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
				puts_(w, esc);
			} else {
				put(w, (const char *)s, n);
			}
			s += n;
			continue;
		}
		switch (*s) {
		case '"':
			puts_(w, "\\\"");
			break;
		case '\\':
			puts_(w, "\\\\");
			break;
		case '\n':
			puts_(w, "\\n");
			break;
		case '\r':
			puts_(w, "\\r");
			break;
		case '\t':
			puts_(w, "\\t");
			break;
		default:
			if (*s < 0x20 || *s == '<' || *s == '>' || *s == '&') {
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				puts_(w, esc);
			} else {
				put(w, (const char *)s, 1);
			}
		}
		s++;
	}
	put(w, "\"", 1);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	before_value(w);
	string_(w, key);
	puts_(w, w->indent ? ": " : ":");
	w->after_key = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	before_value(w);
	string_(w, s);
}

void jsonw_int(struct jsonw *w, long long v)
{
	char num[32];

	before_value(w);
	snprintf(num, sizeof(num), "%lld", v);
	puts_(w, num);
}

void jsonw_uint(struct jsonw *w, unsigned long long v)
{
	char num[32];

	before_value(w);
	snprintf(num, sizeof(num), "%llu", v);
	puts_(w, num);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	puts_(w, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	puts_(w, "null");
}

void jsonw_kv_str(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_kv_int(struct jsonw *w, const char *key, long long v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}

void jsonw_kv_uint(struct jsonw *w, const char *key, unsigned long long v)
{
	jsonw_key(w, key);
	jsonw_uint(w, v);
}

void jsonw_kv_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}

char *jsonw_finish(struct jsonw *w, size_t *len)
{
	if (w->failed || w->depth != 0 || !w->buf) {
		jsonw_free(w);
		return NULL;
	}
	char *out = w->buf;
	if (len)
		*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return out;
}
