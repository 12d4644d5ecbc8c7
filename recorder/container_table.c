// SPDX-License-Identifier: MIT
/*
 * Container discovery: which cgroup v2 directories belong to containers.
 *
 * A scan walks the whole v2 hierarchy with openat/getdents only (no stat:
 * on cgroupfs the directory entry's inode number is the cgroup id), looks
 * up each directory among the runc containers and the cgroups added by
 * hand, and otherwise classifies it by the runtimes' naming patterns. A
 * directory below a container's own directory belongs to that container.
 * runc's state.json files are parsed again only when they change. The
 * result, sorted by cgroup id, is merged against the previous scan to
 * report additions and removals.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/util/bsearch.h"
#include "lib/util/cgroup.h"
#include "lib/util/str.h"
#include "lib/util/vec.h"
#include "recorder/container_table.h"

/* Bounds against pathological trees (and a runaway scan). */
#define MAX_CGROUPS 65536
#define MAX_STATE_BYTES (4 << 20)

/* ---- the table ---------------------------------------------------------- */

struct runc_entry {
	char dir[NAME_MAX + 1]; /* directory name under runc_root */
	struct timespec mtime;
	off_t size;
	ino_t ino;
	int valid; /* state parsed fine */
	int seen; /* present in the current scan */
	struct container_info info;
};

struct owner {
	const char *rel; /* cgroup path of the owner */
	const struct container_info *info;
};

struct vec {
	struct container_info *v;
	size_t cnt, cap;
};

struct container_table {
	char root[PATH_MAX];
	char runc_root[PATH_MAX];
	int all;
	int use_ino; /* d_ino is the cgroup id */
	struct vec cur; /* sorted by cgroup_id */
	struct vec next;
	struct container_info *manual; /* id, name, cgroup_path filled */
	size_t manual_cnt;
	struct runc_entry *runc;
	size_t runc_cnt, runc_cap;
	struct owner *owners; /* runc + manual, sorted by rel */
	size_t owner_cnt, owner_cap;
	int warned_runc;
	int (*enrich)(struct container_info *c, void *ctx);
	void *enrich_ctx;
	container_cb on_update;
};

/* The first cgroup2 mount in /proc/self/mountinfo, unescaped. */
static int find_v2_mount(char *out, size_t out_sz)
{
	char *line = NULL, *p, *mnt, *sep;
	size_t cap = 0, i, j;
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		/* id parent maj:min root mountpoint ... */
		p = line;
		for (i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		mnt = p;
		p = strchr(mnt, ' ');
		if (p)
			*p = '\0';
		/* mountinfo escapes " \t\n\\" as \ooo */
		for (i = j = 0; mnt[i] && j + 1 < out_sz; j++) {
			if (mnt[i] == '\\' && mnt[i + 1] >= '0' &&
			    mnt[i + 1] <= '3' && mnt[i + 2] && mnt[i + 3]) {
				out[j] = (char)(((mnt[i + 1] - '0') << 6) |
						((mnt[i + 2] - '0') << 3) |
						(mnt[i + 3] - '0'));
				i += 4;
			} else {
				out[j] = mnt[i++];
			}
		}
		out[j] = '\0';
		err = 0;
		break;
	}
	free(line);
	fclose(f);
	return err;
}

