// SPDX-License-Identifier: MIT
/*
 * Docker: `GET /containers/<id>/json` of the Engine API on the daemon's
 * unix socket (libcurl). The API is the interface Docker keeps stable
 * across versions and storage drivers, and it needs one setting only,
 * the socket that users already name in DOCKER_HOST; the files under the
 * data root (containers/<id>/config.v2.json) are internal to dockerd.
 * While a container starts dockerd holds it locked and answers when the
 * start is done: the resolver thread asks, never the recorder's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "recorder/engines.h"

#define MAX_ANSWER (1u << 20)

static const char *obj_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int engine_docker_parse(const char *json, size_t len, struct engine_meta *out)
{
	json_t *root, *config, *labels;
	const char *name, *kname;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	root = json_loadb(json, len, 0, NULL);
	if (!json_is_object(root))
		goto cleanup;
	name = obj_str(root, "Name");
	if (!name)
		goto cleanup;
	/* The API names containers "/<name>". */
	engine_copy(out->name, sizeof(out->name),
		    name[0] == '/' ? name + 1 : name);
	config = json_object_get(root, "Config");
	engine_copy(out->image, sizeof(out->image), obj_str(config, "Image"));
	/* Kubernetes on Docker (dockershim, cri-dockerd) labels its
	 * containers; the pod is what people look for then. */
	labels = json_object_get(config, "Labels");
	kname = obj_str(labels, "io.kubernetes.container.name");
	/* cadet run's own containers carry the scenario's name, as their
	 * runc states do (recorder/container_table.c). */
	if (obj_str(labels, "cadet.name"))
		kname = obj_str(labels, "cadet.name");
	if (kname && *kname)
		engine_copy(out->name, sizeof(out->name), kname);
	engine_copy(out->pod, sizeof(out->pod),
		    obj_str(labels, "io.kubernetes.pod.name"));
	engine_copy(out->pod_namespace, sizeof(out->pod_namespace),
		    obj_str(labels, "io.kubernetes.pod.namespace"));
	err = 0;
cleanup:
	json_decref(root);
	return err;
}

struct answer {
	char *p;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t add = size * n;
	char *q;

	if (a->len + add > MAX_ANSWER)
		return 0; /* not an inspect answer: fail the transfer */
	q = realloc(a->p, a->len + add + 1);
	if (!q)
		return 0;
	memcpy(q + a->len, p, add);
	a->p = q;
	a->len += add;
	a->p[a->len] = '\0';
	return add;
}

/* "unix:///run/docker.sock" or "/run/docker.sock" -> the path. */
static const char *socket_path(const char *host)
{
	if (!strncmp(host, "unix://", 7))
		return host + 7;
	return host[0] == '/' ? host : NULL;
}

int engine_docker_lookup(const char *host, const char *id,
			 unsigned int timeout_ms, struct engine_meta *out)
{
	struct answer a = {};
	const char *path = socket_path(host);
	char url[256];
	long status = 0;
	CURLcode rc;
	CURL *curl;
	int err;

	if (!path)
		return -EPROTONOSUPPORT; /* tcp:// and ssh:// are not read */
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	curl = curl_easy_init();
	if (!curl)
		return -ENOMEM;
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_COULDNT_CONNECT)
		err = -ECONNREFUSED;
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		err = -ETIMEDOUT;
	else if (rc != CURLE_OK)
		err = -EIO;
	else if (status == 404)
		err = -ENOENT; /* not created yet: asked again */
	else if (status != 200)
		err = -EIO;
	else
		err = engine_docker_parse(a.p, a.len, out);
	curl_easy_cleanup(curl);
	free(a.p);
	return err;
}

int engine_docker_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? -EIO : 0;
}
