// SPDX-License-Identifier: MIT
/*
 * Container discovery: the cgroup path parser against the layouts in
 * the .paths files of tests/fixtures/cgroups, the runc state parser against real and
 * broken state.json files, and the table against a fake cgroup tree and
 * a fake runc state directory built in a temp dir.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util/cgroup.h"
#include "recorder/container_table.h"

#define FIXTURES "tests/fixtures/cgroups"

static enum cadet_runtime runtime_of(const char *s)
{
	static const struct {
		const char *name;
		enum cadet_runtime rt;
	} map[] = {
		{"runc", CADET_RT_RUNC},
		{"docker", CADET_RT_DOCKER},
		{"containerd", CADET_RT_CONTAINERD},
		{"cri-o", CADET_RT_CRIO},
		{"podman", CADET_RT_PODMAN},
		{"kubernetes", CADET_RT_KUBERNETES},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(s, map[i].name))
			return map[i].rt;
	}
	fail_msg("unknown runtime '%s' in a fixture", s);
	return CADET_RT_UNKNOWN;
}

/* Checks every line of one .paths file; returns the number of lines. */
static int check_paths_file(const char *file)
{
	char line[2048], rt[32], id[160], path[1024];
	struct container_info ci;
	int n = 0, lineno = 0, err;
	FILE *f = fopen(file, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(
			sscanf(line, "%31s %159s %1023s", rt, id, path), 3);
		if (!strcmp(path, "\"\""))
			path[0] = '\0';
		err = container_parse_cgroup_path(path, &ci);
		if (!strcmp(rt, "none")) {
			if (err != -ENOENT)
				fail_msg(
					"%s:%d: %s: want -ENOENT, got %d (id %s)",
					file, lineno, path, err, ci.id);
		} else {
			if (err)
				fail_msg("%s:%d: %s: want %s %s, got %d", file,
					 lineno, path, rt, id, err);
			if (ci.runtime != runtime_of(rt))
				fail_msg("%s:%d: runtime %s, got %s", file,
					 lineno, rt,
					 container_runtime_name(ci.runtime));
			assert_string_equal(ci.id, id);
			/* the name is the short id */
			assert_int_equal(strlen(ci.name), 12);
			assert_memory_equal(ci.name, id, 12);
			assert_string_equal(ci.cgroup_path, path);
			assert_int_equal(ci.cgroup_id, 0);
		}
		n++;
	}
	fclose(f);
	return n;
}

static void test_parse_fixtures(void **state)
{
	char file[PATH_MAX];
	struct dirent *de;
	int files = 0, lines = 0, n;
	DIR *d = opendir(FIXTURES);

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 7 || strcmp(de->d_name + len - 6, ".paths"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", FIXTURES, de->d_name);
		n = check_paths_file(file);
		assert_true(n >= 5);
		lines += n;
		files++;
	}
	closedir(d);
	/* docker, containerd, crio, podman, kubernetes, host */
	assert_int_equal(files, 6);
	print_message("checked %d paths in %d files\n", lines, files);
}

static void test_parse_edges(void **state)
{
	static const char id[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char path[8192];
	struct container_info ci;
	size_t n = 0;
	int i;

	assert_int_equal(container_parse_cgroup_path(NULL, &ci), -ENOENT);
	/* no leading slash: accepted, stored with one */
	snprintf(path, sizeof(path), "docker/%s", id);
	assert_int_equal(container_parse_cgroup_path(path, &ci), 0);
	assert_int_equal(ci.runtime, CADET_RT_DOCKER);
	assert_string_equal(ci.cgroup_path + 1, path);
	/* doubled slashes do not hide a container */
	snprintf(path, sizeof(path), "//system.slice//docker-%s.scope//", id);
	assert_int_equal(container_parse_cgroup_path(path, &ci), 0);
	assert_string_equal(ci.id, id);
	/* deeper than any real layout: not a container, no overflow */
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/a");
	snprintf(path + n, sizeof(path) - n, "/docker-%s.scope", id);
	assert_int_equal(container_parse_cgroup_path(path, &ci), -ENOENT);
	/* a container with a very long nested path: path truncated, safe */
	n = (size_t)snprintf(path, sizeof(path), "/docker/%s", id);
	while (n + 20 < sizeof(path))
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/sub%04zu",
				      n);
	assert_int_equal(container_parse_cgroup_path(path, &ci), 0);
	assert_int_equal(strlen(ci.cgroup_path), sizeof(ci.cgroup_path) - 1);
	assert_string_equal(container_runtime_name(CADET_RT_CRIO), "cri-o");
	assert_string_equal(container_runtime_name((enum cadet_runtime)99),
			    "unknown");
}

