// SPDX-License-Identifier: MIT
/*
 * containerd and cri-o: the OCI bundle of a running container. Both keep
 * the runtime spec they handed to runc in a file of their state dir:
 *
 *   containerd  <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json
 *   cri-o       /run/containers/storage/overlay-containers/<id>/userdata/config.json
 *
 * The directory name is containerd's namespace ("k8s.io", "moby",
 * "default"); Kubernetes' CRI plugins write the pod, its namespace, the
 * container's name and its image as annotations of the spec. Reading
 * files needs no client library and no round trip to a daemon that may
 * be busy starting the very container asked about; containerd's own
 * labels (in its bolt database) are not read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder/engines.h"

#define CONTAINERD_TASKS "io.containerd.runtime.v2.task"
#define CRIO_CONTAINERS "/run/containers/storage/overlay-containers"

/* The first annotation of @keys that is set, or NULL. */
static const char *annotation(json_t *ann, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = json_string_value(json_object_get(ann, *keys));

		if (v && *v)
			return v;
	}
	return NULL;
}

static int parse_spec(json_t *root, struct engine_meta *out)
{
	/* containerd's CRI plugin first, then cri-o's names. */
	static const char *const name_keys[] = {
		"io.kubernetes.cri.container-name",
		"io.kubernetes.container.name", NULL};
	static const char *const pod_keys[] = {"io.kubernetes.cri.sandbox-name",
					       "io.kubernetes.pod.name", NULL};
	static const char *const ns_keys[] = {
		"io.kubernetes.cri.sandbox-namespace",
		"io.kubernetes.pod.namespace", NULL};
	static const char *const image_keys[] = {
		"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName",
		NULL};
	json_t *ann;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root) || !json_object_get(root, "ociVersion"))
		return -EINVAL;
	ann = json_object_get(root, "annotations");
	engine_copy(out->name, sizeof(out->name), annotation(ann, name_keys));
	engine_copy(out->pod, sizeof(out->pod), annotation(ann, pod_keys));
	engine_copy(out->pod_namespace, sizeof(out->pod_namespace),
		    annotation(ann, ns_keys));
	engine_copy(out->image, sizeof(out->image),
		    annotation(ann, image_keys));
	return 0;
}

int engine_oci_parse(const char *json, size_t len, struct engine_meta *out)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	int err = parse_spec(root, out);

	json_decref(root);
	return err;
}

static int parse_file(const char *path, struct engine_meta *out)
{
	json_t *root;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	root = json_loadf(f, 0, NULL);
	fclose(f);
	err = parse_spec(root, out);
	json_decref(root);
	return err;
}

/* containerd: the namespace is the directory that holds the bundle. */
static int containerd_lookup(const char *state_dir, const char *id,
			     struct engine_meta *out)
{
	char dir[512], path[1024];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/" CONTAINERD_TASKS, state_dir);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d)) && err == -ENOENT) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir,
			 de->d_name, id);
		err = parse_file(path, out);
		if (!err && !out->pod_namespace[0])
			engine_copy(out->pod_namespace,
				    sizeof(out->pod_namespace), de->d_name);
	}
	closedir(d);
	return err;
}

int engine_oci_lookup(const char *state_dir, const char *id,
		      struct engine_meta *out)
{
	char path[512];
	int err;

	err = containerd_lookup(state_dir, id, out);
	if (err != -ENOENT)
		return err;
	snprintf(path, sizeof(path), CRIO_CONTAINERS "/%s/userdata/config.json",
		 id);
	err = parse_file(path, out);
	return err == -ENOTDIR ? -ENOENT : err;
}
