// SPDX-License-Identifier: MIT
/*
 * Loading and attaching the BPF probe families; see probes.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cadet/trace.h"
#include "bpf/events.h"
#include "lib/util/cmd_name.h"
#include "recorder/probes.h"

#include "bpf/cgroup.skel.h"
#include "bpf/cpu.skel.h"
#include "bpf/mem.skel.h"
#include "bpf/net.skel.h"
#include "bpf/process.skel.h"
#include "bpf/security.skel.h"
#include "bpf/syscall.skel.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
/*
 * The reader maps the ring buffer's data twice (wrap-around), and both
 * count in its RSS once touched: 4 MiB costs 8 MiB of RSS. Batched
 * syscalls take about 56 bytes each, so 4 MiB still holds 70 ms at
 * 1 M syscalls/s, and the reader is woken at 1/8 full.
 */
#define DEFAULT_RINGBUF (4u << 20)
#define NFAMILIES_MAX 8
/* Not in older uapi headers; the kernel's number since 6.2. */
#define MAP_TYPE_CGRP_STORAGE 32

static const char *const shared_maps[] = {
	[PROBES_MAP_EVENTS] = "events",
	[PROBES_MAP_CGROUPS] = "container_cgroups",
	[PROBES_MAP_CG_STORAGE] = "cg_storage",
	[PROBES_MAP_ROWS] = "cg_rows",
	[PROBES_MAP_COUNTERS] = "counters",
	[PROBES_MAP_DROPS] = "drops",
};

struct probes {
	struct probes_opts opts;
	void *skel[NFAMILIES_MAX];
	struct bpf_link **links;
	const struct bpf_program **link_prog; /* program of each link */
	const char **link_family;
	size_t nlinks;
	unsigned int stats_mode;        /* enum cadet_bpf_stats_mode */
	int stats_fd;                   /* holds BPF_STATS_RUN_TIME on */
	int map_fd[PROBES_MAP_CNT];
	struct btf *vmlinux;
	const char *tracefs;
	bool cg_storage;                /* cg_storage is cgroup storage */
	uint64_t self_cgroup;           /* the recorder's cgroup id */
	int cgroot_fd;                  /* cgroup v2 mount, -1: unknown */
	int seq_flush_fd;               /* seq_flush program, -1: none */
	int ncpus;
	/* Slots of cg_rows: which cgroup owns each. */
	uint64_t slot_id[CG_SLOTS];
	uint8_t slot_state[CG_SLOTS];   /* enum slot_state */
};

enum slot_state {
	SLOT_FREE,
	SLOT_USED,
	SLOT_RETIRED,                   /* deleted, read once more */
};

/* Generic view of one generated skeleton. */
struct family {
	const char *name;
	uint64_t mask; /* probes that need it */
	void *(*open)(void);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*obj)(void *skel);
	void (*config)(void *skel, const struct probes *p);
};

