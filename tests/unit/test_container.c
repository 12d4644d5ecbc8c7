// SPDX-License-Identifier: MIT
/*
 * Real runc containers through injector/runc_*.c: lifecycle, exec,
 * limits, networking, bind mounts, and that nothing is left behind
 * (runc state, cgroups, mounts, bundle). Needs root and the cached
 * image (`make rootfs`); skips with a message otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "injector/container.h"
#include "lib/util/cgroup.h"
#include "recorder/container_table.h"

#define PREFIX "cadettest-"

static char rootfs[PATH_MAX / 2];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_text(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sz - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static long long read_ll(const char *path)
{
	char buf[64];

	assert_int_equal(read_text(path, buf, sizeof(buf)), 0);
	return strtoll(buf, NULL, 10);
}

/* The file gets @text within a few seconds (the process runs async). */
static int file_gets(const char *path, const char *text)
{
	char buf[8192];
	int i;

	for (i = 0; i < 500; i++) {
		if (!read_text(path, buf, sizeof(buf)) && strstr(buf, text))
			return 1;
		usleep(10000);
	}
	return 0;
}

static int mounted_below(const char *dir)
{
	char buf[1 << 16];

	assert_int_equal(read_text("/proc/self/mountinfo", buf, sizeof(buf)),
			 0);
	return strstr(buf, dir) != NULL;
}

static int runc_lists(const char *id)
{
	char cmd[256], line[256];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "runc list -q");
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, id))
			found = 1;
	}
	pclose(p);
	return found;
}

/* Everything of container @id is gone from the host. */
static void assert_gone(const char *id, const char *bundle)
{
	static const char *const hier[] = {"unified", "memory", "pids",
					   "cpu",     "cpuset", "freezer",
					   "systemd"};
	char path[PATH_MAX];
	size_t i;

	assert_false(runc_lists(id));
	snprintf(path, sizeof(path), "/run/runc/%s", id);
	assert_int_not_equal(access(path, F_OK), 0);
	for (i = 0; i < sizeof(hier) / sizeof(hier[0]); i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cadet/%s",
			 hier[i], id);
		if (!access(path, F_OK))
			fail_msg("cgroup %s left behind", path);
	}
	assert_false(mounted_below(bundle));
	assert_int_not_equal(access(bundle, F_OK), 0);
}

/* 0 when containers can run here, else why not (printed). */
static int can_run(void)
{
	char marker[PATH_MAX + 32];

	if (geteuid() != 0) {
		printf("SKIP: real containers need root (run as root)\n");
		return -1;
	}
	if (getenv("CADET_ROOTFS")) {
		snprintf(rootfs, sizeof(rootfs), "%s", getenv("CADET_ROOTFS"));
	} else {
		FILE *p = popen("injector/mkrootfs.sh --print-path", "r");

		if (!p || !fgets(rootfs, sizeof(rootfs), p)) {
			printf("SKIP: injector/mkrootfs.sh not found; run from the checkout\n");
			if (p)
				pclose(p);
			return -1;
		}
		pclose(p);
		rootfs[strcspn(rootfs, "\n")] = '\0';
	}
	snprintf(marker, sizeof(marker), "%s/.cadet-rootfs", rootfs);
	if (access(marker, F_OK)) {
		printf("SKIP: no container image at %s; build it with: make rootfs\n",
		       rootfs);
		return -1;
	}
	container__cleanup_stale(PREFIX);
	return 0;
}

static uint64_t removed_id;

static void on_remove(const struct container_info *c, void *ctx)
{
	if (c->cgroup_id == *(uint64_t *)ctx)
		removed_id = c->cgroup_id;
}