static char *slurp(const char *file, size_t *len)
{
	char *buf;
	long n;
	FILE *f = fopen(file, "rb");

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_runc_state(void **state)
{
	struct container_info ci;
	size_t len;
	char *buf;

	/* written by runc 1.1.5 on a hybrid host */
	buf = slurp(FIXTURES "/runc/cadet-web-1a2b3c/state.json", &len);
	assert_int_equal(container_parse_runc_state(buf, len, NULL, &ci), 0);
	assert_int_equal(ci.runtime, CADET_RT_RUNC);
	assert_string_equal(ci.id, "cadet-web-1a2b3c");
	assert_string_equal(ci.name, "web");
	assert_string_equal(ci.image,
			    "/var/cache/cadet/rootfs-2df546a8f061b29c");
	assert_string_equal(ci.cgroup_path, "/cadet/cadet-web-1a2b3c");
	/* an explicit root that is the hybrid mount strips the same */
	assert_int_equal(container_parse_runc_state(
				 buf, len, "/sys/fs/cgroup/unified/", &ci),
			 0);
	assert_string_equal(ci.cgroup_path, "/cadet/cadet-web-1a2b3c");
	free(buf);

	/* pure v2 mount, "unified" key, no name label: the id is the name,
	 * the rootfs the image */
	buf = slurp(FIXTURES "/runc/plain-1/state.json", &len);
	assert_int_equal(container_parse_runc_state(buf, len, NULL, &ci), 0);
	assert_string_equal(ci.name, "plain-1");
	assert_string_equal(ci.image, "/srv/images/alpine");
	assert_string_equal(ci.cgroup_path, "/system.slice/plain-1");
	free(buf);

	/* no cgroup_paths (stopped container): the configured path */
	buf = slurp(FIXTURES "/runc/batch-7/state.json", &len);
	assert_int_equal(container_parse_runc_state(buf, len, NULL, &ci), 0);
	assert_string_equal(ci.name, "batch");
	assert_string_equal(ci.cgroup_path, "/cadet/batch-7");
	free(buf);
}

static void test_runc_state_bad(void **state)
{
	char file[PATH_MAX];
	struct container_info ci;
	struct dirent *de;
	int n = 0;
	size_t len;
	char *buf;
	DIR *d = opendir(FIXTURES "/runc-bad");

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), FIXTURES "/runc-bad/%s",
			 de->d_name);
		buf = slurp(file, &len);
		if (container_parse_runc_state(buf, len, NULL, &ci) != -EINVAL)
			fail_msg("%s: accepted, want -EINVAL", file);
		assert_string_equal(ci.id, "");
		free(buf);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 6);
	assert_int_equal(container_parse_runc_state("", 0, NULL, &ci), -EINVAL);
}

/* ---- the table on a fake tree ------------------------------------------ */

#define DOCKER_ID \
	"8b53639f152c8fc6ef30802fde462ba0be9cf085f7580dc69efd72e002abbb35"
#define K8S_ID \
	"9c1185a5c5e9fc54612808977ee8f548b2258d31f0d4a4fb3f1a7e3b3c5d1e2f"
#define K8S_POD \
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f1d2a0e_8c1b_4b7e_9d3e_0a1b2c3d4e5f.slice"

struct tree {
	char root[256]; /* fake cgroup v2 mount */
	char runc[264]; /* fake runc state root */
};

struct events {
	int adds, removes;
	char last_add[512], last_remove[512];
	uint64_t last_add_id, last_remove_id;
	void *ext;
};

static void on_add(const struct container_info *c, void *ctx)
{
	struct events *e = ctx;

	e->adds++;
	snprintf(e->last_add, sizeof(e->last_add), "%s", c->cgroup_path);
	e->last_add_id = c->cgroup_id;
}

static void on_remove(const struct container_info *c, void *ctx)
{
	struct events *e = ctx;

	e->removes++;
	snprintf(e->last_remove, sizeof(e->last_remove), "%s", c->cgroup_path);
	e->last_remove_id = c->cgroup_id;
}