struct container_table *
container_table__new(const struct container_table_opts *opts)
{
	struct container_table *t;
	uint64_t id;
	struct stat st;
	int err;

	if (opts && opts->sz < offsetof(struct container_table_opts, all) +
				       sizeof(opts->all)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (opts && opts->cgroup_root) {
		util_copy_str(t->root, sizeof(t->root), opts->cgroup_root);
	} else {
		err = find_v2_mount(t->root, sizeof(t->root));
		if (err) {
			fprintf(stderr,
				"containers: no cgroup v2 hierarchy is mounted; mount one with: mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified\n");
			goto cleanup;
		}
	}
	/* "/x/" and "/x" name the same root; keep "/" itself. */
	while (strlen(t->root) > 1 && t->root[strlen(t->root) - 1] == '/')
		t->root[strlen(t->root) - 1] = '\0';
	util_copy_str(t->runc_root, sizeof(t->runc_root),
		      opts && opts->runc_root ? opts->runc_root : "/run/runc");
	t->all = opts ? opts->all : 0;
	if (opts && opts->sz >= offsetof(struct container_table_opts, on_update) +
					sizeof(opts->on_update)) {
		t->enrich = opts->enrich;
		t->enrich_ctx = opts->enrich_ctx;
		t->on_update = opts->on_update;
	}

	if (stat(t->root, &st) || !S_ISDIR(st.st_mode)) {
		err = -ENOENT;
		fprintf(stderr,
			"containers: cgroup root %s is not a directory\n",
			t->root);
		goto cleanup;
	}
	/* Directory entries carry the inode number; when it is the cgroup
	 * id (always on 64-bit kernels) scans need no further syscall. */
	err = util_cgroup_id(t->root, &id);
	if (err)
		goto cleanup;
	t->use_ino = id == (uint64_t)st.st_ino;
	return t;
cleanup:
	free(t);
	errno = -err;
	return NULL;
}

void container_table__free(struct container_table *t)
{
	if (!t)
		return;
	free(t->cur.v);
	free(t->next.v);
	free(t->manual);
	free(t->runc);
	free(t->owners);
	free(t);
}

const char *container_table__cgroup_root(const struct container_table *t)
{
	return t->root;
}

size_t container_table__cnt(const struct container_table *t)
{
	return t->cur.cnt;
}

const struct container_info *
container_table__get(const struct container_table *t, size_t idx)
{
	return idx < t->cur.cnt ? &t->cur.v[idx] : NULL;
}

static int info_before(const void *elem, const void *key)
{
	return ((const struct container_info *)elem)->cgroup_id <
	       *(const uint64_t *)key;
}

const struct container_info *
container_table__find(const struct container_table *t, uint64_t cgroup_id)
{
	size_t i = lower_bound(t->cur.v, t->cur.cnt, sizeof(*t->cur.v),
			       &cgroup_id, info_before);

	return i < t->cur.cnt && t->cur.v[i].cgroup_id == cgroup_id
		       ? &t->cur.v[i]
		       : NULL;
}

/* Canonical relative form: leading '/', no '//', no trailing '/'. */
static void normalize_rel(const char *in, char *out, size_t out_sz)
{
	size_t j = 0;

	if (out_sz < 2)
		return;
	out[j++] = '/';
	for (; *in && j + 1 < out_sz; in++) {
		if (*in == '/' && out[j - 1] == '/')
			continue;
		out[j++] = *in;
	}
	if (j > 1 && out[j - 1] == '/')
		j--;
	out[j] = '\0';
}

int container_table__add_cgroup(struct container_table *t, const char *path)
{
	char rel[sizeof(t->manual[0].cgroup_path)], abs[PATH_MAX + 512];
	struct container_info *m, *info;
	const char *last;
	struct stat st;
	size_t i;

	if (!path || !*path)
		return -EINVAL;
	if (*path == '/' &&
	    !container_cgroup_rel(path, t->root, rel, sizeof(rel))) {
		normalize_rel(rel, rel, sizeof(rel));
	} else if (*path == '/' && access(path, F_OK) == 0) {
		fprintf(stderr,
			"containers: %s is not below the cgroup v2 mount %s; give a path in that hierarchy\n",
			path, t->root);
		return -EINVAL;
	} else {
		normalize_rel(path, rel, sizeof(rel));
	}
	snprintf(abs, sizeof(abs), "%s%s", t->root, rel);
	if (stat(abs, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"containers: cgroup %s does not exist (looked for %s)\n",
			path, abs);
		return -ENOENT;
	}
	for (i = 0; i < t->manual_cnt; i++) {
		if (!strcmp(t->manual[i].cgroup_path, rel))
			return 0;
	}
	m = realloc(t->manual, (t->manual_cnt + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	t->manual = m;
	info = &m[t->manual_cnt++];
	memset(info, 0, sizeof(*info));
	info->runtime = CADET_RT_MANUAL;
	util_copy_str(info->cgroup_path, sizeof(info->cgroup_path), rel);
	last = strrchr(rel, '/');
	last = last && last[1] ? last + 1 : rel;
	util_copy_str(info->id, sizeof(info->id), rel);
	util_copy_str(info->name, sizeof(info->name), last);
	return 0;
}

static struct runc_entry *runc_lookup(struct container_table *t,
				      const char *dir)
{
	struct runc_entry *e;
	size_t i;

	for (i = 0; i < t->runc_cnt; i++) {
		if (!strcmp(t->runc[i].dir, dir))
			return &t->runc[i];
	}
	if (vec_reserve(&t->runc, &t->runc_cap, t->runc_cnt + 1,
			sizeof(*t->runc)))
		return NULL;
	e = &t->runc[t->runc_cnt++];
	memset(e, 0, sizeof(*e));
	util_copy_str(e->dir, sizeof(e->dir), dir);
	return e;
}

/* (Re)parse a state.json whose size, mtime or inode changed. */
static void runc_refresh(struct container_table *t, struct runc_entry *e,
			 int dfd)
{
	char name[NAME_MAX + 16], *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%s/state.json", e->dir);
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		e->valid = 0;
		goto cleanup;
	}
	if (e->ino == st.st_ino && e->size == st.st_size &&
	    e->mtime.tv_sec == st.st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st.st_mtim.tv_nsec)
		goto cleanup;
	e->ino = st.st_ino;
	e->size = st.st_size;
	e->mtime = st.st_mtim;
	e->valid = 0;
	if (st.st_size <= 0 || st.st_size > MAX_STATE_BYTES)
		goto cleanup;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		goto cleanup;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	/* runc replaces state.json by rename, so a short read means it
	 * changed under us: the next scan reads the new one. */
	if (n != st.st_size) {
		e->size = -1;
		goto cleanup;
	}
	if (container_parse_runc_state(buf, (size_t)n, t->root, &e->info)) {
		if (!t->warned_runc++)
			fprintf(stderr,
				"containers: %s/%s is not a runc state file I understand; ignoring it\n",
				t->runc_root, name);
		goto cleanup;
	}
	e->valid = 1;
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
}

/* By path; on equal paths a cgroup added by hand comes first. */
static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	if (c)
		return c;
	return (y->info->runtime == CADET_RT_MANUAL) -
	       (x->info->runtime == CADET_RT_MANUAL);
}

static int owner_add(struct container_table *t, const struct container_info *c)
{
	if (vec_reserve(&t->owners, &t->owner_cap, t->owner_cnt + 1,
			sizeof(*t->owners)))
		return -ENOMEM;
	t->owners[t->owner_cnt].rel = c->cgroup_path;
	t->owners[t->owner_cnt++].info = c;
	return 0;
}

/* runc containers and manual cgroups, sorted by cgroup path. */
static int build_owners(struct container_table *t)
{
	struct runc_entry *e;
	struct dirent *de;
	size_t i, j;
	DIR *d;
	int err;

	t->owner_cnt = 0;
	for (i = 0; i < t->manual_cnt; i++) {
		err = owner_add(t, &t->manual[i]);
		if (err)
			return err;
	}
	for (i = 0; i < t->runc_cnt; i++)
		t->runc[i].seen = 0;
	d = opendir(t->runc_root);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			e = runc_lookup(t, de->d_name);
			if (!e)
				break;
			e->seen = 1;
			runc_refresh(t, e, dirfd(d));
		}
		closedir(d);
	}
	/* Forget containers whose state went away. */
	for (i = j = 0; i < t->runc_cnt; i++) {
		if (t->runc[i].seen)
			t->runc[j++] = t->runc[i];
	}
	t->runc_cnt = j;
	for (i = 0; i < t->runc_cnt; i++) {
		if (!t->runc[i].valid)
			continue;
		err = owner_add(t, &t->runc[i].info);
		if (err)
			return err;
	}
	qsort(t->owners, t->owner_cnt, sizeof(*t->owners), owner_cmp);
	return 0;
}

