// SPDX-License-Identifier: MIT
/*
 * Real containers through runc (see container.h for the layout):
 * creating, starting and destroying them; runc_int.h lists the files
 * that do the rest.
 *
 * runc is driven through its command line, like containerd's shim does:
 * `runc create` with the bundle written here, then start, exec, kill and
 * `delete --force`. Every runc call gets `--log <bundle>/runc.log` so a
 * failure can be explained with runc's own words. The root filesystem is
 * an overlay mounted on the host (lower = the cached image, read-only;
 * upper and work in the bundle), so a container's writes land in its
 * bundle and vanish with it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "injector/launcher_docker.h"
#include "injector/runc_int.h"
#include "lib/util/cgroup.h"

/* ---- create ----------------------------------------------------------- */

static void make_id(struct container *c, const char *prefix)
{
	unsigned char rnd[3] = {0};
	size_t n = 0, i;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		unsigned int x =
			(unsigned int)getpid() ^ (unsigned int)now_ms();

		memcpy(rnd, &x, sizeof(rnd));
	}
	n = (size_t)snprintf(c->id, sizeof(c->id), "%s", prefix);
	/* runc ids: [A-Za-z0-9_.+-] */
	for (i = 0; c->name[i] && n + 8 < sizeof(c->id) && i < 40; i++) {
		char ch = c->name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			ch = '_';
		c->id[n++] = ch;
	}
	snprintf(c->id + n, sizeof(c->id) - n, "-%02x%02x%02x", rnd[0], rnd[1],
		 rnd[2]);
}

static int check_opts(const struct container_opts *o)
{
	size_t i;

	if (o->net == CONTAINER_NET_JOIN &&
	    (!o->netns_path || !*o->netns_path)) {
		fprintf(stderr,
			"container: CONTAINER_NET_JOIN needs netns_path (e.g. container__netns_path(other))\n");
		return -EINVAL;
	}
	if (o->net == CONTAINER_NET_JOIN && access(o->netns_path, F_OK)) {
		fprintf(stderr,
			"container: network namespace %s does not exist\n",
			o->netns_path);
		return -ENOENT;
	}
	if ((unsigned int)o->net > CONTAINER_NET_HOST)
		return -EINVAL;
	if (o->argv && !o->argv[0]) {
		fprintf(stderr, "container: empty argv\n");
		return -EINVAL;
	}
	for (i = 0; i < o->mount_cnt; i++) {
		const struct container_mount *m = &o->mounts[i];

		if (!m->source || !m->dest || m->dest[0] != '/') {
			fprintf(stderr,
				"container: bind mount %zu needs a host source and an absolute destination\n",
				i);
			return -EINVAL;
		}
		if (access(m->source, F_OK)) {
			fprintf(stderr,
				"container: bind mount source %s does not exist\n",
				m->source);
			return -ENOENT;
		}
	}
	if (o->memory_max && o->memory_max < (4 << 20)) {
		fprintf(stderr,
			"container: memory limit %llu bytes is too small for runc to start (at least 4 MiB)\n",
			(unsigned long long)o->memory_max);
		return -EINVAL;
	}
	return 0;
}

/* After `runc create`: init pid, v2 cgroup path and id, netns. */
static int read_runtime_facts(struct container *c)
{
	char path[PATH_MAX + 16], buf[64];
	json_t *st, *paths;
	const char *v2;
	int err;

	snprintf(path, sizeof(path), "%s/init.pid", c->bundle);
	err = runc_read_small(path, buf, sizeof(buf));
	if (err)
		return err;
	c->pid = (pid_t)atoi(buf);
	if (c->pid <= 0)
		return -EIO;
	snprintf(c->netns, sizeof(c->netns), "/proc/%d/ns/net", c->pid);

	snprintf(path, sizeof(path), RUNC_STATE_ROOT "/%s/state.json", c->id);
	st = json_load_file(path, 0, NULL);
	paths = json_object_get(st, "cgroup_paths");
	v2 = json_string_value(json_object_get(paths, ""));
	if (!v2)
		v2 = json_string_value(json_object_get(paths, "unified"));
	if (v2)
		snprintf(c->cgroup_path, sizeof(c->cgroup_path), "%s", v2);
	json_decref(st);
	if (!v2) {
		fprintf(stderr,
			"container: runc reports no cgroup v2 directory for %s; the recorder cannot tell its events apart\n",
			c->id);
		return 0;
	}
	err = util_cgroup_id(c->cgroup_path, &c->cgroup_id);
	if (err)
		c->cgroup_id = 0;
	return 0;
}