static void mkdirs(const char *root, const char *rel)
{
	char p[2 * PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (s = p + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	assert_int_equal(mkdir(p, 0755), 0);
}

static uint64_t ino_of(const char *root, const char *rel)
{
	char p[2 * PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	assert_int_equal(stat(p, &st), 0);
	return st.st_ino;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(from, &len);
	FILE *f = fopen(to, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static void add_runc_state(struct tree *t, const char *id)
{
	char from[PATH_MAX], to[PATH_MAX];

	snprintf(to, sizeof(to), "%s/%s", t->runc, id);
	assert_int_equal(mkdir(to, 0700), 0);
	snprintf(from, sizeof(from), FIXTURES "/runc/%s/state.json", id);
	snprintf(to, sizeof(to), "%s/%s/state.json", t->runc, id);
	copy_file(from, to);
}

static int rm_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->root, "/tmp/cadet-cgtest.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->runc, sizeof(t->runc), "%s.runc", t->root);
	assert_int_equal(mkdir(t->runc, 0700), 0);

	/* a host with docker, a Kubernetes pod and a runc container */
	mkdirs(t->root, "/init.scope");
	mkdirs(t->root, "/system.slice/ssh.service");
	mkdirs(t->root, "/system.slice/docker.service");
	mkdirs(t->root, "/system.slice/docker-" DOCKER_ID ".scope/init");
	mkdirs(t->root, "/user.slice/user-1000.slice/session-3.scope");
	mkdirs(t->root, K8S_POD "/cri-containerd-" K8S_ID ".scope");
	mkdirs(t->root, "/cadet/cadet-web-1a2b3c");
	mkdirs(t->root, "/my/grp/worker");
	add_runc_state(t, "cadet-web-1a2b3c");
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	rm_tree(t->root);
	rm_tree(t->runc);
	free(t);
	return 0;
}

static const struct container_info *find_path(struct container_table *tb,
					      const char *rel)
{
	const struct container_info *c;
	size_t i;

	for (i = 0; (c = container_table__get(tb, i)); i++) {
		if (!strcmp(c->cgroup_path, rel))
			return c;
	}
	return NULL;
}

static void test_table_scan(void **state)
{
	struct tree *t = *state;
	struct container_table_opts o = {
		.sz = sizeof(o), .cgroup_root = t->root, .runc_root = t->runc};
	const struct container_info *c;
	struct container_table *tb;
	struct events ev = {0};
	char p[PATH_MAX];

	tb = container_table__new(&o);
	assert_non_null(tb);
	assert_string_equal(container_table__cgroup_root(tb), t->root);
	assert_int_equal(container_table__add_cgroup(tb, "/my/grp"), 0);
	/* the same one again, absolute: no duplicate */
	snprintf(p, sizeof(p), "%s/my/grp/", t->root);
	assert_int_equal(container_table__add_cgroup(tb, p), 0);
	assert_int_equal(container_table__add_cgroup(tb, "/no/such"), -ENOENT);
	assert_int_equal(container_table__add_cgroup(tb, "/proc"), -EINVAL);

	/* docker scope + its init, k8s container, runc, manual + worker */
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 6);
	assert_int_equal(ev.adds, 6);
	assert_int_equal(ev.removes, 0);
	assert_int_equal(container_table__cnt(tb), 6);

	c = container_table__find(tb,
				  ino_of(t->root, "/cadet/cadet-web-1a2b3c"));
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_RUNC);
	assert_string_equal(c->name, "web");
	assert_string_equal(c->id, "cadet-web-1a2b3c");
	assert_string_equal(c->cgroup_path, "/cadet/cadet-web-1a2b3c");

	c = container_table__find(tb, ino_of(t->root,
					     "/system.slice/docker-" DOCKER_ID
					     ".scope/init"));
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_DOCKER);
	assert_string_equal(c->id, DOCKER_ID);
	assert_string_equal(c->cgroup_path,
			    "/system.slice/docker-" DOCKER_ID ".scope/init");

	c = find_path(tb, K8S_POD "/cri-containerd-" K8S_ID ".scope");
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_KUBERNETES);
	assert_string_equal(c->id, K8S_ID);

	c = container_table__find(tb, ino_of(t->root, "/my/grp/worker"));
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_MANUAL);
	assert_string_equal(c->name, "grp");
	assert_string_equal(c->id, "/my/grp");
	assert_string_equal(c->cgroup_path, "/my/grp/worker");

	assert_null(find_path(tb, "/system.slice/ssh.service"));
	assert_null(find_path(tb, "/system.slice/docker.service"));
	assert_null(find_path(tb, "/"));
	assert_null(container_table__find(tb, ino_of(t->root, "/init.scope")));

	/* nothing changed: nothing reported */
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 0);
	assert_int_equal(ev.adds, 6);

	/* the docker container's nested cgroup goes away */
	snprintf(p, sizeof(p),
		 "%s/system.slice/docker-" DOCKER_ID ".scope/init", t->root);
	uint64_t init_id = ino_of(t->root, "/system.slice/docker-" DOCKER_ID
					   ".scope/init");
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 1);
	assert_int_equal(ev.removes, 1);
	assert_int_equal(ev.last_remove_id, init_id);
	assert_string_equal(ev.last_remove,
			    "/system.slice/docker-" DOCKER_ID ".scope/init");
	assert_int_equal(container_table__cnt(tb), 5);

	/* a new runc container whose state says where its cgroup is */
	mkdirs(t->root, "/cadet/batch-7");
	add_runc_state(t, "batch-7");
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 1);
	assert_string_equal(ev.last_add, "/cadet/batch-7");
	assert_int_equal(ev.last_add_id, ino_of(t->root, "/cadet/batch-7"));
	c = container_table__find(tb, ev.last_add_id);
	assert_non_null(c);
	assert_string_equal(c->name, "batch");

	/* runc deletes the container: state first, then the cgroup */
	snprintf(p, sizeof(p), "%s/batch-7", t->runc);
	rm_tree(p);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 1);
	assert_int_equal(ev.removes, 2);
	assert_string_equal(ev.last_remove, "/cadet/batch-7");
	snprintf(p, sizeof(p), "%s/cadet/batch-7", t->root);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 0);
	container_table__free(tb);
	container_table__free(NULL);
}