static void test_lifecycle(void **state)
{
	const char *argv[] = {"sh", "-c", "echo hello; sleep 30", NULL};
	struct container_opts o = {.sz = sizeof(o),
				   .name = "hello",
				   .id_prefix = PREFIX,
				   .rootfs = rootfs,
				   .argv = argv,
				   .memory_max = 64 << 20,
				   .pids_max = 64,
				   .cpus = 0.5};
	struct container_exec_opts xo = {.sz = sizeof(xo)};
	char path[2 * PATH_MAX], bundle[PATH_MAX], id[128], buf[4096];
	struct container_table_opts to_opts = {.sz = sizeof(to_opts)};
	const struct container_info *ci;
	struct container_table *tb;
	char *out = NULL;
	double t0, t_create, t_start, t_destroy;
	struct container *c;
	struct stat st;
	uint64_t cgid;
	pid_t xpid = 0;
	size_t len = 0;

	t0 = now_s();
	c = container__create(&o);
	t_create = now_s() - t0;
	assert_non_null(c);
	snprintf(id, sizeof(id), "%s", container__id(c));
	assert_true(!strncmp(id, PREFIX "hello-", strlen(PREFIX "hello-")));
	snprintf(bundle, sizeof(bundle), CONTAINER_STATE_DIR "/%s", id);
	assert_true(runc_lists(id));
	assert_true(container__pid(c) > 0);
	assert_int_equal(container__running(c), 0); /* created */

	/* its own v2 cgroup under the common parent, id = what BPF sees */
	snprintf(path, sizeof(path), "/sys/fs/cgroup/unified/cadet/%s", id);
	assert_string_equal(container__cgroup_path(c), path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(util_cgroup_id(path, &cgid), 0);
	assert_int_equal(container__cgroup_id(c), cgid);
	assert_int_equal(container__cgroup_id(c), (uint64_t)st.st_ino);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", container__pid(c));
	assert_int_equal(read_text(path, buf, sizeof(buf)), 0);
	snprintf(path, sizeof(path), "0::/cadet/%s\n", id);
	assert_non_null(strstr(buf, path));

	t0 = now_s();
	assert_int_equal(container__start(c), 0);
	t_start = now_s() - t0;
	assert_int_equal(container__running(c), 1);
	assert_true(file_gets(container__output_path(c), "hello\n"));

	/* exec: output, exit status, timeout, detached */
	const char *echo[] = {"sh", "-c", "echo exec-ok; echo to-stderr >&2",
			      NULL};
	xo.out = &out;
	xo.out_len = &len;
	assert_int_equal(container__exec(c, echo, &xo), 0);
	assert_string_equal(out, "exec-ok\n");
	assert_int_equal(len, 8);
	free(out);
	assert_true(file_gets(container__output_path(c), "to-stderr\n"));
	const char *ex7[] = {"sh", "-c", "exit 7", NULL};
	assert_int_equal(container__exec(c, ex7, NULL), 7);
	const char *slow[] = {"sleep", "20", NULL};
	struct container_exec_opts to = {.sz = sizeof(to), .timeout_ms = 300};
	assert_int_equal(container__exec(c, slow, &to), 128 + SIGKILL);
	struct container_exec_opts det = {
		.sz = sizeof(det), .detach = 1, .pid = &xpid};
	assert_int_equal(container__exec(c, slow, &det), 0);
	assert_true(xpid > 0);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", xpid);
	assert_int_equal(read_text(path, buf, sizeof(buf)), 0);
	snprintf(path, sizeof(path), "0::/cadet/%s\n", id);
	assert_non_null(strstr(buf, path));
	const char *nope[] = {"/no/such/binary", NULL};
	assert_true(container__exec(c, nope, NULL) != 0);

	/* limits: v1 controllers on this hybrid host, v2 elsewhere */
	snprintf(path, sizeof(path),
		 "/sys/fs/cgroup/unified/cadet/%s/memory.max", id);
	if (access(path, F_OK))
		snprintf(path, sizeof(path),
			 "/sys/fs/cgroup/memory/cadet/%s/memory.limit_in_bytes",
			 id);
	assert_int_equal(read_ll(path), 64 << 20);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/unified/cadet/%s/pids.max",
		 id);
	if (access(path, F_OK))
		snprintf(path, sizeof(path),
			 "/sys/fs/cgroup/pids/cadet/%s/pids.max", id);
	assert_int_equal(read_ll(path), 64);
	snprintf(path, sizeof(path),
		 "/sys/fs/cgroup/cpu/cadet/%s/cpu.cfs_quota_us", id);
	if (!access(path, F_OK))
		assert_int_equal(read_ll(path), 50000);

	/* only loopback, and it is up */
	const char *ip[] = {"ip", "-o", "link", "show", "up", NULL};
	xo.out = &out;
	assert_int_equal(container__exec(c, ip, &xo), 0);
	assert_non_null(strstr(out, "1: lo:"));
	assert_null(strstr(out, "2: "));
	free(out);

	/* writes land in the overlay, never in the cached image */
	const char *wr[] = {"sh", "-c", "echo x > /etc/cadet-test-write", NULL};
	assert_int_equal(container__exec(c, wr, NULL), 0);
	snprintf(path, sizeof(path), "%s/etc/cadet-test-write", rootfs);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/upper/etc/cadet-test-write", bundle);
	assert_int_equal(access(path, F_OK), 0);

	/* the name reaches runc's state, where discovery reads it */
	snprintf(path, sizeof(path), "/run/runc/%s/state.json", id);
	assert_int_equal(read_text(path, buf, sizeof(buf)), 0);
	{
		static char doc[1 << 16];
		struct container_info ci;

		assert_int_equal(read_text(path, doc, sizeof(doc)), 0);
		assert_int_equal(
			container_parse_runc_state(doc, strlen(doc), NULL, &ci),
			0);
		assert_string_equal(ci.name, "hello");
		assert_string_equal(ci.image, rootfs);
		snprintf(path, sizeof(path), "/cadet/%s", id);
		assert_string_equal(ci.cgroup_path, path);
	}

	/* discovery on the real host finds it, named */
	tb = container_table__new(&to_opts);
	assert_non_null(tb);
	assert_true(container_table__scan(tb, NULL, NULL, NULL) >= 1);
	ci = container_table__find(tb, container__cgroup_id(c));
	assert_non_null(ci);
	assert_int_equal(ci->runtime, CADET_RT_RUNC);
	assert_string_equal(ci->id, id);
	assert_string_equal(ci->name, "hello");

	t0 = now_s();
	assert_int_equal(container__destroy(c), 0);
	t_destroy = now_s() - t0;
	/* ... and sees it go (other containers may come and go too) */
	removed_id = 0;
	assert_true(container_table__scan(tb, NULL, on_remove, &cgid) >= 1);
	assert_int_equal(removed_id, cgid);
	assert_null(container_table__find(tb, cgid));
	container_table__free(tb);
	assert_gone(id, bundle);
	/* the detached exec died with the container */
	assert_int_not_equal(kill(xpid, 0), 0);
	assert_int_equal(container__destroy(c), 0); /* twice is fine */
	assert_int_equal(container__exec(c, echo, NULL), -EINVAL);
	container__free(c);
	container__free(NULL);
	print_message("create %.3f s, start %.3f s, destroy %.3f s\n", t_create,
		      t_start, t_destroy);
}

