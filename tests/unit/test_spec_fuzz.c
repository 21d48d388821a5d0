/* Robustness: full.json truncated at every byte, with every byte replaced
 * by a few troublesome ones, and randomly mangled. Each parse must either
 * fail with a proper "full.json: ..." message or succeed, and whatever
 * succeeds must survive emit -> parse -> emit unchanged. Run under ASan or
 * valgrind to catch what a plain run cannot. WARD_FUZZ_STRIDE=N tests every
 * Nth offset only (for slow valgrind runs). */
#include <stdint.h>

#include "test_spec_common.h"

struct stats {
	unsigned long parsed, accepted, bad_errors, bad_roundtrips;
};

static void check_one(const char *data, size_t len, struct stats *st)
{
	struct ward_error err = { 0 };
	struct spec *s = spec_parse(data, len, "full.json", &err);

	st->parsed++;
	if (s == NULL) {
		if (strncmp(err.msg, "full.json: ", 11) != 0 || strlen(err.msg) < 14 ||
		    strchr(err.msg, '\n') != NULL) {
			if (st->bad_errors++ < 5)
				diag("bad error message: \"%s\"", err.msg);
		}
		return;
	}
	st->accepted++;
	(void)spec_validate(s, true, &err);
	char *a = spec_emit(s, true, NULL, &err);
	struct spec *s2 = a ? spec_parse(a, strlen(a), "emitted", &err) : NULL;
	char *b = s2 ? spec_emit(s2, true, NULL, &err) : NULL;
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		if (st->bad_roundtrips++ < 5)
			diag("round trip failed: %s", err.msg);
	}
	free(a);
	free(b);
	spec_free(s2);
	spec_free(s);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64: deterministic, so failures reproduce */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

int main(void)
{
	size_t len, stride = 1;
	char *text = slurp(FULL_JSON, &len);
	char *buf = malloc(len * 2 + 16);
	const char *env = getenv("WARD_FUZZ_STRIDE");
	static const char repl[] = { '"', '{', '}', '[', ']', ',', ':', '0', '-', 'x', '\\', '\0', '\xff', ' ' };
	struct stats st = { 0 };

	if (env && atoi(env) > 0)
		stride = (size_t)atoi(env);

	/* the untouched document first */
	check_one(text, len, &st);
	ok(st.accepted == 1 && st.bad_roundtrips == 0, "full.json parses and round-trips");

	/* every truncation */
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < len; i += stride) {
		memcpy(buf, text, i);
		check_one(buf, i, &st);
	}
	ok(st.bad_errors == 0 && st.bad_roundtrips == 0,
	   "truncations: %lu parsed, %lu accepted, no crash, proper errors", st.parsed, st.accepted);
	/* only dropping the final newline keeps the document complete */
	ok(st.accepted <= 1, "truncated documents are rejected (%lu accepted)", st.accepted);

	/* every byte replaced by each troublesome byte */
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < len; i += stride)
		for (size_t r = 0; r < sizeof(repl); r++) {
			memcpy(buf, text, len);
			buf[i] = repl[r];
			check_one(buf, len, &st);
		}
	ok(st.bad_errors == 0 && st.bad_roundtrips == 0,
	   "byte replacements: %lu parsed, %lu accepted, no crash", st.parsed, st.accepted);

	/* random damage: several bytes, deleted spans, duplicated spans */
	memset(&st, 0, sizeof(st));
	for (int iter = 0; iter < 20000 / (int)stride; iter++) {
		size_t n = len;
		memcpy(buf, text, len);
		int edits = 1 + (int)(rnd() % 6);
		for (int e = 0; e < edits && n > 2; e++) {
			size_t at = rnd() % n, span = 1 + rnd() % 16;
			switch (rnd() % 3) {
			case 0:
				buf[at] = (char)(rnd() & 0xff);
				break;
			case 1:
				if (at + span > n)
					span = n - at;
				memmove(buf + at, buf + at + span, n - at - span);
				n -= span;
				break;
			default:
				if (at + span > n)
					span = n - at;
				if (n + span <= len * 2) {
					memmove(buf + at + span, buf + at, n - at);
					n += span;
				}
				break;
			}
		}
		check_one(buf, n, &st);
	}
	ok(st.bad_errors == 0 && st.bad_roundtrips == 0,
	   "random damage: %lu parsed, %lu accepted, no crash", st.parsed, st.accepted);

	free(buf);
	free(text);
	return tap_done();
}