static void test_table_all(void **state)
{
	struct tree *t = *state;
	struct container_table_opts o = {.sz = sizeof(o),
					 .cgroup_root = t->root,
					 .runc_root = t->runc,
					 .all = 1};
	const struct container_info *c;
	struct container_table *tb;
	struct events ev = {0};

	tb = container_table__new(&o);
	assert_non_null(tb);
	assert_true(container_table__scan(tb, on_add, on_remove, &ev) > 0);
	/* every directory is an entry: containers as before, host too */
	c = find_path(tb, "/system.slice/ssh.service");
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_UNKNOWN);
	assert_string_equal(c->name, "ssh.service");
	c = find_path(tb, "/");
	assert_non_null(c);
	assert_string_equal(c->name, "host");
	c = find_path(tb, "/cadet/cadet-web-1a2b3c");
	assert_non_null(c);
	assert_int_equal(c->runtime, CADET_RT_RUNC);
	/* 18 directories below the root, plus the root */
	assert_int_equal(container_table__cnt(tb), 19);
	container_table__free(tb);
}

/* runc rewrites state.json on changes: the table follows (name here). */
static void test_table_state_change(void **state)
{
	struct tree *t = *state;
	struct container_table_opts o = {
		.sz = sizeof(o), .cgroup_root = t->root, .runc_root = t->runc};
	const char *doc =
		"{\"id\":\"cadet-web-1a2b3c\",\"config\":{\"labels\":[\"cadet.name=renamed-web\"]},"
		"\"cgroup_paths\":{\"\":\"/sys/fs/cgroup/unified/cadet/cadet-web-1a2b3c\"}}";
	struct container_table *tb;
	struct events ev = {0};
	char p[PATH_MAX];
	FILE *f;

	tb = container_table__new(&o);
	assert_non_null(tb);
	/* docker scope + init, k8s, runc */
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 4);
	snprintf(p, sizeof(p), "%s/cadet-web-1a2b3c/state.json", t->runc);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(doc, f);
	fclose(f);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 2);
	assert_string_equal(container_table__find(tb, ev.last_add_id)->name,
			    "renamed-web");
	/* a broken state file: the container is no longer known */
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"id\":", f);
	fclose(f);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 1);
	assert_string_equal(ev.last_remove, "/cadet/cadet-web-1a2b3c");
	container_table__free(tb);
}

