// SPDX-License-Identifier: MIT
/*
 * Container discovery: which runtime a cgroup v2 directory belongs to,
 * by the runtimes' cgroup naming patterns and by runc's state.json.
 * Pure functions of their input; the container table
 * (recorder/container_table.c) calls them while it walks the hierarchy.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/util/str.h"
#include "recorder/discovery.h"

#define SHORT_ID_LEN 12
#define MIN_HEX_ID 12
#define MAX_HEX_ID 64

/* Where runc and systemd mount the v2 hierarchy: stripped from runc's
 * absolute cgroup paths. The hybrid one first: it is the longer prefix. */
static const char *const std_v2_mounts[] = {
	"/sys/fs/cgroup/unified",
	"/sys/fs/cgroup",
};

static const char *const runtime_names[] = {
	[CADET_RT_UNKNOWN] = "host",
	[CADET_RT_RUNC] = "runc",
	[CADET_RT_DOCKER] = "docker",
	[CADET_RT_CONTAINERD] = "containerd",
	[CADET_RT_CRIO] = "cri-o",
	[CADET_RT_PODMAN] = "podman",
	[CADET_RT_KUBERNETES] = "kubernetes",
	[CADET_RT_MANUAL] = "manual",
};

const char *container_runtime_name(enum cadet_runtime rt)
{
	if ((unsigned int)rt >=
	    sizeof(runtime_names) / sizeof(runtime_names[0]))
		return "unknown";
	return runtime_names[rt];
}

/* ---- path patterns ---------------------------------------------------- */

struct comp {
	const char *s;
	size_t n;
};

static int comp_eq(const struct comp *c, const char *lit)
{
	return c->n == strlen(lit) && !memcmp(c->s, lit, c->n);
}

static int comp_starts(const struct comp *c, const char *lit)
{
	size_t n = strlen(lit);

	return c->n >= n && !memcmp(c->s, lit, n);
}

static int comp_ends(const struct comp *c, const char *lit)
{
	size_t n = strlen(lit);

	return c->n >= n && !memcmp(c->s + c->n - n, lit, n);
}

/* Container ids of docker, containerd, cri-o and podman: lowercase hex,
 * 64 digits in practice; shorter ones are accepted from 12 digits on. */
static int is_hex_id(const char *s, size_t n)
{
	size_t i;

	if (n < MIN_HEX_ID || n > MAX_HEX_ID)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Prefixes of per-container systemd scopes ("<prefix><id>.scope") and of
 * container directories below a Kubernetes pod. Longer prefixes that
 * share a start come first ("crio-conmon-" is not a container). */
static const struct {
	const char *prefix;
	enum cadet_runtime rt;
} scope_prefixes[] = {
	{"crio-conmon-", CADET_RT_UNKNOWN},
	{"libpod-conmon-", CADET_RT_UNKNOWN},
	{"docker-", CADET_RT_DOCKER},
	{"cri-containerd-", CADET_RT_CONTAINERD},
	{"nerdctl-", CADET_RT_CONTAINERD},
	{"crio-", CADET_RT_CRIO},
	{"libpod-", CADET_RT_PODMAN},
};

/*
 * "<prefix><hex id>[.scope]": the id and runtime, or 0. @need_scope: the
 * ".scope" suffix is required (systemd driver) rather than optional.
 */
static int match_prefixed(const struct comp *c, int need_scope,
			  enum cadet_runtime *rt, struct comp *id)
{
	struct comp s = *c;
	size_t i, n;

	if (comp_ends(&s, ".scope"))
		s.n -= strlen(".scope");
	else if (need_scope)
		return 0;
	for (i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]);
	     i++) {
		if (!comp_starts(&s, scope_prefixes[i].prefix))
			continue;
		if (scope_prefixes[i].rt == CADET_RT_UNKNOWN)
			return 0;
		n = strlen(scope_prefixes[i].prefix);
		if (!is_hex_id(s.s + n, s.n - n))
			return 0;
		*rt = scope_prefixes[i].rt;
		id->s = s.s + n;
		id->n = s.n - n;
		return 1;
	}
	return 0;
}

/*
 * "<slice>:<runtime>:<id>": a systemd-style cgroupsPath that a runtime
 * configured for cgroupfs created literally, as seen under
 * /system.slice/containerd.service when kubelet and containerd disagree
 * on the cgroup driver.
 */
static int match_colon(const struct comp *c, enum cadet_runtime *rt,
		       struct comp *id)
{
	const char *a = memchr(c->s, ':', c->n), *b;
	struct comp mid;

	if (!a)
		return 0;
	b = memchr(a + 1, ':', c->n - (size_t)(a + 1 - c->s));
	if (!b)
		return 0;
	mid.s = a + 1;
	mid.n = (size_t)(b - mid.s);
	if (comp_eq(&mid, "cri-containerd"))
		*rt = CADET_RT_CONTAINERD;
	else if (comp_eq(&mid, "crio"))
		*rt = CADET_RT_CRIO;
	else if (comp_eq(&mid, "docker"))
		*rt = CADET_RT_DOCKER;
	else if (comp_eq(&mid, "libpod"))
		*rt = CADET_RT_PODMAN;
	else
		return 0;
	id->s = b + 1;
	id->n = c->n - (size_t)(id->s - c->s);
	return is_hex_id(id->s, id->n);
}

/* A pod's cgroup: "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid>.slice"
 * (systemd). */
static int is_pod(const struct comp *c)
{
	if (comp_starts(c, "pod") && c->n > 3)
		return 1;
	return comp_starts(c, "kubepods") && comp_ends(c, ".slice") &&
	       memmem(c->s, c->n, "-pod", 4);
}