/* The image below the overlay: given, or the default one. */
static int find_lower(struct container *c, const struct container_opts *opts)
{
	char marker[PATH_MAX + 64];
	int err;

	if (opts->rootfs)
		snprintf(c->lower, sizeof(c->lower), "%s", opts->rootfs);
	else if ((err = runc_default_rootfs(c->lower, sizeof(c->lower))))
		return err;
	snprintf(marker, sizeof(marker), "%s/" ROOTFS_MARKER, c->lower);
	if (access(marker, F_OK) && access(c->lower, F_OK)) {
		fprintf(stderr,
			"container: no root filesystem at %s; build it with: make rootfs\n",
			c->lower);
		return -ENOENT;
	}
	if (strpbrk(c->lower, ",:")) {
		fprintf(stderr,
			"container: root filesystem path %s contains ',' or ':', which overlayfs cannot take\n",
			c->lower);
		return -EINVAL;
	}
	return 0;
}

/* A fresh id and its bundle directory under the state dir. */
static int make_bundle_dir(struct container *c,
			   const struct container_opts *opts)
{
	const char *state_dir, *prefix;
	int tries;

	state_dir = opts->state_dir ? opts->state_dir : CONTAINER_STATE_DIR;
	prefix = opts->id_prefix ? opts->id_prefix : CONTAINER_ID_PREFIX;
	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		int err = -errno;

		fprintf(stderr, "container: cannot create %s: %s\n", state_dir,
			strerror(errno));
		return err;
	}
	for (tries = 0; tries < 8; tries++) {
		make_id(c, prefix);
		snprintf(c->bundle, sizeof(c->bundle), "%s/%s", state_dir,
			 c->id);
		if (!mkdir(c->bundle, 0700))
			return 0;
		if (errno != EEXIST) {
			int err = -errno;

			fprintf(stderr, "container: cannot create %s: %s\n",
				c->bundle, strerror(errno));
			return err;
		}
	}
	return -EEXIST;
}

/* The bundle's files: owner, overlay root, config.json. */
static int write_bundle(struct container *c, const struct container_opts *opts)
{
	char buf[PATH_MAX + 64], own[64];
	json_t *cfg;
	int err;

	snprintf(c->rootfs, sizeof(c->rootfs), "%s/rootfs", c->bundle);
	snprintf(c->runc_log, sizeof(c->runc_log), "%s/runc.log", c->bundle);
	if (opts->output)
		snprintf(c->output, sizeof(c->output), "%s", opts->output);
	else
		snprintf(c->output, sizeof(c->output), "%s/output.log",
			 c->bundle);
	snprintf(buf, sizeof(buf), "%s/owner", c->bundle);
	snprintf(own, sizeof(own), "%d %llu\n", getpid(),
		 runc_proc_start(getpid()));
	err = runc_write_file(buf, own, 0600);
	if (err)
		return err;
	err = runc_mount_overlay(c);
	if (err)
		return err;
	cfg = oci_config_build(c, opts);
	snprintf(buf, sizeof(buf), "%s/config.json", c->bundle);
	if (!cfg || json_dump_file(cfg, buf, JSON_INDENT(1))) {
		fprintf(stderr, "container: cannot write %s\n", buf);
		err = -EIO;
	}
	json_decref(cfg);
	return err;
}

/* `runc create`, then what runc made: init pid, cgroup. */
static int create_in_runc(struct container *c)
{
	char pidfile[PATH_MAX + 64];
	const char *const args[] = {"create",	  "--bundle", c->bundle,
				    "--pid-file", pidfile,    c->id,
				    NULL};
	int err, fd;

	/* runc create's stdout/stderr become the init's */
	fd = open(c->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "container: cannot open %s: %s\n", c->output,
			strerror(errno));
		return err;
	}
	snprintf(pidfile, sizeof(pidfile), "%s/init.pid", c->bundle);
	err = runc_run(c, args, fd, RUNC_TIMEOUT_MS);
	close(fd);
	/* runc may have registered it before failing: delete in any case */
	c->created = 1;
	if (err > 0) {
		fprintf(stderr, "container: runc create %s failed (exit %d)\n",
			c->id, err);
		runc_show_log(c);
		return -EIO;
	}
	if (err)
		return err;
	err = read_runtime_facts(c);
	if (err)
		fprintf(stderr,
			"container: runc created %s but its pid file is unreadable\n",
			c->id);
	return err;
}