/* Engine metadata: known after the first scan, as from a resolver. */
struct engine_stub {
	bool known;
	int updates;
	char last_name[128], last_image[256];
};

static int stub_enrich(struct container_info *c, void *ctx)
{
	struct engine_stub *e = ctx;

	if (!e->known || strcmp(c->id, DOCKER_ID))
		return -EAGAIN;
	strcpy(c->name, "web");
	strcpy(c->image, "nginx:1.25");
	return 0;
}

static void stub_update(const struct container_info *c, void *ctx)
{
	struct events *ev = ctx;
	struct engine_stub *e = (struct engine_stub *)ev->ext;

	e->updates++;
	snprintf(e->last_name, sizeof(e->last_name), "%s", c->name);
	snprintf(e->last_image, sizeof(e->last_image), "%s", c->image);
}

/* Metadata that arrives late is an update of the entries of that
 * container (its nested cgroup too), not a remove and an add. */
static void test_table_late_metadata(void **state)
{
	struct tree *t = *state;
	struct engine_stub e = {0};
	struct container_table_opts o = {
		.sz = sizeof(o), .cgroup_root = t->root, .runc_root = t->runc,
		.enrich = stub_enrich, .enrich_ctx = &e,
		.on_update = stub_update};
	const struct container_info *c;
	struct container_table *tb;
	struct events ev = {.ext = &e};

	tb = container_table__new(&o);
	assert_non_null(tb);
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 4);
	c = find_path(tb, "/system.slice/docker-" DOCKER_ID ".scope");
	assert_non_null(c);
	assert_string_equal(c->name, "8b53639f152c");
	e.known = true;
	/* the scope and its init cgroup: two updates, nothing else */
	ev.adds = ev.removes = 0;
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 2);
	assert_int_equal(e.updates, 2);
	assert_int_equal(ev.adds + ev.removes, 0);
	assert_string_equal(e.last_name, "web");
	assert_string_equal(e.last_image, "nginx:1.25");
	c = find_path(tb, "/system.slice/docker-" DOCKER_ID ".scope/init");
	assert_string_equal(c->name, "web");
	/* and then it stays */
	assert_int_equal(container_table__scan(tb, on_add, on_remove, &ev), 0);
	container_table__free(tb);
}

/* On the real host: the v2 mount is found and ids are what BPF sees. */
static void test_table_host(void **state)
{
	struct container_table_opts o = {.sz = sizeof(o)};
	const struct container_info *c;
	struct container_table *tb;
	char p[PATH_MAX];
	struct dirent *de;
	struct stat st;
	uint64_t id;
	int n = 0, checked = 0;
	DIR *d;

	tb = container_table__new(&o);
	if (!tb) {
		print_message("SKIP: no cgroup v2 mount here\n");
		skip();
	}
	print_message("v2 mount: %s\n", container_table__cgroup_root(tb));
	d = opendir(container_table__cgroup_root(tb));
	assert_non_null(d);
	/* the kernfs handle (what bpf_get_current_cgroup_id() returns),
	 * the inode number and the directory entry's inode agree */
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s",
			 container_table__cgroup_root(tb), de->d_name);
		assert_int_equal(util_cgroup_id(p, &id), 0);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(id, (uint64_t)st.st_ino);
		assert_int_equal(id, (uint64_t)de->d_ino);
		checked++;
	}
	closedir(d);
	assert_int_equal(util_cgroup_id(container_table__cgroup_root(tb), &id),
			 0);
	assert_int_equal(id, 1); /* the root cgroup */
	n = container_table__scan(tb, NULL, NULL, NULL);
	assert_true(n >= 0);
	for (size_t i = 0; (c = container_table__get(tb, i)); i++)
		print_message("  %s %s %s %s\n",
			      container_runtime_name(c->runtime), c->id,
			      c->name, c->cgroup_path);
	print_message("%d top-level cgroups checked, %zu containers\n", checked,
		      container_table__cnt(tb));
	container_table__free(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixtures),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_runc_state),
		cmocka_unit_test(test_runc_state_bad),
		cmocka_unit_test_setup_teardown(test_table_scan, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_table_all, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_table_state_change,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_table_late_metadata,
						tree_setup, tree_teardown),
		cmocka_unit_test(test_table_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