/* A second container in the first one's netns reaches it on loopback. */
static void test_join_netns(void **state)
{
	const char *srv_argv[] = {"nc", "-lk", "127.0.0.1", "8080", NULL};
	const char *cli[] = {"sh", "-c",
			     "echo ping-from-b | nc -N -w 2 127.0.0.1 8080",
			     NULL};
	struct container_opts so = {.sz = sizeof(so),
				    .name = "srv",
				    .id_prefix = PREFIX,
				    .rootfs = rootfs,
				    .argv = srv_argv};
	struct container_opts co = {.sz = sizeof(co),
				    .name = "cli",
				    .id_prefix = PREFIX,
				    .rootfs = rootfs,
				    .net = CONTAINER_NET_JOIN};
	struct container *a, *b;
	int i, r = -1;

	a = container__create(&so);
	assert_non_null(a);
	assert_int_equal(container__start(a), 0);
	co.netns_path = container__netns_path(a);
	b = container__create(&co);
	assert_non_null(b);
	assert_int_equal(container__start(b), 0);
	/* nc in a needs a moment to listen */
	for (i = 0; i < 100 && r; i++) {
		r = container__exec(b, cli, NULL);
		if (r)
			usleep(20000);
	}
	assert_int_equal(r, 0);
	assert_true(file_gets(container__output_path(a), "ping-from-b\n"));
	container__free(b);
	container__free(a);
}