static struct container *create_docker(struct container *c,
				       const struct container_opts *opts)
{
	struct docker_facts f = {0};

	snprintf(f.owner, sizeof(f.owner), "%d %llu\n", getpid(),
		 runc_proc_start(getpid()));
	c->docker = docker_ctr__create(opts, &f);
	if (!c->docker) {
		int err = errno;

		free(c);
		errno = err;
		return NULL;
	}
	memcpy(c->id, f.id, sizeof(f.id));
	snprintf(c->output, sizeof(c->output), "%s", f.output);
	snprintf(c->cgroup_path, sizeof(c->cgroup_path), "%s", f.cgroup_path);
	c->cgroup_id = f.cgroup_id;
	c->pid = f.pid;
	snprintf(c->netns, sizeof(c->netns), "/proc/%d/ns/net", c->pid);
	c->created = 1;
	return c;
}

struct container *container__create(const struct container_opts *opts)
{
	struct container *c;
	int err;

	if (!opts || opts->sz < offsetof(struct container_opts, verbose) +
					sizeof(opts->verbose)) {
		errno = EINVAL;
		return NULL;
	}
	if (geteuid() != 0) {
		fprintf(stderr,
			"container: running containers needs root (runc, mounts, cgroups); run as root\n");
		errno = EPERM;
		return NULL;
	}
	err = check_opts(opts);
	if (err) {
		errno = -err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->verbose = opts->verbose;
	snprintf(c->name, sizeof(c->name), "%s",
		 opts->name && *opts->name ? opts->name : "c");
	if (opts->sz > offsetof(struct container_opts, launcher) &&
	    opts->launcher && !strcmp(opts->launcher, "docker"))
		return create_docker(c, opts);
	err = find_lower(c, opts);
	if (!err)
		err = make_bundle_dir(c, opts);
	if (err)
		goto cleanup_free;
	/* from here on container__destroy() undoes everything */
	err = write_bundle(c, opts);
	if (!err)
		err = create_in_runc(c);
	if (err)
		goto cleanup_destroy;
	return c;

cleanup_destroy:
	container__destroy(c);
cleanup_free:
	free(c);
	errno = -err;
	return NULL;
}

int container__start(struct container *c)
{
	const char *const args[] = {"start", c->id, NULL};

	if (!c->created || c->destroyed)
		return -EINVAL;
	if (c->docker)
		return docker_ctr__start(c->docker);
	return runc_ok(c, args);
}

/* ---- accessors ---------------------------------------------------------- */

const char *container__id(const struct container *c)
{
	return c->id;
}

const char *container__name(const struct container *c)
{
	return c->name;
}

pid_t container__pid(const struct container *c)
{
	return c->pid;
}

const char *container__cgroup_path(const struct container *c)
{
	return c->cgroup_path;
}

uint64_t container__cgroup_id(const struct container *c)
{
	return c->cgroup_id;
}

const char *container__netns_path(const struct container *c)
{
	return c->netns;
}

const char *container__rootfs_path(const struct container *c)
{
	return c->rootfs;
}

const char *container__output_path(const struct container *c)
{
	return c->output;
}

/* ---- destroy and cleanup ---------------------------------------------- */

/* rmdir "<hierarchy>/cadet/<id>" in every mounted cgroup hierarchy, for
 * the case runc could not (deleted state, crashed). */
static void remove_cgroups(const char *id)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/sys/fs/cgroup");

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "/sys/fs/cgroup/%s" CONTAINER_CGROUP_PARENT "/%s",
			 de->d_name, id);
		rmdir(path);
	}
	closedir(d);
	/* pure v2: the hierarchy is /sys/fs/cgroup itself */
	snprintf(path, sizeof(path),
		 "/sys/fs/cgroup" CONTAINER_CGROUP_PARENT "/%s", id);
	rmdir(path);
}

static int delete_runc(struct container *c)
{
	const char *const del[] = {"delete", "--force", c->id, NULL};
	const char *const kill_args[] = {"kill", c->id, "KILL", NULL};
	char state[PATH_MAX];
	int r;

	r = runc_run(c, del, -1, RUNC_TIMEOUT_MS);
	snprintf(state, sizeof(state), RUNC_STATE_ROOT "/%s", c->id);
	if (r == 0 || access(state, F_OK))
		return 0;
	/* e.g. a frozen init: kill explicitly, then delete again */
	runc_run(c, kill_args, -1, RUNC_TIMEOUT_MS);
	r = runc_run(c, del, -1, RUNC_TIMEOUT_MS);
	if (r) {
		fprintf(stderr, "container: runc delete --force %s failed\n",
			c->id);
		runc_show_log(c);
		return -EIO;
	}
	return 0;
}

