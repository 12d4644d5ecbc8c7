// SPDX-License-Identifier: MIT
/*
 * Detector specs, plugin loading and parameter checks.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/loader.h"
#include "lib/util/errbuf.h"

void det_spec_release(struct det_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nparams; i++) {
		free((char *)s->params[i].key);
		free((char *)s->params[i].value);
	}
	free(s->params);
	free(s->spec);
	free(s->name);
	free(s->command);
	memset(s, 0, sizeof(*s));
}

static bool key_ok(const char *k, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && !strchr("_-.", k[i]))
			return false;
	return true;
}

/* "k=v,k=v" into s->params. */
static int parse_params(const char *p, struct det_spec *s, char *err,
			size_t errlen)
{
	const char *item = p;

	while (*item) {
		const char *end = strchrnul(item, ',');
		const char *eq = memchr(item, '=', end - item);
		struct cadet_param *np;
		char *k, *v;

		if (!eq)
			return util_errf(
				err, errlen, -EINVAL,
				"detector '%s': parameter '%.*s' has no value: write key=value, several separated by commas",
				s->spec, (int)(end - item), item);
		if (!key_ok(item, eq - item))
			return util_errf(
				err, errlen, -EINVAL,
				"detector '%s': bad parameter name '%.*s' (letters, digits, '_', '-', '.')",
				s->spec, (int)(eq - item), item);
		for (size_t i = 0; i < s->nparams; i++)
			if (strlen(s->params[i].key) == (size_t)(eq - item) &&
			    !strncmp(s->params[i].key, item, eq - item))
				return util_errf(
					err, errlen, -EINVAL,
					"detector '%s': parameter '%s' given twice",
					s->spec, s->params[i].key);
		np = realloc(s->params, (s->nparams + 1) * sizeof(*np));
		if (!np)
			return util_errf(err, errlen, -ENOMEM, "out of memory");
		s->params = np;
		k = strndup(item, eq - item);
		v = strndup(eq + 1, end - eq - 1);
		if (!k || !v) {
			free(k);
			free(v);
			return util_errf(err, errlen, -ENOMEM, "out of memory");
		}
		s->params[s->nparams].key = k;
		s->params[s->nparams].value = v;
		s->nparams++;
		item = *end ? end + 1 : end;
	}
	return 0;
}