#define FAMILY_GLUE(X)                                               \
	static void *X##_open(void)                                  \
	{                                                            \
		return X##_bpf__open();                              \
	}                                                            \
	static int X##_load(void *s)                                 \
	{                                                            \
		return X##_bpf__load(s);                             \
	}                                                            \
	static void X##_destroy(void *s)                             \
	{                                                            \
		X##_bpf__destroy(s);                                 \
	}                                                            \
	static struct bpf_object *X##_obj(void *s)                   \
	{                                                            \
		return ((struct X##_bpf *)s)->obj;                   \
	}                                                            \
	static void X##_config(void *s, const struct probes *p)      \
	{                                                            \
		struct X##_bpf *skel = s;                            \
                                                                     \
		skel->rodata->filter_all = p->opts.filter_all;       \
		skel->rodata->self_tgid = p->opts.self_tgid;         \
		skel->rodata->self_cgroup = p->self_cgroup;          \
		skel->rodata->wakeup_bytes = p->opts.ringbuf_bytes / 8; \
		skel->rodata->cg_storage_on = p->cg_storage;         \
	}

FAMILY_GLUE(cgroup)
FAMILY_GLUE(process)
FAMILY_GLUE(syscall)

/*
 * sys_exit does the work at a syscall's exit of every family it is on
 * for: syscall, file, net and security.
 */
static void syscall_config_exit(void *s, const struct probes *p)
{
	struct syscall_bpf *skel = s;
	uint64_t m = p->opts.probes;

	syscall_config(s, p);
	skel->rodata->hist_on =
		m & (CADET_PROBE_SYSCALL | CADET_PROBE_SYSCALL_SEQ);
	skel->rodata->io_on = m & CADET_PROBE_FILE;
	skel->rodata->seq_on = m & CADET_PROBE_SYSCALL_SEQ;
	skel->rodata->file_on = m & CADET_PROBE_FILE;
	skel->rodata->net_on = m & CADET_PROBE_NET;
	skel->rodata->sec_on = m & CADET_PROBE_SECURITY;
}

FAMILY_GLUE(net)
FAMILY_GLUE(mem)
FAMILY_GLUE(cpu)
FAMILY_GLUE(security)

static void mem_config_page(void *s, const struct probes *p)
{
	struct mem_bpf *skel = s;

	mem_config(s, p);
	skel->rodata->page_size = sysconf(_SC_PAGESIZE);
}

#define FAMILY(X, m, cfg)                                            \
	{                                                            \
#X, m, X##_open, X##_load, X##_destroy, X##_obj, cfg \
	}

/* cgroup first: the others reuse its maps. */
static const struct family families[] = {
	FAMILY(cgroup, ~0ull, cgroup_config),
	FAMILY(process, CADET_PROBE_PROCESS, process_config),
	/*
	 * Also the file family, and the syscall events of the net and
	 * security families: one program at sys_exit does them all.
	 */
	FAMILY(syscall,
	       CADET_PROBE_SYSCALL | CADET_PROBE_SYSCALL_SEQ |
		       CADET_PROBE_FILE | CADET_PROBE_NET |
		       CADET_PROBE_SECURITY,
	       syscall_config_exit),
	FAMILY(net, CADET_PROBE_NET, net_config),
	FAMILY(mem, CADET_PROBE_MEM, mem_config_page),
	FAMILY(cpu, CADET_PROBE_CPU, cpu_config),
	FAMILY(security, CADET_PROBE_SECURITY, security_config),
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))
_Static_assert(NFAMILIES <= NFAMILIES_MAX, "NFAMILIES_MAX too small");

static int verbose_level;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* The verifier log comes as a warning: useful when a load fails. */
	if (level == LIBBPF_DEBUG && verbose_level < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose_level < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool has_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = data[0].effective | (uint64_t)data[1].effective << 32;
	return (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
}

static const char *find_tracefs(void)
{
	if (!access(TRACEFS "/events", F_OK))
		return TRACEFS;
	if (!access(DEBUGFS_TRACING "/events", F_OK))
		return DEBUGFS_TRACING;
	return NULL;
}

int probes_check_env(void)
{
	if (geteuid() != 0 && !has_caps()) {
		fprintf(stderr,
			"%s needs root (CAP_BPF, CAP_PERFMON): run it with sudo\n",
			cadet_cmd_name);
		return -EPERM;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		fprintf(stderr,
			"%s: kernel BTF is missing (%s): the probes need a kernel built with CONFIG_DEBUG_INFO_BTF=y\n", cadet_cmd_name,
			VMLINUX_BTF);
		return -ENOENT;
	}
	if (find_tracefs())
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY) {
		int err = -errno;

		fprintf(stderr,
			"%s: tracefs is not mounted and mounting it at %s failed: %s\n"
			"  mount it by hand: mount -t tracefs nodev %s (needs CONFIG_TRACING)\n", cadet_cmd_name,
			TRACEFS, strerror(-err), TRACEFS);
		return err;
	}
	if (!find_tracefs()) {
		fprintf(stderr,
			"%s: %s is mounted but has no events/: the kernel lacks tracepoints (CONFIG_TRACEPOINTS, CONFIG_FTRACE_SYSCALLS)\n", cadet_cmd_name,
			TRACEFS);
		return -ENOENT;
	}
	return 0;
}

/*
 * Does this kernel have the attach point of @prog? Programs without one
 * are not loaded, so that one missing syscall does not cost a family.
 */
static bool attach_point_exists(struct probes *p, struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	char path[512];

	if (!strncmp(sec, "tp_btf/", 7)) {
		snprintf(path, sizeof(path), "btf_trace_%s", sec + 7);
		return btf__find_by_name_kind(p->vmlinux, path,
					      BTF_KIND_TYPEDEF) > 0;
	}
	if (!strncmp(sec, "tp/", 3)) {
		snprintf(path, sizeof(path), "%s/events/%s", p->tracefs,
			 sec + 3);
		return !access(path, F_OK);
	}
	return true;
}

static bool want_prog(struct probes *p, const struct family *f,
		      struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	uint64_t m = p->opts.probes;

	if (!strcmp(f->name, "syscall")) {
		bool hist = m & (CADET_PROBE_SYSCALL | CADET_PROBE_SYSCALL_SEQ);

		/* exit and exit_group, which never reach sys_exit. */
		if (!strcmp(name, "hist_task_exit"))
			return hist;
		/*
		 * rt_sigreturn, which reaches it as -1: a classic program,
		 * whose handler the kernel would call at every syscall's
		 * entry, so only where every syscall is recorded anyway.
		 */
		if (!strcmp(name, "sys_enter_rt_sigreturn"))
			return m & CADET_PROBE_SYSCALL_SEQ;
		if (!strcmp(name, "seq_flush"))
			return m & CADET_PROBE_SYSCALL_SEQ;
	}
	return true;
}

static int setup_progs(struct probes *p, const struct family *f,
		       struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		bool on = want_prog(p, f, prog);

		if (on && !attach_point_exists(p, prog)) {
			if (p->opts.verbose)
				fprintf(stderr,
					"%s: %s: no %s in this kernel, skipped\n", cadet_cmd_name,
					f->name,
					bpf_program__section_name(prog));
			on = false;
		}
		if (bpf_program__set_autoload(prog, on))
			return -EINVAL;
	}
	return 0;
}