static int owner_before(const void *elem, const void *key)
{
	return strcmp(((const struct owner *)elem)->rel, key) < 0;
}

static const struct container_info *owner_find(const struct container_table *t,
					       const char *rel)
{
	/* The first of equal paths: manual wins. */
	size_t i = lower_bound(t->owners, t->owner_cnt, sizeof(*t->owners), rel,
			       owner_before);

	return i < t->owner_cnt && !strcmp(t->owners[i].rel, rel)
		       ? t->owners[i].info
		       : NULL;
}

static int vec_push(struct vec *v, const struct container_info *c)
{
	if (vec_reserve(&v->v, &v->cap, v->cnt + 1, sizeof(*v->v)))
		return -ENOMEM;
	v->v[v->cnt++] = *c;
	return 0;
}

static int add_found(struct container_table *t,
		     const struct container_info *owner, const char *rel,
		     uint64_t cgid)
{
	struct container_info c = *owner;

	c.cgroup_id = cgid;
	util_copy_str(c.cgroup_path, sizeof(c.cgroup_path), rel);
	return vec_push(&t->next, &c);
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int walk(struct container_table *t, int fd, char *rel, size_t rel_len,
		uint64_t cgid, const struct container_info *owner, int depth);

/* Descend into the child directory @de of @dfd (the cgroup @rel). */
static int visit_child(struct container_table *t, int dfd,
		       const struct linux_dirent64 *de, char *rel,
		       size_t rel_len, const struct container_info *owner,
		       int depth)
{
	size_t n = strlen(de->d_name), len;
	uint64_t id = de->d_ino;
	int cfd, err;

	len = rel_len == 1 ? n + 1 : rel_len + 1 + n;
	if (len + 1 > sizeof(((struct container_info *)0)->cgroup_path))
		return 0;
	cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		return 0; /* removed meanwhile */
	if (rel_len > 1)
		rel[rel_len] = '/';
	memcpy(rel + len - n, de->d_name, n + 1);
	if (!t->use_ino) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s%s", t->root, rel);
		if (util_cgroup_id(p, &id)) {
			close(cfd);
			rel[rel_len > 1 ? rel_len : 1] = '\0';
			return 0;
		}
	}
	err = walk(t, cfd, rel, len, id, owner, depth + 1);
	rel[rel_len > 1 ? rel_len : 1] = '\0';
	return err;
}