static void test_bind_mount(void **state)
{
	char dir[] = "/tmp/cadet-bind.XXXXXX", file[PATH_MAX];
	struct container_mount m = {.dest = "/payloads", .readonly = 1};
	struct container_opts o = {
		.sz = sizeof(o),
		.name = "bind",
		.id_prefix = PREFIX,
		.rootfs = rootfs,
		.mounts = &m,
		.mount_cnt = 1,
		.caps_add = (const char *const[]){"CAP_SYS_PTRACE", NULL}};
	struct container_exec_opts xo = {.sz = sizeof(xo)};
	const char *cat[] = {"cat", "/payloads/data", NULL};
	const char *touch[] = {"touch", "/payloads/new", NULL};
	const char *caps[] = {"grep", "CapEff", "/proc/self/status", NULL};
	struct container *c;
	char *out = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/data", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("from-host\n", f);
	fclose(f);
	m.source = dir;

	c = container__create(&o);
	assert_non_null(c);
	assert_int_equal(container__start(c), 0);
	xo.out = &out;
	assert_int_equal(container__exec(c, cat, &xo), 0);
	assert_string_equal(out, "from-host\n");
	free(out);
	assert_int_not_equal(container__exec(c, touch, NULL), 0);
	snprintf(file, sizeof(file), "%s/new", dir);
	assert_int_not_equal(access(file, F_OK), 0);
	/* docker's default set + CAP_SYS_PTRACE (bit 19) */
	assert_int_equal(container__exec(c, caps, &xo), 0);
	assert_non_null(strstr(out, "00000000a80c25fb"));
	free(out);
	container__free(c);
	snprintf(file, sizeof(file), "%s/data", dir);
	unlink(file);
	rmdir(dir);
}

/* A container whose creator died is stale; a living creator's is not. */
static void test_cleanup_stale(void **state)
{
	struct container_opts o = {.sz = sizeof(o),
				   .name = "stale",
				   .id_prefix = PREFIX "stale-",
				   .rootfs = rootfs};
	char id[128], bundle[PATH_MAX];
	struct container *live;
	int p[2], status;
	pid_t pid;

	live = container__create(&o);
	assert_non_null(live);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct container *c = container__create(&o);

		if (c &&
		    write(p[1], container__id(c), strlen(container__id(c))) < 0)
			_exit(2);
		_exit(c ? 0 : 1); /* crash: no destroy */
	}
	close(p[1]);
	memset(id, 0, sizeof(id));
	assert_true(read(p[0], id, sizeof(id) - 1) > 0);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(bundle, sizeof(bundle), CONTAINER_STATE_DIR "/%s", id);
	assert_true(runc_lists(id));
	assert_true(mounted_below(bundle));

	assert_int_equal(container__cleanup_stale(PREFIX "stale-"), 1);
	assert_gone(id, bundle);
	/* ours survived */
	assert_true(runc_lists(container__id(live)));
	container__free(live);
}

static void test_bad_opts(void **state)
{
	struct container_opts o = {.sz = sizeof(o),
				   .id_prefix = PREFIX,
				   .rootfs = "/nonexistent/rootfs"};
	struct container_mount m = {.source = "/nonexistent/dir", .dest = "/x"};

	errno = 0;
	assert_null(container__create(&o));
	assert_int_equal(errno, ENOENT);
	o.rootfs = rootfs;
	o.net = CONTAINER_NET_JOIN;
	assert_null(container__create(&o));
	assert_int_equal(errno, EINVAL);
	o.net = CONTAINER_NET_LOOPBACK;
	o.mounts = &m;
	o.mount_cnt = 1;
	assert_null(container__create(&o));
	assert_int_equal(errno, ENOENT);
	o.mount_cnt = 0;
	o.memory_max = 4096;
	assert_null(container__create(&o));
	assert_int_equal(errno, EINVAL);
	o.memory_max = 0;
	/* a command that does not exist fails at start, cleanly */
	const char *argv[] = {"/no/such/program", NULL};
	o.argv = argv;
	struct container *c = container__create(&o);

	if (c) {
		assert_int_not_equal(container__start(c), 0);
		container__free(c);
	}
	assert_int_equal(container__cleanup_stale(PREFIX), 0);
	assert_null(container__create(NULL));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_join_netns),
		cmocka_unit_test(test_bind_mount),
		cmocka_unit_test(test_cleanup_stale),
		cmocka_unit_test(test_bad_opts),
	};

	/* 77: skipped as a whole (tests/run-all.sh); can_run() said why */
	if (can_run())
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
