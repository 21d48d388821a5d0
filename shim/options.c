/* Runtime options, as containerd hands them to Create and to `start`
 * (stdin): runc's Options message, or runtimeoptions.v1.Options whose
 * ConfigPath/ConfigBody carry `Key = "value"` TOML lines (what the CRI and
 * `ctr run --runtime-config-path` send for runtime types other than runc). */
#include "config.h"
#include "shim/shim.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void set(char **dst, const char *val)
{
	if (!val || !*val)
		return;
	free(*dst);
	*dst = strdup(val);
}

/* TOML keys in containerd's spelling (runc Options field names) or snake
 * case. Policy is ours: the node policy handed to the runtime as --policy,
 * so that each runtime handler can carry its own policy. */
static void toml_opts(const char *text, struct shim_opts *o)
{
	static const struct {
		const char *camel, *snake;
		size_t off;
	} keys[] = {
		{ "BinaryName", "binary_name", offsetof(struct shim_opts, binary) },
		{ "Root", "root", offsetof(struct shim_opts, root) },
		{ "Policy", "policy", offsetof(struct shim_opts, policy) },
		{ "ShimCgroup", "shim_cgroup", offsetof(struct shim_opts, shim_cgroup) },
		{ "CriuImagePath", "criu_image_path", offsetof(struct shim_opts, criu_image) },
		{ "CriuWorkPath", "criu_work_path", offsetof(struct shim_opts, criu_work) },
	};
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;
	if (!copy)
		return;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64], val[PATH_MAX];
		if (sscanf(line, " %63[A-Za-z_] = \"%4095[^\"]\"", key, val) != 2)
			continue;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (!strcmp(key, keys[i].camel) || !strcmp(key, keys[i].snake))
				set((char **)((char *)o + keys[i].off), val);
	}
}

void opts_parse(const Wshim__Any *any, struct shim_opts *o)
{
	if (!any || !any->type_url || !any->value.len)
		return;
	if (strstr(any->type_url, "containerd.runc.v1.Options")) {
		Wshim__RuncOptions *r = wshim__runc_options__unpack(NULL, any->value.len, any->value.data);
		if (!r)
			return;
		set(&o->binary, r->binary_name);
		set(&o->root, r->root);
		set(&o->shim_cgroup, r->shim_cgroup);
		set(&o->criu_image, r->criu_image_path);
		set(&o->criu_work, r->criu_work_path);
		wshim__runc_options__free_unpacked(r, NULL);
	} else if (strstr(any->type_url, "runtimeoptions.v1.Options")) {
		Wshim__RuntimeOptions *r = wshim__runtime_options__unpack(NULL, any->value.len, any->value.data);
		if (!r)
			return;
		if (*r->config_path) {
			_cleanup_free_ char *t = read_file_str(r->config_path, 65536);
			if (t)
				toml_opts(t, o);
		}
		if (*r->config_body)
			toml_opts(r->config_body, o);
		wshim__runtime_options__free_unpacked(r, NULL);
	}
}

void opts_free(struct shim_opts *o)
{
	free(o->binary);
	free(o->root);
	free(o->policy);
	free(o->shim_cgroup);
	free(o->criu_image);
	free(o->criu_work);
	memset(o, 0, sizeof *o);
}
