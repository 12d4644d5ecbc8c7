// SPDX-License-Identifier: MIT
/*
 * escape_probe: the reconnaissance and attempts of a container breakout.
 *
 * Each of --rounds rounds (--interval seconds apart) runs, every attempt in
 * a short-lived child so that nothing it gains lasts:
 *   - recon: /proc/self/status (capabilities), /proc/1/cgroup,
 *     /proc/self/mountinfo, /.dockerenv, runtime sockets;
 *   - unshare() of mount, user, pid, net, uts, ipc and cgroup namespaces;
 *   - setns() into every namespace of /proc/1/ns/;
 *   - mount() of a cgroup v1 hierarchy, proc, tmpfs and a bind of /, only
 *     inside a private mount namespace when one could be made (so a
 *     privileged run never touches the real mount table);
 *   - reads of /sys/fs/cgroup/STAR/release_agent and notify_on_release;
 *   - opens of /proc/sysrq-trigger, /proc/sys/kernel/core_pattern (for
 *     writing, nothing is ever written), /dev/mem, /dev/kmem, /proc/kcore;
 *   - finit_module() on an invalid descriptor.
 * Inside a container nearly all of these fail, which is the point. The
 * trace shows unshare, setns, mount and module security events (mostly
 * denied) and opens of the kernel interfaces from the target.
 */
#include "payload.h"

#include <glob.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const char usage[] =
	"Tries the usual container breakout paths; all are expected to fail.\n"
	"  --rounds=N    rounds (default 3, 1..50)\n"
	"  --interval=S  seconds between rounds (default 3, 0.1..60)\n";

static const char *const keys[] = { "rounds", "interval", NULL };

static char mnt_dir[64];
static bool made_dir;

static void cleanup(void)
{
	if (made_dir)
		rmdir(mnt_dir);
}

static void read_path(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* Opens for writing and closes at once: never writes a byte. */
static void open_only(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

/* Runs @fn(@arg) in a child and waits for it. */
static void in_child(void (*fn)(long), long arg)
{
	pid_t pid = pl_fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void recon(long unused)
{
	static const char *const socks[] = {
		"/var/run/docker.sock", "/run/containerd/containerd.sock",
		"/run/crio/crio.sock", "/.dockerenv",
	};
	struct stat st;

	read_path("/proc/self/status");
	read_path("/proc/1/cgroup");
	read_path("/proc/self/mountinfo");
	for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
		stat(socks[i], &st);
}

static void try_unshare(long flags)
{
	if (unshare((int)flags) < 0)
		_exit(1);
}

static void try_setns(long unused)
{
	static const char *const ns[] = { "mnt", "pid", "net", "uts", "ipc",
					  "cgroup", "user" };
	char path[64];

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "/proc/1/ns/%s", ns[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (setns(fd, 0) < 0)
			errno = 0;
		close(fd);
	}
}

static void try_mount(long unused)
{
	/*
	 * EPERM from unshare means no CAP_SYS_ADMIN, so mount() fails too;
	 * any other failure could leave a privileged mount in the real
	 * namespace: skip the mounts then.
	 */
	if (unshare(CLONE_NEWNS) == 0) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(1);
	} else if (errno != EPERM) {
		_exit(1);
	}
	if (mount("cgroup", mnt_dir, "cgroup", 0, "rdma") == 0)
		umount2(mnt_dir, MNT_DETACH);
	if (mount("proc", mnt_dir, "proc", 0, NULL) == 0)
		umount2(mnt_dir, MNT_DETACH);
	if (mount("tmpfs", mnt_dir, "tmpfs", 0, "size=1m") == 0)
		umount2(mnt_dir, MNT_DETACH);
	if (mount("/", mnt_dir, NULL, MS_BIND | MS_REC, NULL) == 0)
		umount2(mnt_dir, MNT_DETACH);
}

static void kernel_files(long unused)
{
	static const char *const pats[] = {
		"/sys/fs/cgroup/*/release_agent", "/sys/fs/cgroup/release_agent",
		"/sys/fs/cgroup/*/notify_on_release",
	};
	glob_t g;

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		if (glob(pats[i], 0, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			read_path(g.gl_pathv[j]);
		globfree(&g);
	}
	open_only("/proc/sysrq-trigger", O_WRONLY);
	open_only("/proc/sys/kernel/core_pattern", O_WRONLY);
	open_only("/sys/kernel/uevent_helper", O_WRONLY);
	open_only("/dev/mem", O_RDONLY);
	open_only("/dev/kmem", O_RDONLY);
	open_only("/proc/kcore", O_RDONLY);
	if (syscall(SYS_finit_module, -1, "", 0) < 0)
		errno = 0;
}

int main(int argc, char **argv)
{
	static const long ns_flags[] = {
		CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNS | CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS | CLONE_NEWIPC,
		CLONE_NEWCGROUP,
	};
	long rounds, done = 0;
	double interval;
	uint64_t next;

	pl_init(argc, argv, "escape_probe", usage, keys);
	rounds = pl_int("rounds", 3, 1, 50);
	interval = pl_secs("interval", 3, 0.1, 60);
	snprintf(mnt_dir, sizeof(mnt_dir), "/tmp/.cadet-mnt-%d", (int)getpid());
	if (mkdir(mnt_dir, 0700) == 0)
		made_dir = true;
	else
		snprintf(mnt_dir, sizeof(mnt_dir), "/mnt");
	pl.cleanup = cleanup;

	pl_begin();
	next = pl_now();
	while (done < rounds && pl_running()) {
		in_child(recon, 0);
		for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]);
		     i++)
			in_child(try_unshare, ns_flags[i]);
		in_child(try_setns, 0);
		in_child(try_mount, 0);
		in_child(kernel_files, 0);
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld rounds", done);
	cleanup();
	return 0;
}
