/* The effective spec kept in the state directory: later commands (delete's
 * poststop hooks, exec, update) must see what create applied, not a bundle
 * that may have changed or disappeared since. */
#include "config.h"

#include <stdlib.h>

#include "cleanup.h"
#include "state.h"

#define CONFIG_FILE "config.json"

int state_write_config(int dirfd, const struct spec *s, struct ward_error *err)
{
	size_t len;
	cleanup_free char *json = spec_emit(s, false, &len, err);

	if (!json)
		return ward_error_wrap(err, "save effective config");
	return state_write_file(dirfd, CONFIG_FILE, json, len, err);
}

struct spec *state_read_config(int dirfd, struct ward_error *err)
{
	size_t len;
	cleanup_free char *json = state_read_file(dirfd, CONFIG_FILE, &len, err);

	if (!json) {
		ward_error_wrap(err, "read saved config");
		return NULL;
	}
	return spec_parse(json, len, "state " CONFIG_FILE, err);
}
