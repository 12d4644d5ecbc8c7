/* SPDX-License-Identifier: MIT */
/*
 * Detector specs and loading: parse "--detector" strings, find built-ins,
 * dlopen() plugins with the ABI check, validate parameters.
 */
#ifndef CADET_DETECT_LOADER_H
#define CADET_DETECT_LOADER_H

#include <stddef.h>

#include "cadet/detector.h"

enum det_kind {
	DET_BUILTIN,
	DET_PLUGIN,
	DET_EXEC,
};

struct det_spec {
	char *spec; /* as given */
	char *name; /* built-in name, .so path, "exec" */
	enum det_kind kind;
	struct cadet_param *params; /* key=value pairs, in given order */
	size_t nparams;
	char *command; /* exec: the shell command */
};

/*
 * det_spec_parse() - "NAME[:k=v,k=v]", "PATH.so[:k=v,...]" (a name with a
 * '/' or ending in .so is a plugin) or "exec:COMMAND".
 * Returns 0 or -EINVAL with @err filled.
 */
int det_spec_parse(const char *spec, struct det_spec *out, char *err,
		   size_t errlen);
void det_spec_release(struct det_spec *s);

/*
 * det_ops_import() - check @src (from a plugin or built-in, described as
 * @what in messages) and copy it into @dst zero-extended to this host's
 * struct size. Returns 0 or -ENOEXEC with @err filled.
 */
int det_ops_import(const struct cadet_detector_ops *src, const char *what,
		   struct cadet_detector_ops *dst, char *err, size_t errlen);

/*
 * plugin_open() - dlopen(@path, RTLD_NOW | RTLD_LOCAL) and find the entry
 * symbol, without calling it (an isolated child calls it itself, so that
 * a crash there is seen as such). On failure the object is closed.
 * Returns 0 or -errno with @err filled.
 */
int plugin_open(const char *path, void **handle, cadet_detector_entry_fn *entry,
		char *err, size_t errlen);

/*
 * plugin_load() - dlopen(@path, RTLD_NOW | RTLD_LOCAL), find the entry
 * symbol, import its ops. On success *@handle is the dlopen() handle to
 * dlclose() after fini(); on failure the object is already closed.
 */
int plugin_load(const char *path, struct cadet_detector_ops *ops, void **handle,
		char *err, size_t errlen);

/*
 * det_spec_check_params() - every key of @s must be a host key ("threshold")
 * or named in @ops->params_help ("key=default: meaning; ..."). Detectors
 * without params_help (NULL) get every key. Returns 0 or -EINVAL.
 */
int det_spec_check_params(const struct cadet_detector_ops *ops,
			  const struct det_spec *s, char *err, size_t errlen);

/* Host-level parameter keys, consumed by the detector host itself. */
#define DET_PARAM_THRESHOLD "threshold"

#endif /* CADET_DETECT_LOADER_H */
