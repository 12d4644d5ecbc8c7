// SPDX-License-Identifier: MIT
/*
 * podman: the container store of containers/storage, which podman shares
 * with buildah and cri-o: <storage>/overlay-containers/containers.json, an
 * array of {"id", "names", "image", "metadata"} where metadata is a JSON
 * document in a string holding "image-name". Podman has no daemon to ask;
 * its own database (libpod) adds nothing the recorder needs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "recorder/engines.h"

static int parse_store(json_t *root, const char *id, struct engine_meta *out)
{
	json_t *c, *meta;
	size_t i;

	if (!json_is_array(root))
		return -EINVAL;
	json_array_foreach(root, i, c)
	{
		const char *cid = json_string_value(json_object_get(c, "id"));
		const char *mstr;

		if (!cid || strcmp(cid, id))
			continue;
		memset(out, 0, sizeof(*out));
		engine_copy(out->name, sizeof(out->name),
			    json_string_value(json_array_get(
				    json_object_get(c, "names"), 0)));
		engine_copy(out->image, sizeof(out->image),
			    json_string_value(json_object_get(c, "image")));
		mstr = json_string_value(json_object_get(c, "metadata"));
		meta = mstr ? json_loads(mstr, 0, NULL) : NULL;
		engine_copy(
			out->image, sizeof(out->image),
			json_string_value(json_object_get(meta, "image-name")));
		json_decref(meta);
		return 0;
	}
	return -ENOENT;
}

int engine_podman_parse(const char *json, size_t len, const char *id,
			struct engine_meta *out)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	int err = root ? parse_store(root, id, out) : -EINVAL;

	json_decref(root);
	return err;
}

int engine_podman_lookup(const char *storage, const char *id,
			 struct engine_meta *out)
{
	char path[512];
	json_t *root;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json",
		 storage);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	root = json_loadf(f, 0, NULL);
	fclose(f);
	/* Rewritten while we read it: asked again. */
	err = root ? parse_store(root, id, out) : -ENOENT;
	json_decref(root);
	return err;
}