static int reuse_shared_maps(struct probes *p, const struct family *f,
			     struct bpf_object *obj)
{
	for (int i = 0; i < PROBES_MAP_SHARED_CNT; i++) {
		struct bpf_map *m;
		int err;

		m = bpf_object__find_map_by_name(obj, shared_maps[i]);
		if (!m)
			continue;
		err = bpf_map__reuse_fd(m, p->map_fd[i]);
		if (err) {
			fprintf(stderr,
				"%s: %s probes: cannot share map %s: %s\n", cadet_cmd_name,
				f->name, shared_maps[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int fetch_map(struct probes *p, struct bpf_object *obj,
		     enum probes_map m, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (map)
		p->map_fd[m] = bpf_map__fd(map);
	return 0;
}

static void report_load_error(const struct family *f, struct bpf_object *obj,
			      int err)
{
	const char *bad = "?";
	struct bpf_program *prog;

	/* libbpf loads in order: the first unloaded program failed. */
	bpf_object__for_each_program(prog, obj)
	{
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0) {
			bad = bpf_program__name(prog);
			break;
		}
	}
	fprintf(stderr,
		"%s: cannot load the %s probes (program %s): %s (errno %d)\n"
		"  check that the kernel has BPF, BTF and tracepoints enabled (CONFIG_BPF_SYSCALL, CONFIG_DEBUG_INFO_BTF, CONFIG_FTRACE_SYSCALLS)\n"
		"  and that nothing (lockdown, seccomp, a container) blocks bpf(); -vv shows the verifier log\n", cadet_cmd_name,
		f->name, bad, strerror(-err), -err);
}

static int attach_all(struct probes *p, const struct family *f,
		      struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_link *l, **links;
		const struct bpf_program **progs;
		const char **fams;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		/* Run on demand (probes__seq_flush), attached to nothing. */
		if (!strcmp(bpf_program__section_name(prog), "raw_tp"))
			continue;
		l = bpf_program__attach(prog);
		if (!l) {
			err = -errno;
			fprintf(stderr,
				"%s: cannot attach %s probe %s to %s: %s\n"
				"  kprobes/fentry are not used; tracepoints need tracefs at %s\n", cadet_cmd_name,
				f->name, bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(-err),
				TRACEFS);
			return err;
		}
		links = realloc(p->links, (p->nlinks + 1) * sizeof(*links));
		if (links)
			p->links = links;
		progs = realloc(p->link_prog,
				(p->nlinks + 1) * sizeof(*progs));
		if (progs)
			p->link_prog = progs;
		fams = realloc(p->link_family, (p->nlinks + 1) * sizeof(*fams));
		if (fams)
			p->link_family = fams;
		if (!links || !progs || !fams) {
			bpf_link__destroy(l);
			return -ENOMEM;
		}
		p->link_prog[p->nlinks] = prog;
		p->link_family[p->nlinks] = f->name;
		p->links[p->nlinks++] = l;
	}
	return 0;
}

static int load_family(struct probes *p, size_t idx)
{
	const struct family *f = &families[idx];
	struct bpf_object *obj;
	void *skel;
	int err;

	skel = f->open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "%s: cannot open the %s probes: %s\n", cadet_cmd_name,
			f->name, strerror(-err));
		return err;
	}
	p->skel[idx] = skel;
	obj = f->obj(skel);
	f->config(skel, p);
	if (idx == 0) {
		struct bpf_map *rb =
			bpf_object__find_map_by_name(obj, "events");
		struct bpf_map *st =
			bpf_object__find_map_by_name(obj, "cg_storage");

		err = bpf_map__set_max_entries(rb, p->opts.ringbuf_bytes);
		/*
		 * Without cgroup local storage the programs never touch
		 * it (cg_storage_on is false): a one-entry hash stands in.
		 */
		if (!err && !p->cg_storage)
			err = bpf_map__set_type(st, BPF_MAP_TYPE_HASH);
		if (!err && !p->cg_storage)
			err = bpf_map__set_max_entries(st, 1);
		if (err)
			return err;
	} else {
		err = reuse_shared_maps(p, f, obj);
		if (err)
			return err;
	}
	err = setup_progs(p, f, obj);
	if (err)
		return err;
	err = f->load(skel);
	if (err) {
		report_load_error(f, obj, err);
		return err;
	}
	if (idx == 0)
		for (int i = 0; i < PROBES_MAP_SHARED_CNT; i++)
			fetch_map(p, obj, i, shared_maps[i]);
	fetch_map(p, obj, PROBES_MAP_SYSCALL_HIST, "syscall_hist");
	fetch_map(p, obj, PROBES_MAP_MM_RSS, "mm_rss");
	{
		struct bpf_program *fl =
			bpf_object__find_program_by_name(obj, "seq_flush");

		if (fl && bpf_program__autoload(fl))
			p->seq_flush_fd = bpf_program__fd(fl);
	}
	return attach_all(p, f, obj);
}

/*
 * Run-time statistics cost each program invocation two clock reads (about
 * 100 ns here), so they are opt-in and on only while the probes are
 * loaded: the fd of bpf_enable_stats() holds them, and closing it turns
 * them off again unless someone else wants them too.
 */
static void stats_on(struct probes *p)
{
	char c = '0';
	FILE *f;

	p->stats_fd = -1;
	if (!p->opts.bpf_stats) {
		p->stats_mode = CADET_BPF_STATS_OFF;
		return;
	}
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	if (f) {
		if (fread(&c, 1, 1, f) != 1)
			c = '0';
		fclose(f);
	}
	if (c == '1') {
		p->stats_mode = CADET_BPF_STATS_SYSCTL;
		return;
	}
	p->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (p->stats_fd >= 0) {
		p->stats_mode = CADET_BPF_STATS_RECORDER;
		return;
	}
	p->stats_mode = CADET_BPF_STATS_UNAVAILABLE;
	if (p->opts.verbose)
		fprintf(stderr,
			"%s: BPF run-time statistics unavailable (%s): the trace will not tell the probes' kernel cost\n", cadet_cmd_name,
			strerror(errno));
}

/* The cgroup v2 mount point, from /proc/self/mountinfo. */
static int cgroup2_root(char *buf, size_t size)
{
	char line[4096], mnt[4096];
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		/* fields: id parent dev root mountpoint ... - fstype ... */
		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, size, "%s", mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/*
 * The recorder's own cgroup (its inode number is its id), so that only
 * events of that cgroup pay the recorder-pid check; 0 when unknown.
 */
static uint64_t self_cgroup_id(const char *root)
{
	char buf[4096], path[8192];
	struct stat st;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	path[0] = '\0';
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "0::", 3))
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", root, buf + 3);
		break;
	}
	fclose(f);
	if (!path[0] || stat(path, &st))
		return 0;
	return st.st_ino;
}