/*
 * Visit the directory @rel (open as @fd, id @cgid) and its children.
 * @owner: the container an ancestor belongs to, or NULL.
 */
static int walk(struct container_table *t, int fd, char *rel, size_t rel_len,
		uint64_t cgid, const struct container_info *owner, int depth)
{
	struct container_info parsed, host;
	const struct container_info *o;
	struct linux_dirent64 *de;
	char dents[4096] __attribute__((aligned(8)));
	int err = 0;

	if (!owner) {
		o = owner_find(t, rel);
		if (o) {
			owner = o;
		} else if (!container_parse_cgroup_path(rel, &parsed)) {
			if (t->enrich)
				t->enrich(&parsed, t->enrich_ctx);
			owner = &parsed;
		} else if (t->all) {
			const char *last = strrchr(rel, '/');

			memset(&host, 0, sizeof(host));
			host.runtime = CADET_RT_UNKNOWN;
			util_copy_str(host.id, sizeof(host.id), rel);
			util_copy_str(host.name, sizeof(host.name),
				      last && last[1] ? last + 1 : "host");
			err = add_found(t, &host, rel, cgid);
		}
	} else {
		/* A nested cgroup: another manual/runc entry may name it
		 * (runc container inside a pattern-matched one): the inner
		 * one is more specific. */
		o = owner_find(t, rel);
		if (o)
			owner = o;
	}
	if (owner)
		err = add_found(t, owner, rel, cgid);
	if (err || t->next.cnt >= MAX_CGROUPS || depth >= CGROUP_MAX_DEPTH) {
		close(fd);
		return err;
	}

	/* getdents64 itself: readdir() would add an fstat and two fcntl
	 * per directory, a third of a scan's syscalls */
	for (;;) {
		long nread = syscall(SYS_getdents64, fd, dents, sizeof(dents));
		long off;

		if (nread <= 0)
			break; /* end, or the cgroup went away meanwhile */
		for (off = 0; off < nread && !err; off += de->d_reclen) {
			de = (struct linux_dirent64 *)(dents + off);
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			err = visit_child(t, fd, de, rel, rel_len, owner,
					  depth);
		}
		if (err)
			break;
	}
	close(fd);
	return err;
}

