// SPDX-License-Identifier: MIT
/*
 * The bundle's config.json (OCI runtime spec 1.0, as runc 1.1 reads it):
 * namespaces, cgroup limits, mounts, capabilities and annotations of one
 * container, from its container_opts.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "injector/runc_int.h"

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
static json_t *process_obj(const struct container *c,
			   const struct container_opts *o)
{
	static const char *const sleep_argv[] = {"sleep", "infinity", NULL};
	json_t *proc, *caps, *env, *a, *r;
	const char *const *v;
	char buf[PATH_MAX + 64];

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
	return proc;
}

static json_t *mounts_arr(const struct container_opts *o)
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
	static const char *const bind_ro[] = {"rbind", "ro", NULL};
	static const char *const bind_rw[] = {"rbind", NULL};
	json_t *mounts = json_array();

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
	for (size_t i = 0; i < o->mount_cnt; i++)
		json_array_append_new(
			mounts,
			mount_obj(o->mounts[i].dest, "bind",
				  o->mounts[i].source,
				  o->mounts[i].readonly ? bind_ro : bind_rw));
	return mounts;
}

static json_t *annotations_obj(const struct container *c,
			       const struct container_opts *o)
{
	json_t *ann = json_object();
	char key[PATH_MAX + 64];

	json_object_set_new(ann, "cadet.name", json_string(c->name));
	json_object_set_new(ann, "cadet.image", json_string(c->lower));
	for (const char *const *v = o->annotations; v && *v; v++) {
		const char *eq = strchr(*v, '=');

		if (!eq || eq == *v)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *v), *v);
		json_object_set_new(ann, key, json_string(eq + 1));
	}
	return ann;
}

/* Cgroup limits: no devices, memory (no swap beyond), CPU quota, pids. */
static json_t *resources_obj(const struct container_opts *o)
{
	json_t *res = json_object(), *a, *r;

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
	return res;
}

static json_t *namespaces_arr(const struct container_opts *o)
{
	static const char *const ns_types[] = {"pid",	"ipc",	  "uts",
					       "mount", "cgroup", NULL};
	json_t *a = json_array(), *ns;

	for (const char *const *v = ns_types; *v; v++) {
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
	return a;
}

static json_t *linux_obj(const struct container *c,
			 const struct container_opts *o)
{
	json_t *lnx = json_object();
	char buf[PATH_MAX + 64];

	snprintf(buf, sizeof(buf), "%s/%s", CONTAINER_CGROUP_PARENT, c->id);
	json_object_set_new(lnx, "cgroupsPath", json_string(buf));
	json_object_set_new(lnx, "resources", resources_obj(o));
	json_object_set_new(lnx, "namespaces", namespaces_arr(o));
	json_object_set_new(lnx, "maskedPaths", str_array(masked_paths));
	json_object_set_new(lnx, "readonlyPaths", str_array(readonly_paths));
	return lnx;
}

json_t *oci_config_build(const struct container *c,
			 const struct container_opts *o)
{
	json_t *cfg = json_object(), *root;

	json_object_set_new(cfg, "ociVersion", json_string("1.0.2"));
	json_object_set_new(cfg, "process", process_obj(c, o));
	root = json_object();
	json_object_set_new(root, "path", json_string(c->rootfs));
	json_object_set_new(root, "readonly", json_false());
	json_object_set_new(cfg, "root", root);
	if (o->net != CONTAINER_NET_HOST || o->hostname)
		json_object_set_new(
			cfg, "hostname",
			json_string(o->hostname ? o->hostname : c->name));
	json_object_set_new(cfg, "mounts", mounts_arr(o));
	json_object_set_new(cfg, "annotations", annotations_obj(c, o));
	json_object_set_new(cfg, "linux", linux_obj(c, o));
	return cfg;
}