static void cgroups_setup(struct probes *p)
{
	char root[4096];

	p->cgroot_fd = -1;
	/*
	 * Cgroup local storage instead of the hash for the cgroup filter:
	 * measured on nginx (6.18, 2 CPUs) it was no faster for sys_enter and
	 * about 60 ns slower per page fault, so it is only used on request
	 * (CADET_CG_STORAGE=1, for the bench) and where the kernel has it.
	 */
	p->cg_storage = !p->opts.no_cg_storage && getenv("CADET_CG_STORAGE") &&
			libbpf_probe_bpf_map_type(MAP_TYPE_CGRP_STORAGE,
						  NULL) == 1;
	if (cgroup2_root(root, sizeof(root)))
		return;
	p->self_cgroup = self_cgroup_id(root);
	p->cgroot_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* An fd of cgroup @id (-errno): the key of cg_storage. */
static int cgroup_fd(const struct probes *p, uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh = {.handle_bytes = sizeof(uint64_t),
		      .handle_type = 0xfe /* FILEID_KERNFS */}, .id = id};
	int fd;

	if (p->cgroot_fd < 0)
		return -ENOENT;
	fd = open_by_handle_at(p->cgroot_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct probes *probes__new(const struct probes_opts *opts)
{
	struct probes *p;
	int err;

	if (!opts || opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	memcpy(&p->opts, opts,
	       opts->sz < sizeof(p->opts) ? opts->sz : sizeof(p->opts));
	if (!p->opts.ringbuf_bytes)
		p->opts.ringbuf_bytes = DEFAULT_RINGBUF;
	for (int i = 0; i < PROBES_MAP_CNT; i++)
		p->map_fd[i] = -1;
	p->seq_flush_fd = -1;
	p->ncpus = libbpf_num_possible_cpus();
	verbose_level = p->opts.verbose;
	libbpf_set_print(libbpf_print);
	stats_on(p);
	cgroups_setup(p);
	if (p->opts.verbose)
		fprintf(stderr,
			"%s: cgroup state in %s; recorder cgroup %llu\n", cadet_cmd_name,
			p->cg_storage ? "cgroup local storage" : "a hash map",
			(unsigned long long)p->self_cgroup);

	p->tracefs = find_tracefs();
	if (!p->tracefs)
		p->tracefs = TRACEFS;
	p->vmlinux = btf__load_vmlinux_btf();
	if (!p->vmlinux) {
		err = -errno;
		fprintf(stderr,
			"%s: cannot read kernel BTF (%s): %s; the probes need CONFIG_DEBUG_INFO_BTF=y\n", cadet_cmd_name,
			VMLINUX_BTF, strerror(-err));
		goto cleanup;
	}
	for (size_t i = 0; i < NFAMILIES; i++) {
		if (!(families[i].mask & p->opts.probes))
			continue;
		err = load_family(p, i);
		if (err)
			goto cleanup;
	}
	/* Only needed to pick programs: give its memory back. */
	btf__free(p->vmlinux);
	p->vmlinux = NULL;
	return p;
cleanup:
	probes__free(p);
	errno = -err;
	return NULL;
}

/*
 * Detaching a tracepoint program waits for an RCU grace period (about
 * 40 ms here): one link after the other, every stop took 3 to 4 s.
 * Threads detaching at the same time share grace periods.
 */
#define DETACH_THREADS 8

struct detach_job {
	struct bpf_link **links;
	size_t n;
	size_t first;
};

static void *detach_some(void *arg)
{
	struct detach_job *j = arg;

	for (size_t i = j->first; i < j->n; i += DETACH_THREADS)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

static void detach_all(struct bpf_link **links, size_t n)
{
	struct detach_job jobs[DETACH_THREADS];
	pthread_t tid[DETACH_THREADS];
	bool started[DETACH_THREADS];

	for (size_t i = 0; i < DETACH_THREADS; i++) {
		jobs[i] = (struct detach_job){links, n, i};
		started[i] =
			!pthread_create(&tid[i], NULL, detach_some, &jobs[i]);
		if (!started[i])
			detach_some(&jobs[i]);
	}
	for (size_t i = 0; i < DETACH_THREADS; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
}

void probes__free(struct probes *p)
{
	if (!p)
		return;
	detach_all(p->links, p->nlinks);
	free(p->links);
	free(p->link_prog);
	free(p->link_family);
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	if (p->cgroot_fd >= 0)
		close(p->cgroot_fd);
	/* Reverse order: the first object owns the shared maps. */
	for (size_t i = NFAMILIES; i-- > 0;)
		if (p->skel[i])
			families[i].destroy(p->skel[i]);
	btf__free(p->vmlinux);
	free(p);
}

int probes__map_fd(const struct probes *p, enum probes_map m)
{
	if (!p || m >= PROBES_MAP_CNT)
		return -1;
	return p->map_fd[m];
}

size_t probes__prog_cnt(const struct probes *p)
{
	return p ? p->nlinks : 0;
}

unsigned int probes__stats_mode(const struct probes *p)
{
	return p ? p->stats_mode : CADET_BPF_STATS_UNAVAILABLE;
}

size_t probes__prog_stats(const struct probes *p, struct probes_prog_stat *out,
			  size_t n)
{
	if (!p)
		return 0;
	for (size_t i = 0; i < p->nlinks && i < n; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p->link_prog[i]);

		out[i] = (struct probes_prog_stat){
			.family = p->link_family[i],
			.prog = bpf_program__name(p->link_prog[i]),
		};
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		out[i].id = info.id;
		out[i].run_ns = info.run_time_ns;
		out[i].run_cnt = info.run_cnt;
	}
	return p->nlinks;
}

/* The slot of @id (in use or retired), else a free one, else -1. */
static int slot_pick(struct probes *p, uint64_t id)
{
	int free_slot = -1;

	for (int i = 0; i < CG_SLOTS; i++) {
		if (p->slot_state[i] != SLOT_FREE && p->slot_id[i] == id)
			return i;
		if (p->slot_state[i] == SLOT_FREE && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

/* A new owner starts from zero: the row may hold an old one's totals. */
static int slot_clear(struct probes *p, uint32_t slot)
{
	void *zero = calloc(p->ncpus, sizeof(struct cg_row));
	int err = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(p->map_fd[PROBES_MAP_ROWS], &slot, zero,
				BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

/* Writes @e as the cg_storage entry of cgroup @id. */
static int storage_set(struct probes *p, uint64_t id, const struct cg_ent *e)
{
	int fd, err = 0;

	if (!p->cg_storage)
		return 0;
	fd = cgroup_fd(p, id);
	/* Gone already: its storage went with it. */
	if (fd == -ENOENT || fd == -ESTALE)
		return 0;
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(p->map_fd[PROBES_MAP_CG_STORAGE], &fd, e,
				BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int probes__add_cgroup(struct probes *p, uint64_t id, bool no_seq)
{
	struct cg_ent e = {
		.id = id,
		.slot = CG_NO_SLOT,
		.flags = no_seq ? CG_F_NO_SEQ : 0,
	};
	int slot = slot_pick(p, id);

	if (slot >= 0 && p->slot_state[slot] == SLOT_FREE) {
		if (slot_clear(p, slot))
			slot = -1;
		else
			p->slot_id[slot] = id;
	}
	if (slot >= 0) {
		p->slot_state[slot] = SLOT_USED;
		e.slot = slot;
	}
	/* The hash first: a storage miss falls back to it. */
	if (bpf_map_update_elem(p->map_fd[PROBES_MAP_CGROUPS], &id, &e,
				BPF_ANY))
		return -errno;
	return storage_set(p, id, &e);
}

int probes__del_cgroup(struct probes *p, uint64_t id)
{
	struct cg_ent none = {.slot = CG_NO_SLOT};
	int slot = probes__cgroup_slot(p, id);

	if (slot >= 0)
		p->slot_state[slot] = SLOT_RETIRED;
	if (bpf_map_delete_elem(p->map_fd[PROBES_MAP_CGROUPS], &id) &&
	    errno != ENOENT)
		return -errno;
	/* Not deleted: a program that read the hash just before cannot
	 * bring the entry back. */
	return storage_set(p, id, &none);
}

int probes__cgroup_slot(const struct probes *p, uint64_t id)
{
	if (!p)
		return -1;
	for (int i = 0; i < CG_SLOTS; i++)
		if (p->slot_state[i] != SLOT_FREE && p->slot_id[i] == id)
			return i;
	return -1;
}

void probes__release_slot(struct probes *p, uint64_t id)
{
	int slot = probes__cgroup_slot(p, id);

	if (slot >= 0 && p->slot_state[slot] == SLOT_RETIRED)
		p->slot_state[slot] = SLOT_FREE;
}

bool probes__cg_storage(const struct probes *p)
{
	return p && p->cg_storage;
}

int probes__seq_flush(struct probes *p)
{
	int busy = 0;

	if (!p || p->seq_flush_fd < 0)
		return 0;
	for (int cpu = 0; cpu < p->ncpus; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU,
			    .cpu = cpu);

		/* Offline CPUs fail (ENXIO) and have nothing to send. */
		if (bpf_prog_test_run_opts(p->seq_flush_fd, &o))
			continue;
		busy += o.retval != 0;
	}
	return busy;
}

int probes_seq_unpack(const void *data, size_t size,
		      int (*fn)(void *ctx, const void *ev, size_t size),
		      void *ctx)
{
	const struct ev_seq_batch *b = data;
	struct ev_syscall e;
	uint32_t n;

	if (size < offsetof(struct ev_seq_batch, r) ||
	    b->type != EV_SYSCALL_BATCH)
		return 0;
	n = b->n;
	if (n > EV_SEQ_BATCH ||
	    size < offsetof(struct ev_seq_batch, r) + n * sizeof(b->r[0]))
		n = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct ev_seq_rec *r = &b->r[i];
		int err;

		memset(&e, 0, sizeof(e));
		e.h.size = sizeof(e);
		e.h.type = EV_SYSCALL;
		e.h.cpu = b->cpu;
		e.h.ts = r->ts;
		e.h.cgroup_id = r->cgroup_id;
		e.h.pid = r->pid;
		e.h.tid = r->tid;
		memcpy(e.h.comm, r->comm, sizeof(e.h.comm));
		e.nr = r->nr;
		e.ret = r->ret;
		err = fn(ctx, &e, sizeof(e));
		if (err < 0)
			return err;
	}
	return 1;
}