/*
 * The cgroupfs drivers' parents, whose children are container ids:
 * docker "/docker/<id>", containerd namespaces "/<ns>/<id>", podman
 * "/libpod_parent/libpod-<id>".
 */
static int match_parent(const struct comp *parent, const struct comp *c,
			enum cadet_runtime *rt, struct comp *id)
{
	if (comp_eq(parent, "docker") || comp_eq(parent, "moby")) {
		*rt = CADET_RT_DOCKER;
	} else if (comp_eq(parent, "k8s.io") || comp_eq(parent, "default")) {
		*rt = CADET_RT_CONTAINERD;
	} else if (comp_eq(parent, "libpod_parent")) {
		return match_prefixed(c, 0, rt, id) && *rt == CADET_RT_PODMAN;
	} else {
		return 0;
	}
	*id = *c;
	return is_hex_id(c->s, c->n);
}

int container_parse_cgroup_path(const char *path, struct container_info *out)
{
	struct comp c, parent = {"", 0}, id;
	enum cadet_runtime rt = CADET_RT_UNKNOWN;
	const char *p = path;
	int kube = 0, in_pod = 0, found = 0, depth = 0;

	memset(out, 0, sizeof(*out));
	if (!path)
		return -ENOENT;
	while (*p && !found) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c.s = p;
		while (*p && *p != '/')
			p++;
		c.n = (size_t)(p - c.s);
		if (++depth > CGROUP_MAX_DEPTH)
			break;

		if (comp_starts(&c, "kubepods"))
			kube = 1;
		if (match_prefixed(&c, !in_pod, &rt, &id) ||
		    match_colon(&c, &rt, &id) ||
		    match_parent(&parent, &c, &rt, &id)) {
			found = 1;
		} else if (in_pod && is_hex_id(c.s, c.n)) {
			/* cgroupfs: "/kubepods/<qos>/pod<uid>/<id>" */
			rt = CADET_RT_KUBERNETES;
			id = c;
			found = 1;
		}
		in_pod = kube && is_pod(&c);
		parent = c;
	}
	if (!found)
		return -ENOENT;
	/* Under kubepods the pod is what people look for, whatever CRI
	 * runtime created the container. */
	out->runtime = kube ? CADET_RT_KUBERNETES : rt;
	util_copy_n(out->id, sizeof(out->id), id.s, id.n);
	util_copy_n(out->name, sizeof(out->name), id.s,
		    id.n < SHORT_ID_LEN ? id.n : SHORT_ID_LEN);
	if (*path != '/') {
		out->cgroup_path[0] = '/';
		util_copy_str(out->cgroup_path + 1,
			      sizeof(out->cgroup_path) - 1, path);
	} else {
		util_copy_str(out->cgroup_path, sizeof(out->cgroup_path), path);
	}
	return 0;
}

/* ---- runc state ------------------------------------------------------- */

/* @abs relative to a v2 mount: @root first, then the usual mount points. */
int container_cgroup_rel(const char *abs, const char *root, char *rel,
			 size_t rel_sz)
{
	const char *cands[3] = {root, std_v2_mounts[0], std_v2_mounts[1]};
	size_t i, n;

	for (i = 0; i < 3; i++) {
		if (!cands[i] || !*cands[i])
			continue;
		n = strlen(cands[i]);
		while (n && cands[i][n - 1] == '/')
			n--;
		if (strncmp(abs, cands[i], n) || (abs[n] && abs[n] != '/'))
			continue;
		if (!abs[n])
			util_copy_str(rel, rel_sz, "/");
		else
			util_copy_str(rel, rel_sz, abs + n);
		return 0;
	}
	return -ENOENT;
}

/* "key=value" entries of runc's config.labels (OCI annotations land
 * there too). */
static const char *label_value(json_t *labels, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < json_array_size(labels); i++) {
		const char *s = json_string_value(json_array_get(labels, i));

		if (s && !strncmp(s, key, n) && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

int container_parse_runc_state(const char *buf, size_t len, const char *root,
			       struct container_info *out)
{
	json_t *doc, *cfg, *labels, *paths;
	const char *id, *s;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc))
		goto cleanup;
	id = json_string_value(json_object_get(doc, "id"));
	if (!id || !*id)
		goto cleanup;
	out->runtime = CADET_RT_RUNC;
	util_copy_str(out->id, sizeof(out->id), id);

	cfg = json_object_get(doc, "config");
	labels = json_object_get(cfg, "labels");
	s = label_value(labels, "cadet.name");
	if (!s)
		s = label_value(labels, "io.kubernetes.container.name");
	util_copy_str(out->name, sizeof(out->name), s && *s ? s : id);
	s = label_value(labels, "cadet.image");
	if (!s)
		s = json_string_value(json_object_get(cfg, "rootfs"));
	if (s)
		util_copy_str(out->image, sizeof(out->image), s);

	/* The v2 directory: key "" (hybrid and pure v2 with runc >= 1.0)
	 * or "unified"; else the configured path, already relative. */
	paths = json_object_get(doc, "cgroup_paths");
	s = json_string_value(json_object_get(paths, ""));
	if (!s)
		s = json_string_value(json_object_get(paths, "unified"));
	if (s && *s == '/') {
		if (container_cgroup_rel(s, root, out->cgroup_path,
					 sizeof(out->cgroup_path)))
			goto cleanup;
	} else {
		s = json_string_value(json_object_get(
			json_object_get(cfg, "cgroups"), "path"));
		if (!s || *s != '/')
			goto cleanup;
		util_copy_str(out->cgroup_path, sizeof(out->cgroup_path), s);
	}
	err = 0;
cleanup:
	json_decref(doc);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}