static int info_cmp(const void *a, const void *b)
{
	const struct container_info *x = a, *y = b;

	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return 0;
}

static int info_same(const struct container_info *a,
		     const struct container_info *b)
{
	return a->runtime == b->runtime && !strcmp(a->id, b->id) &&
	       !strcmp(a->name, b->name) && !strcmp(a->image, b->image) &&
	       !strcmp(a->cgroup_path, b->cgroup_path) &&
	       !strcmp(a->pod, b->pod) &&
	       !strcmp(a->pod_namespace, b->pod_namespace);
}

/* The same container in the same cgroup, its engine metadata aside. */
static int info_same_container(const struct container_info *a,
			       const struct container_info *b)
{
	return a->runtime == b->runtime && !strcmp(a->id, b->id) &&
	       !strcmp(a->cgroup_path, b->cgroup_path);
}

int container_table__scan(struct container_table *t, container_cb on_add,
			  container_cb on_remove, void *ctx)
{
	char rel[sizeof(((struct container_info *)0)->cgroup_path)] = "/";
	size_t i = 0, j = 0;
	struct vec tmp;
	uint64_t rootid;
	int err, fd, changes = 0;

	err = build_owners(t);
	if (err)
		return err;
	t->next.cnt = 0;
	fd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = util_cgroup_id(t->root, &rootid);
	if (err) {
		close(fd);
		return err;
	}
	err = walk(t, fd, rel, 1, rootid, NULL, 0);
	if (err)
		return err;
	qsort(t->next.v, t->next.cnt, sizeof(*t->next.v), info_cmp);

	/* Merge the sorted lists: changed entries are removed, then added. */
	while (i < t->cur.cnt || j < t->next.cnt) {
		const struct container_info *a =
			i < t->cur.cnt ? &t->cur.v[i] : NULL;
		const struct container_info *b =
			j < t->next.cnt ? &t->next.v[j] : NULL;

		if (a && b && a->cgroup_id == b->cgroup_id) {
			if (info_same(a, b)) {
				/* unchanged */
			} else if (t->on_update && info_same_container(a, b)) {
				t->on_update(b, ctx);
				changes++;
			} else {
				if (on_remove)
					on_remove(a, ctx);
				if (on_add)
					on_add(b, ctx);
				changes += 2;
			}
			i++;
			j++;
		} else if (a && (!b || a->cgroup_id < b->cgroup_id)) {
			if (on_remove)
				on_remove(a, ctx);
			changes++;
			i++;
		} else {
			if (on_add)
				on_add(b, ctx);
			changes++;
			j++;
		}
	}
	tmp = t->cur;
	t->cur = t->next;
	t->next = tmp;
	return changes;
}