int det_spec_parse(const char *spec, struct det_spec *out, char *err,
		   size_t errlen)
{
	const char *slash, *colon, *eq;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	out->spec = strdup(spec);
	if (!out->spec)
		return util_errf(err, errlen, -ENOMEM, "out of memory");
	if (!strncmp(spec, "exec:", 5)) {
		const char *cmd = spec + 5;

		while (isspace((unsigned char)*cmd))
			cmd++;
		if (!*cmd) {
			ret = util_errf(
				err, errlen, -EINVAL,
				"detector '%s': exec needs a command, e.g. 'exec:python3 examples/detectors/sk_iforest.py'",
				spec);
			goto cleanup;
		}
		out->kind = DET_EXEC;
		out->name = strdup("exec");
		out->command = strdup(cmd);
		if (!out->name || !out->command) {
			ret = util_errf(err, errlen, -ENOMEM, "out of memory");
			goto cleanup;
		}
		return 0;
	}
	/*
	 * A plugin path may hold ':' only before its last '/'; parameter
	 * values may hold '/' (rules:file=PATH), so look for that last '/'
	 * only before the first '='.
	 */
	eq = strchr(spec, '=');
	slash = memrchr(spec, '/', eq ? (size_t)(eq - spec) : strlen(spec));
	colon = strchr(slash ? slash : spec, ':');
	len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (!len) {
		ret = util_errf(
			err, errlen, -EINVAL,
			"detector '%s': no name before ':' (see --list-detectors)",
			spec);
		goto cleanup;
	}
	out->name = strndup(spec, len);
	if (!out->name) {
		ret = util_errf(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	out->kind = DET_BUILTIN;
	if (memchr(spec, '/', len) ||
	    (len > 3 && !strncmp(spec + len - 3, ".so", 3)))
		out->kind = DET_PLUGIN;
	if (colon) {
		ret = parse_params(colon + 1, out, err, errlen);
		if (ret)
			goto cleanup;
	}
	return 0;
cleanup:
	det_spec_release(out);
	return ret;
}

#define OPS_END(f)                                \
	(offsetof(struct cadet_detector_ops, f) + \
	 sizeof(((struct cadet_detector_ops *)0)->f))

int det_ops_import(const struct cadet_detector_ops *src, const char *what,
		   struct cadet_detector_ops *dst, char *err, size_t errlen)
{
	size_t n;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return util_errf(
			err, errlen, -ENOEXEC,
			"%s: the entry function returned no detector ops",
			what);
	if (src->sz < OPS_END(abi_minor))
		return util_errf(
			err, errlen, -ENOEXEC,
			"%s: detector ops of %zu bytes is too small to be a cadet detector: rebuild it against include/cadet/detector.h",
			what, src->sz);
	if (src->abi_major != CADET_DETECTOR_ABI_MAJOR)
		return util_errf(
			err, errlen, -ENOEXEC,
			"%s: detector ABI %u.%u, this cadet speaks %u.%u: rebuild it against include/cadet/detector.h",
			what, src->abi_major, src->abi_minor,
			CADET_DETECTOR_ABI_MAJOR, CADET_DETECTOR_ABI_MINOR);
	/* Every ABI 1.x detector has all fields up to load_model. */
	if (src->sz < OPS_END(load_model))
		return util_errf(
			err, errlen, -ENOEXEC,
			"%s: detector ops of %zu bytes is shorter than ABI %u.0 (%zu bytes): rebuild it against include/cadet/detector.h",
			what, src->sz, CADET_DETECTOR_ABI_MAJOR,
			OPS_END(load_model));
	if (!src->init)
		return util_errf(err, errlen, -ENOEXEC,
				 "%s: detector has no init() callback", what);
	n = src->sz < sizeof(*dst) ? src->sz : sizeof(*dst);
	memcpy(dst, src, n);
	dst->sz = sizeof(*dst);
	return 0;
}

int plugin_open(const char *path, void **handle, cadet_detector_entry_fn *entry,
		char *err, size_t errlen)
{
	void *h;

	*handle = NULL;
	dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return util_errf(err, errlen, -ENOENT,
				 "%s: cannot load detector plugin: %s", path,
				 dlerror());
	*(void **)entry = dlsym(h, CADET_DETECTOR_ENTRY_SYM);
	if (!*entry) {
		dlclose(h);
		return util_errf(
			err, errlen, -ENOEXEC,
			"%s: no '%s' symbol: not a cadet detector (export `const struct cadet_detector_ops *%s(void)`, see docs/detector-abi.md)",
			path, CADET_DETECTOR_ENTRY_SYM,
			CADET_DETECTOR_ENTRY_SYM);
	}
	*handle = h;
	return 0;
}

int plugin_load(const char *path, struct cadet_detector_ops *ops, void **handle,
		char *err, size_t errlen)
{
	cadet_detector_entry_fn entry;
	void *h;
	int ret;

	ret = plugin_open(path, &h, &entry, err, errlen);
	if (ret) {
		*handle = NULL;
		return ret;
	}
	ret = det_ops_import(entry(), path, ops, err, errlen);
	if (ret) {
		dlclose(h);
		*handle = NULL;
		return ret;
	}
	*handle = h;
	return 0;
}

/* Whether @key is listed in "key=default: meaning; key2=...". */
static bool help_has_key(const char *help, const char *key)
{
	const char *p = help;
	size_t klen = strlen(key);

	while (*p) {
		size_t n;

		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, "=:; ");
		if (n == klen && !strncmp(p, key, klen))
			return true;
		p = strchrnul(p, ';');
	}
	return false;
}

/* The keys of @help, "a, b, c", into @buf. */
static const char *help_keys(const char *help, char *buf, size_t len)
{
	const char *p = help;
	size_t used = 0;

	buf[0] = 0;
	while (*p) {
		size_t n;

		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, "=:; ");
		if (n && used < len)
			used += snprintf(buf + used, len - used, "%s%.*s",
					 used ? ", " : "", (int)n, p);
		p = strchrnul(p, ';');
	}
	return buf[0] ? buf : "none";
}

int det_spec_check_params(const struct cadet_detector_ops *ops,
			  const struct det_spec *s, char *err, size_t errlen)
{
	char keys[256];

	if (!ops->params_help)
		return 0;
	for (size_t i = 0; i < s->nparams; i++) {
		const char *k = s->params[i].key;

		if (!strcmp(k, DET_PARAM_THRESHOLD) ||
		    help_has_key(ops->params_help, k))
			continue;
		return util_errf(
			err, errlen, -EINVAL,
			"detector '%s': unknown parameter '%s' (%s knows: %s; every detector takes threshold=max|qNN|NUMBER|none)",
			s->spec, k, ops->name ? ops->name : s->name,
			help_keys(ops->params_help, keys, sizeof(keys)));
	}
	return 0;
}
