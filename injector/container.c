// SPDX-License-Identifier: MIT
/*
 * Real containers through runc (see container.h for the layout).
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
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "injector/container.h"
#include "injector/launcher_docker.h"
#include "recorder/containers.h"

extern char **environ;

#define RUNC_DEFAULT "runc"
#define RUNC_STATE_ROOT "/run/runc"
#define ROOTFS_MARKER ".cadet-rootfs"
/* runc create/start/delete take well under a second here; this bounds a
 * hung runc so cleanup still happens. */
#define RUNC_TIMEOUT_MS 60000
#define MAX_ID 64
#define CPU_PERIOD_US 100000
#define NOFILE_LIMIT 1024
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Docker's default capability set: what payloads in "normal" containers
 * are expected to have. */
static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus",	       "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger", NULL,
};

struct container {
	char id[MAX_ID + 1];
	char name[MAX_ID + 1];
	char bundle[PATH_MAX / 2];
	char rootfs[PATH_MAX]; /* overlay mount point */
	char lower[PATH_MAX];
	char output[PATH_MAX];
	char runc_log[PATH_MAX];
	char cgroup_path[PATH_MAX]; /* v2, absolute */
	char netns[64];
	uint64_t cgroup_id;
	pid_t pid;
	pid_t *bg; /* background `runc exec`s */
	size_t bg_cnt;
	int verbose;
	int created; /* runc knows it */
	int mounted;
	int destroyed;
	struct docker_ctr *docker; /* launcher docker: it runs the container */
};

static const char *runc_bin(void)
{
	const char *r = getenv("CADET_RUNC");

	return r && *r ? r : RUNC_DEFAULT;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- processes ----------------------------------------------------------- */

/* Start @argv: stdin /dev/null, stdout/stderr to the fds (-1: /dev/null). */
static int spawn(const char *const *argv, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
						 0);
	if (err_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	err = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err == ENOENT && !strcmp(argv[0], runc_bin()))
		fprintf(stderr,
			"container: %s not found; install it with: apt-get install runc (or set CADET_RUNC)\n",
			argv[0]);
	return -err;
}

/* Exit status as a shell reports it: 0..255, 128 + signal. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/*
 * Wait for our child @pid up to @timeout_ms (0: forever). On timeout the
 * child is killed and reaped, and -ETIMEDOUT returned.
 */