int container__destroy(struct container *c)
{
	int err = 0, r;

	if (!c || c->destroyed)
		return 0;
	if (c->docker) {
		c->destroyed = 1;
		return docker_ctr__destroy(c->docker);
	}
	if (c->created) {
		r = delete_runc(c);
		if (r)
			err = r;
		c->created = 0;
	}
	/* their processes died with the container */
	runc_reap_bg(c, 1);
	if (c->id[0])
		remove_cgroups(c->id);
	if (c->mounted || c->rootfs[0]) {
		r = runc_unmount_rootfs(c->rootfs);
		if (r) {
			c->mounted = 1;
			fprintf(stderr, "container: cannot unmount %s: %s\n",
				c->rootfs, strerror(-r));
			if (!err)
				err = r;
		} else {
			c->mounted = 0;
		}
	}
	/* never remove a bundle whose overlay is still mounted */
	if (c->bundle[0] && !c->mounted) {
		r = runc_rm_tree(c->bundle);
		if (r && !err)
			err = r;
	}
	c->destroyed = 1;
	return err;
}

void container__free(struct container *c)
{
	if (!c)
		return;
	container__destroy(c);
	docker_ctr__free(c->docker);
	free(c->bg);
	free(c);
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int container__cleanup_stale(const char *prefix)
{
	struct container tmp;
	char path[PATH_MAX];
	struct dirent *de;
	int removed = 0, err = 0, pass;
	DIR *d;

	if (geteuid() != 0)
		return -EPERM;
	if (!prefix)
		prefix = CONTAINER_ID_PREFIX;
	if (!*prefix) {
		fprintf(stderr,
			"container: refusing to clean up with an empty id prefix\n");
		return -EINVAL;
	}

	/* runc containers first (they hold mounts and cgroups), then
	 * bundles runc no longer knows */
	for (pass = 0; pass < 2; pass++) {
		d = opendir(pass ? CONTAINER_STATE_DIR : RUNC_STATE_ROOT);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    !has_prefix(de->d_name, prefix) ||
			    strlen(de->d_name) > MAX_ID)
				continue;
			memset(&tmp, 0, sizeof(tmp));
			snprintf(tmp.id, sizeof(tmp.id), "%.*s", MAX_ID,
				 de->d_name);
			snprintf(tmp.bundle, sizeof(tmp.bundle),
				 CONTAINER_STATE_DIR "/%s", tmp.id);
			if (runc_owner_alive(tmp.bundle))
				continue;
			snprintf(tmp.rootfs, sizeof(tmp.rootfs), "%s/rootfs",
				 tmp.bundle);
			if (!access(tmp.bundle, F_OK))
				snprintf(tmp.runc_log, sizeof(tmp.runc_log),
					 "%s/runc.log", tmp.bundle);
			snprintf(path, sizeof(path), RUNC_STATE_ROOT "/%s",
				 tmp.id);
			tmp.created = !access(path, F_OK);
			if (pass && tmp.created)
				continue; /* runc would not let go */
			if (container__destroy(&tmp))
				err = -EBUSY;
			else
				removed++;
		}
		if (d)
			closedir(d);
	}

	/* cgroups of containers nobody knows any more */
	snprintf(path, sizeof(path),
		 "/sys/fs/cgroup/unified" CONTAINER_CGROUP_PARENT);
	d = opendir(path);
	if (!d)
		d = opendir("/sys/fs/cgroup" CONTAINER_CGROUP_PARENT);
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !has_prefix(de->d_name, prefix))
			continue;
		snprintf(path, sizeof(path), RUNC_STATE_ROOT "/%s", de->d_name);
		if (!access(path, F_OK))
			continue;
		/* a container being created right now has no state yet */
		snprintf(path, sizeof(path), CONTAINER_STATE_DIR "/%s",
			 de->d_name);
		if (runc_owner_alive(path))
			continue;
		remove_cgroups(de->d_name);
		snprintf(path, sizeof(path),
			 "/sys/fs/cgroup/unified" CONTAINER_CGROUP_PARENT "/%s",
			 de->d_name);
		if (access(path, F_OK))
			removed++;
	}
	if (d)
		closedir(d);
	return err ? err : removed;
}