static int wait_child(pid_t pid, uint64_t timeout_ms, int *status)
{
	struct pollfd pfd = {.events = POLLIN};
	int r;

	if (timeout_ms) {
		pfd.fd = pidfd_open(pid, 0);
		if (pfd.fd >= 0) {
			do {
				r = poll(&pfd, 1, (int)timeout_ms);
			} while (r < 0 && errno == EINTR);
			close(pfd.fd);
			if (r == 0) {
				kill(pid, SIGKILL);
				while (waitpid(pid, status, 0) < 0 &&
				       errno == EINTR)
					;
				return -ETIMEDOUT;
			}
		}
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Print the last lines of runc's log: its explanation of a failure. */
static void show_runc_log(const struct container *c)
{
	char line[1024], last[5][1024];
	int n = 0, i;
	FILE *f;

	if (!c->runc_log[0])
		return;
	f = fopen(c->runc_log, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		memcpy(last[n++ % 5], line, sizeof(line));
	fclose(f);
	for (i = n > 5 ? n - 5 : 0; i < n; i++)
		fprintf(stderr, "  runc: %s", last[i % 5]);
}

/*
 * Run `runc --log LOG <args...>` and wait. stdout/stderr go to @out_fd
 * (-1: runc's log). Returns runc's exit code (0 = success) or -errno.
 */
static int runc_run(struct container *c, const char *const *args, int out_fd,
		    uint64_t timeout_ms)
{
	const char *argv[64];
	int n = 0, log_fd = -1, status, err;
	pid_t pid;
	size_t i;

	argv[n++] = runc_bin();
	if (c->runc_log[0]) {
		argv[n++] = "--log";
		argv[n++] = c->runc_log;
		argv[n++] = "--log-format";
		argv[n++] = "text";
	}
	for (i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (c->verbose) {
		fprintf(stderr, "container:");
		for (i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	if (out_fd < 0 && c->runc_log[0]) {
		log_fd = open(c->runc_log,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		out_fd = log_fd;
	}
	err = spawn(argv, out_fd, out_fd, &pid);
	if (log_fd >= 0)
		close(log_fd);
	if (err)
		return err;
	err = wait_child(pid, timeout_ms, &status);
	if (err) {
		fprintf(stderr,
			"container: runc %s %s did not finish in %llu ms; killed\n",
			args[0], c->id, (unsigned long long)timeout_ms);
		return err;
	}
	return exit_code(status);
}

/* `runc <args>` that must succeed: explains failures. 0 or -EIO. */
static int runc_ok(struct container *c, const char *const *args)
{
	int r = runc_run(c, args, -1, RUNC_TIMEOUT_MS);

	if (r == 0)
		return 0;
	if (r > 0) {
		fprintf(stderr, "container: runc %s %s failed (exit %d)\n",
			args[0], c->id, r);
		show_runc_log(c);
		return -EIO;
	}
	return r;
}

/* ---- files ------------------------------------------------------------ */

static int write_file(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int read_small(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	if (type == FTW_DP || type == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/*
 * Remove a directory tree without leaving its file system: a still
 * mounted overlay (or anything else) below it is never descended into.
 */
static int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (!lstat(path, &st)) {
		fprintf(stderr, "container: could not remove %s completely\n",
			path);
		return -EBUSY;
	}
	return 0;
}

/* The 22nd field of /proc/PID/stat: start time, tells a reused pid apart. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* after "comm)" come fields 3.. ; starttime is field 22 */
	for (i = 3; i <= 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

/* The process that created a bundle (its "owner" file) still runs. */
static int owner_alive(const char *bundle)
{
	char path[PATH_MAX + 8], buf[128];
	unsigned long long start;
	int pid;

	snprintf(path, sizeof(path), "%s/owner", bundle);
	if (read_small(path, buf, sizeof(buf)) ||
	    sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	return proc_start(pid) == start;
}

/* ---- the bundle ---------------------------------------------------------- */

static json_t *str_array(const char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount_obj(const char *dest, const char *type, const char *src,
			 const char *const *options)
{
	json_t *m = json_object();

	json_object_set_new(m, "destination", json_string(dest));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", json_string(src));
	if (options)
		json_object_set_new(m, "options", str_array(options));
	return m;
}

static int has_swap_accounting(void)
{
	return !access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
		       F_OK) ||
	       !access("/sys/fs/cgroup/memory.swap.max", F_OK);
}

/* config.json of the OCI runtime spec 1.0, as runc 1.1 reads it. */
static json_t *make_config(const struct container *c,
			   const struct container_opts *o)
{
	static const char *const dev_opts[] = {"nosuid", "strictatime",
					       "mode=755", "size=65536k", NULL};
	static const char *const pts_opts[] = {
		"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
		"mode=0620", "gid=5",  NULL};
	static const char *const shm_opts[] = {
		"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
	static const char *const mq_opts[] = {"nosuid", "noexec", "nodev",
					      NULL};
	static const char *const sys_opts[] = {"nosuid", "noexec", "nodev",
					       "ro", NULL};
	static const char *const cg_opts[] = {"nosuid",	  "noexec", "nodev",
					      "relatime", "ro",	    NULL};
	static const char *const sleep_argv[] = {"sleep", "infinity", NULL};
	static const char *const bind_ro[] = {"rbind", "ro", NULL};
	static const char *const bind_rw[] = {"rbind", NULL};
	json_t *cfg, *proc, *caps, *env, *mounts, *lnx, *res, *ns, *ann, *a, *r;
	const char *const *v;
	char buf[PATH_MAX + 64];
	size_t i;

	cfg = json_object();
	json_object_set_new(cfg, "ociVersion", json_string("1.0.2"));

	proc = json_object();
	json_object_set_new(proc, "terminal", json_false());
	a = json_object();
	json_object_set_new(a, "uid", json_integer(0));
	json_object_set_new(a, "gid", json_integer(0));
	json_object_set_new(proc, "user", a);
	json_object_set_new(proc, "args",
			    str_array(o->argv ? o->argv : sleep_argv));
	env = json_array();
	json_array_append_new(env, json_string(DEFAULT_PATH));
	json_array_append_new(env, json_string("TERM=xterm"));
	snprintf(buf, sizeof(buf), "CADET_CONTAINER=%s", c->name);
	json_array_append_new(env, json_string(buf));
	for (v = o->env; v && *v; v++)
		json_array_append_new(env, json_string(*v));
	json_object_set_new(proc, "env", env);
	json_object_set_new(proc, "cwd", json_string(o->cwd ? o->cwd : "/"));
	caps = json_array();
	for (v = default_caps; *v; v++)
		json_array_append_new(caps, json_string(*v));
	for (v = o->caps_add; v && *v; v++)
		json_array_append_new(caps, json_string(*v));
	a = json_object();
	json_object_set(a, "bounding", caps);
	json_object_set(a, "effective", caps);
	json_object_set(a, "permitted", caps);
	json_object_set_new(proc, "capabilities", a);
	json_decref(caps);
	r = json_object();
	json_object_set_new(r, "type", json_string("RLIMIT_NOFILE"));
	json_object_set_new(r, "hard", json_integer(NOFILE_LIMIT));
	json_object_set_new(r, "soft", json_integer(NOFILE_LIMIT));
	a = json_array();
	json_array_append_new(a, r);
	json_object_set_new(proc, "rlimits", a);
	json_object_set_new(proc, "noNewPrivileges",
			    json_boolean(o->no_new_privs));
	json_object_set_new(cfg, "process", proc);

	a = json_object();
	json_object_set_new(a, "path", json_string(c->rootfs));
	json_object_set_new(a, "readonly", json_false());
	json_object_set_new(cfg, "root", a);
	if (o->net != CONTAINER_NET_HOST || o->hostname)
		json_object_set_new(
			cfg, "hostname",
			json_string(o->hostname ? o->hostname : c->name));

	mounts = json_array();
	json_array_append_new(mounts, mount_obj("/proc", "proc", "proc", NULL));
	json_array_append_new(mounts,
			      mount_obj("/dev", "tmpfs", "tmpfs", dev_opts));
	json_array_append_new(
		mounts, mount_obj("/dev/pts", "devpts", "devpts", pts_opts));
	json_array_append_new(mounts,
			      mount_obj("/dev/shm", "tmpfs", "shm", shm_opts));
	json_array_append_new(
		mounts, mount_obj("/dev/mqueue", "mqueue", "mqueue", mq_opts));
	/* a new netns may mount its own sysfs; the host's one only bind */
	if (o->net == CONTAINER_NET_LOOPBACK)
		json_array_append_new(
			mounts, mount_obj("/sys", "sysfs", "sysfs", sys_opts));
	else
		json_array_append_new(
			mounts, mount_obj("/sys", "none", "/sys",
					  (const char *const[]){
						  "rbind", "nosuid", "noexec",
						  "nodev", "ro", NULL}));
	json_array_append_new(mounts, mount_obj("/sys/fs/cgroup", "cgroup",
						"cgroup", cg_opts));
	for (i = 0; i < o->mount_cnt; i++)
		json_array_append_new(
			mounts,
			mount_obj(o->mounts[i].dest, "bind",
				  o->mounts[i].source,
				  o->mounts[i].readonly ? bind_ro : bind_rw));
	json_object_set_new(cfg, "mounts", mounts);

	ann = json_object();
	json_object_set_new(ann, "cadet.name", json_string(c->name));
	json_object_set_new(ann, "cadet.image", json_string(c->lower));
	for (v = o->annotations; v && *v; v++) {
		const char *eq = strchr(*v, '=');

		if (!eq || eq == *v)
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(eq - *v), *v);
		json_object_set_new(ann, buf, json_string(eq + 1));
	}
	json_object_set_new(cfg, "annotations", ann);

	lnx = json_object();
	snprintf(buf, sizeof(buf), "%s/%s", CONTAINER_CGROUP_PARENT, c->id);
	json_object_set_new(lnx, "cgroupsPath", json_string(buf));
	res = json_object();
	a = json_array();
	r = json_object();
	json_object_set_new(r, "allow", json_false());
	json_object_set_new(r, "access", json_string("rwm"));
	json_array_append_new(a, r);
	json_object_set_new(res, "devices", a);
	if (o->memory_max) {
		a = json_object();
		json_object_set_new(a, "limit",
				    json_integer((json_int_t)o->memory_max));
		/* no swap beyond the limit: a leak hits the limit */
		if (has_swap_accounting())
			json_object_set_new(
				a, "swap",
				json_integer((json_int_t)o->memory_max));
		json_object_set_new(res, "memory", a);
	}
	if (o->cpus > 0) {
		a = json_object();
		json_object_set_new(
			a, "quota",
			json_integer((json_int_t)(o->cpus * CPU_PERIOD_US)));
		json_object_set_new(a, "period", json_integer(CPU_PERIOD_US));
		json_object_set_new(res, "cpu", a);
	}
	if (o->pids_max > 0) {
		a = json_object();
		json_object_set_new(a, "limit", json_integer(o->pids_max));
		json_object_set_new(res, "pids", a);
	}
	json_object_set_new(lnx, "resources", res);

	a = json_array();
	static const char *const ns_types[] = {"pid",	"ipc",	  "uts",
					       "mount", "cgroup", NULL};
	for (v = ns_types; *v; v++) {
		ns = json_object();
		json_object_set_new(ns, "type", json_string(*v));
		json_array_append_new(a, ns);
	}
	if (o->net != CONTAINER_NET_HOST) {
		ns = json_object();
		json_object_set_new(ns, "type", json_string("network"));
		if (o->net == CONTAINER_NET_JOIN)
			json_object_set_new(ns, "path",
					    json_string(o->netns_path));
		json_array_append_new(a, ns);
	}
	json_object_set_new(lnx, "namespaces", a);
	json_object_set_new(lnx, "maskedPaths", str_array(masked_paths));
	json_object_set_new(lnx, "readonlyPaths", str_array(readonly_paths));
	json_object_set_new(cfg, "linux", lnx);
	return cfg;
}

/* ---- rootfs ------------------------------------------------------------- */

/* The image the default mkrootfs.sh package list names. */
static int default_rootfs(char *out, size_t sz)
{
	const char *const argv[] = {"injector/mkrootfs.sh", "--print-path",
				    NULL};
	const char *env = getenv("CADET_ROOTFS");
	int p[2], status, err;
	ssize_t n;
	pid_t pid;

	if (env && *env) {
		snprintf(out, sz, "%s", env);
		return 0;
	}
	if (access(argv[0], X_OK)) {
		fprintf(stderr,
			"container: no root filesystem given and %s not found here; set opts.rootfs or CADET_ROOTFS, or run from the cadet checkout\n",
			argv[0]);
		return -ENOENT;
	}
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	err = spawn(argv, p[1], -1, &pid);
	close(p[1]);
	if (err) {
		close(p[0]);
		return err;
	}
	n = read(p[0], out, sz - 1);
	close(p[0]);
	wait_child(pid, 0, &status);
	if (n <= 0 || exit_code(status))
		return -EIO;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int mount_overlay(struct container *c)
{
	char opts[3 * PATH_MAX + 64], upper[PATH_MAX + 8], work[PATH_MAX + 8];

	snprintf(upper, sizeof(upper), "%s/upper", c->bundle);
	snprintf(work, sizeof(work), "%s/work", c->bundle);
	if (mkdir(upper, 0755) || mkdir(work, 0700) || mkdir(c->rootfs, 0755))
		return -errno;
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 c->lower, upper, work);
	if (mount("overlay", c->rootfs, "overlay", 0, opts)) {
		int err = -errno;

		fprintf(stderr,
			"container: cannot mount the overlay on %s (lower %s): %s\n",
			c->rootfs, c->lower, strerror(errno));
		return err;
	}
	c->mounted = 1;
	return 0;
}

static int unmount_rootfs(const char *rootfs)
{
	if (!umount2(rootfs, UMOUNT_NOFOLLOW))
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not mounted (any more) */
	/* still busy (a process with its cwd there): detach it now, the
	 * kernel finishes when the last user goes */
	if (!umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW))
		return 0;
	return -errno;
}

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
	err = read_small(path, buf, sizeof(buf));
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
	err = container_cgroup_id(c->cgroup_path, &c->cgroup_id);
	if (err)
		c->cgroup_id = 0;
	return 0;
}

static struct container *create_docker(struct container *c,
				       const struct container_opts *opts)
{
	struct docker_facts f = {0};

	snprintf(f.owner, sizeof(f.owner), "%d %llu\n", getpid(),
		 proc_start(getpid()));
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
	const char *state_dir, *prefix;
	char buf[PATH_MAX + 64];
	struct container *c;
	json_t *cfg = NULL;
	int err, fd, tries;

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
	if (opts->rootfs)
		snprintf(c->lower, sizeof(c->lower), "%s", opts->rootfs);
	else if ((err = default_rootfs(c->lower, sizeof(c->lower))))
		goto cleanup_free;
	snprintf(buf, sizeof(buf), "%s/" ROOTFS_MARKER, c->lower);
	if (access(buf, F_OK) && access(c->lower, F_OK)) {
		fprintf(stderr,
			"container: no root filesystem at %s; build it with: make rootfs\n",
			c->lower);
		err = -ENOENT;
		goto cleanup_free;
	}
	if (strpbrk(c->lower, ",:")) {
		fprintf(stderr,
			"container: root filesystem path %s contains ',' or ':', which overlayfs cannot take\n",
			c->lower);
		err = -EINVAL;
		goto cleanup_free;
	}

	state_dir = opts->state_dir ? opts->state_dir : CONTAINER_STATE_DIR;
	prefix = opts->id_prefix ? opts->id_prefix : CONTAINER_ID_PREFIX;
	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "container: cannot create %s: %s\n", state_dir,
			strerror(errno));
		goto cleanup_free;
	}
	for (tries = 0; tries < 8; tries++) {
		make_id(c, prefix);
		snprintf(c->bundle, sizeof(c->bundle), "%s/%s", state_dir,
			 c->id);
		if (!mkdir(c->bundle, 0700))
			break;
		if (errno != EEXIST) {
			err = -errno;
			fprintf(stderr, "container: cannot create %s: %s\n",
				c->bundle, strerror(errno));
			goto cleanup_free;
		}
	}
	if (tries == 8) {
		err = -EEXIST;
		goto cleanup_free;
	}
	/* from here on container__destroy() undoes everything */
	snprintf(c->rootfs, sizeof(c->rootfs), "%s/rootfs", c->bundle);
	snprintf(c->runc_log, sizeof(c->runc_log), "%s/runc.log", c->bundle);
	if (opts->output)
		snprintf(c->output, sizeof(c->output), "%s", opts->output);
	else
		snprintf(c->output, sizeof(c->output), "%s/output.log",
			 c->bundle);
	snprintf(buf, sizeof(buf), "%s/owner", c->bundle);
	{
		char own[64];

		snprintf(own, sizeof(own), "%d %llu\n", getpid(),
			 proc_start(getpid()));
		err = write_file(buf, own, 0600);
	}
	if (err)
		goto cleanup_destroy;
	err = mount_overlay(c);
	if (err)
		goto cleanup_destroy;

	cfg = make_config(c, opts);
	snprintf(buf, sizeof(buf), "%s/config.json", c->bundle);
	if (!cfg || json_dump_file(cfg, buf, JSON_INDENT(1))) {
		err = -EIO;
		fprintf(stderr, "container: cannot write %s\n", buf);
		goto cleanup_destroy;
	}

	/* runc create's stdout/stderr become the init's */
	fd = open(c->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "container: cannot open %s: %s\n", c->output,
			strerror(errno));
		goto cleanup_destroy;
	}
	snprintf(buf, sizeof(buf), "%s/init.pid", c->bundle);
	{
		const char *const args[] = {"create",	  "--bundle", c->bundle,
					    "--pid-file", buf,	      c->id,
					    NULL};

		err = runc_run(c, args, fd, RUNC_TIMEOUT_MS);
	}
	close(fd);
	/* runc may have registered it before failing: delete in any case */
	c->created = 1;
	if (err) {
		if (err > 0) {
			fprintf(stderr,
				"container: runc create %s failed (exit %d)\n",
				c->id, err);
			show_runc_log(c);
			err = -EIO;
		}
		goto cleanup_destroy;
	}
	err = read_runtime_facts(c);
	if (err) {
		fprintf(stderr,
			"container: runc created %s but its pid file is unreadable\n",
			c->id);
		goto cleanup_destroy;
	}
	json_decref(cfg);
	return c;

cleanup_destroy:
	json_decref(cfg);
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

/* ---- exec -------------------------------------------------------------- */

struct outbuf {
	char *buf;
	size_t len, cap;
};

/* Append what @fd gives until EOF or @deadline_ms (0: none). */
static int read_all(int fd, struct outbuf *b, uint64_t deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int tmo, r;
	ssize_t n;
	char *nb;

	for (;;) {
		if (b->len + 1 >= b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4096;

			nb = realloc(b->buf, cap);
			if (!nb)
				return -ENOMEM;
			b->buf = nb;
			b->cap = cap;
		}
		b->buf[b->len] = '\0';
		tmo = -1;
		if (deadline_ms) {
			uint64_t now = now_ms();

			if (now >= deadline_ms)
				return -ETIMEDOUT;
			tmo = (int)(deadline_ms - now);
		}
		r = poll(&p, 1, tmo);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, b->buf + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		b->len += (size_t)n;
	}
}

static pid_t read_pid_file(const char *path)
{
	char buf[32];

	if (read_small(path, buf, sizeof(buf)))
		return 0;
	return (pid_t)atoi(buf);
}

/* Reap background `runc exec`s that ended; @block: wait for all. */
static void reap_bg(struct container *c, int block)
{
	size_t i, j;
	int status;

	for (i = j = 0; i < c->bg_cnt; i++) {
		if (block)
			wait_child(c->bg[i], RUNC_TIMEOUT_MS, &status);
		else if (waitpid(c->bg[i], &status, WNOHANG) == 0)
			c->bg[j++] = c->bg[i];
	}
	c->bg_cnt = j;
}

/*
 * A background `runc exec` (@pid) started its process once the pid file
 * names it. Returns 0 (and remembers @pid for reaping), runc's exit code
 * when it failed, or -errno.
 */
static int wait_started(struct container *c, pid_t pid, const char *pidfile,
			pid_t *xpid)
{
	uint64_t deadline = now_ms() + RUNC_TIMEOUT_MS;
	pid_t p, *bg;
	int status;

	reap_bg(c, 0);
	for (;;) {
		p = read_pid_file(pidfile);
		if (p > 0)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* ended already: fine if it ran (pid file written) */
			p = read_pid_file(pidfile);
			if (p <= 0)
				return exit_code(status) ? exit_code(status)
							 : -EIO;
			if (xpid)
				*xpid = p;
			return 0;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			wait_child(pid, 0, &status);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
	if (xpid)
		*xpid = p;
	bg = realloc(c->bg, (c->bg_cnt + 1) * sizeof(*bg));
	if (!bg) {
		/* cannot track it: wait for it at once rather than leak */
		kill(p, SIGKILL);
		wait_child(pid, 0, &status);
		return -ENOMEM;
	}
	c->bg = bg;
	c->bg[c->bg_cnt++] = pid;
	return 0;
}

/* runc exec forwards no SIGKILL: kill the process itself. */
static void kill_pid_file(const char *pidfile)
{
	pid_t pid = read_pid_file(pidfile);

	if (pid > 0)
		kill(pid, SIGKILL);
}

int container__exec(struct container *c, const char *const *argv,
		    const struct container_exec_opts *opts)
{
	struct container_exec_opts none = {.sz = sizeof(none)};
	const struct container_exec_opts *o = opts ? opts : &none;
	char pidfile[PATH_MAX + 32];
	const char *args[128];
	int n = 0, out_fd = -1, pipefd[2] = {-1, -1}, err, status;
	int timed_out = 0;
	uint64_t deadline = 0;
	static unsigned int seq;
	const char *const *v;
	pid_t pid;

	if (!c || c->destroyed || !c->created || !argv || !argv[0])
		return -EINVAL;
	if (c->docker)
		return docker_ctr__exec(c->docker, argv, o);
	if (o->out)
		*o->out = NULL;
	snprintf(pidfile, sizeof(pidfile), "%s/exec-%d-%u.pid", c->bundle,
		 getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));

	args[n++] = runc_bin();
	args[n++] = "--log";
	args[n++] = c->runc_log;
	args[n++] = "exec";
	args[n++] = "--pid-file";
	args[n++] = pidfile;
	if (o->cwd) {
		args[n++] = "--cwd";
		args[n++] = o->cwd;
	}
	for (v = o->env; v && *v && n < 100; v++) {
		args[n++] = "--env";
		args[n++] = *v;
	}
	for (v = o->caps_add; v && *v && n < 104; v++) {
		args[n++] = "--cap";
		args[n++] = *v;
	}
	args[n++] = c->id;
	for (v = argv; *v && n < 127; v++)
		args[n++] = *v;
	args[n] = NULL;
	if (*v) {
		fprintf(stderr, "container: exec: too many arguments\n");
		return -E2BIG;
	}
	if (c->verbose) {
		fprintf(stderr, "container:");
		for (v = args; *v; v++)
			fprintf(stderr, " %s", *v);
		fputc('\n', stderr);
	}

	/* Detached processes too run under a `runc exec` of ours that
	 * stays until they end: runc then reaps them as their subreaper.
	 * With `runc exec --detach` they would be orphaned to the host's
	 * init, and a container's end would wait for that to reap them. */
	if (o->out && !o->detach) {
		if (pipe2(pipefd, O_CLOEXEC))
			return -errno;
		out_fd = pipefd[1];
	} else {
		out_fd = open(c->output,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (out_fd < 0)
			return -errno;
	}
	/* stderr of the process (and runc's) to the container's output */
	{
		int err_fd =
			open(c->output,
			     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		err = spawn(args, out_fd, err_fd >= 0 ? err_fd : out_fd, &pid);
		if (err_fd >= 0)
			close(err_fd);
	}
	close(out_fd);
	if (err) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		return err;
	}
	if (o->detach) {
		err = wait_started(c, pid, pidfile, o->pid);
		if (err > 0) {
			fprintf(stderr,
				"container: exec %s in %s failed (exit %d)\n",
				argv[0], c->id, err);
			show_runc_log(c);
			err = -EIO;
		}
		unlink(pidfile);
		return err;
	}
	if (o->timeout_ms)
		deadline = now_ms() + o->timeout_ms;

	if (pipefd[0] >= 0) {
		struct outbuf b = {0};

		if (read_all(pipefd[0], &b, deadline) == -ETIMEDOUT) {
			timed_out = 1;
			kill_pid_file(pidfile);
			/* what the killed process still had in the pipe */
			read_all(pipefd[0], &b, now_ms() + 2000);
		}
		close(pipefd[0]);
		if (!b.buf)
			b.buf = strdup("");
		*o->out = b.buf;
		if (o->out_len)
			*o->out_len = b.len;
	} else if (deadline) {
		struct pollfd p = {.fd = pidfd_open(pid, 0), .events = POLLIN};
		int r;

		do {
			uint64_t now = now_ms();

			r = p.fd < 0 ? 1
				     : poll(&p, 1,
					    now < deadline
						    ? (int)(deadline - now)
						    : 0);
		} while (r < 0 && errno == EINTR);
		if (p.fd >= 0)
			close(p.fd);
		if (r == 0) {
			timed_out = 1;
			kill_pid_file(pidfile);
		}
	}
	/* runc exec exits with the process: 128 + 9 after a timeout */
	err = wait_child(pid, 0, &status);
	if (timed_out)
		fprintf(stderr,
			"container: exec %s in %s ran past %llu ms; killed\n",
			argv[0], c->id, (unsigned long long)o->timeout_ms);
	if (err)
		goto cleanup;
	if (o->pid)
		*o->pid = read_pid_file(pidfile);
	err = exit_code(status);
cleanup:
	unlink(pidfile);
	return err;
}

int container__kill(struct container *c, int sig)
{
	char s[16];
	const char *const args[] = {"kill", c->id, s, NULL};

	if (!c->created || c->destroyed)
		return -EINVAL;
	if (c->docker)
		return docker_ctr__kill(c->docker, sig);
	snprintf(s, sizeof(s), "%d", sig);
	return runc_ok(c, args);
}

int container__running(struct container *c)
{
	const char *const args[] = {runc_bin(), "state", c->id, NULL};
	struct outbuf out = {0};
	const char *st;
	int p[2], err, status, running = 0;
	json_t *doc;
	pid_t pid;

	if (!c->created || c->destroyed)
		return 0;
	if (c->docker)
		return docker_ctr__running(c->docker);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	err = spawn(args, p[1], -1, &pid);
	close(p[1]);
	if (err) {
		close(p[0]);
		return err;
	}
	err = read_all(p[0], &out, now_ms() + RUNC_TIMEOUT_MS);
	close(p[0]);
	wait_child(pid, RUNC_TIMEOUT_MS, &status);
	if (!err && out.buf && exit_code(status) == 0) {
		doc = json_loadb(out.buf, out.len, 0, NULL);
		st = json_string_value(json_object_get(doc, "status"));
		running = st && !strcmp(st, "running");
		json_decref(doc);
	}
	free(out.buf);
	return running;
}

int container__wait(struct container *c, uint64_t timeout_ms)
{
	struct pollfd p = {.events = POLLIN};
	int r;

	if (!c->created || c->destroyed || c->pid <= 0)
		return -EINVAL;
	p.fd = pidfd_open(c->pid, 0);
	if (p.fd < 0)
		return errno == ESRCH ? 0 : -errno;
	do {
		r = poll(&p, 1, timeout_ms ? (int)timeout_ms : -1);
	} while (r < 0 && errno == EINTR);
	close(p.fd);
	if (r == 0)
		return -ETIMEDOUT;
	return r < 0 ? -errno : 0;
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
		show_runc_log(c);
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
	reap_bg(c, 1);
	if (c->id[0])
		remove_cgroups(c->id);
	if (c->mounted || c->rootfs[0]) {
		r = unmount_rootfs(c->rootfs);
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
		r = rm_tree(c->bundle);
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
			if (owner_alive(tmp.bundle))
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
		if (owner_alive(path))
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
