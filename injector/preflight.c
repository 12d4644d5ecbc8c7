// SPDX-License-Identifier: MIT
/* Checks before `cadet run` starts anything (injector/preflight.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "injector/host.h"
#include "injector/preflight.h"

int run_preflight(void)
{
	if (geteuid() != 0) {
		fprintf(stderr,
			"cadet run: needs root: it starts runc containers and loads eBPF programs; run it with sudo\n");
		return -EPERM;
	}
	if (!host_in_path("runc")) {
		fprintf(stderr,
			"cadet run: runc not found in PATH; install it with: apt-get install runc (or: make deps)\n");
		return -ENOENT;
	}
	if (!host_in_path("nsenter")) {
		fprintf(stderr,
			"cadet run: nsenter not found (util-linux); http workloads need it\n");
		return -ENOENT;
	}
	if (!host_is_dir("/sys/fs/cgroup/unified") &&
	    !host_is_file("/sys/fs/cgroup/cgroup.controllers", false)) {
		fprintf(stderr,
			"cadet run: no cgroup v2 hierarchy (/sys/fs/cgroup/unified or /sys/fs/cgroup); containers cannot be told apart\n");
		return -ENOENT;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL) != 1) {
		fprintf(stderr,
			"cadet run: BPF is not usable here: loading a tracepoint program failed (need CAP_BPF and CAP_PERFMON, a kernel with CONFIG_BPF_SYSCALL, and kernel.unprivileged_bpf_disabled does not matter for root)\n");
		return -EPERM;
	}
	return 0;
}

/* The payloads there are, after a message about a missing one. */
static void list_payloads(const char *payload_dir)
{
	DIR *d = opendir(payload_dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			fprintf(stderr, " %s", de->d_name);
	if (d)
		closedir(d);
	else
		fprintf(stderr, " (%s missing)", payload_dir);
}

int run_check_scenario(const struct scenario *s, bool normal,
		       const char *payload_dir)
{
	char path[PATH_MAX];
	bool anomaly = s->anomaly && !normal;
	bool need_wrk = false;

	for (size_t i = 0; i < s->nworkloads; i++)
		need_wrk |= s->workloads[i].type == SCENARIO_WL_HTTP;
	if (need_wrk && !host_in_path("wrk")) {
		fprintf(stderr,
			"cadet run: %s has an http workload but wrk is not installed: apt-get install wrk (or: make deps)\n",
			s->path);
		return -ENOENT;
	}
	for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
		const struct scenario_anomaly *an = &s->anomalies[i];
		/* A command's class is a catalogue type: one with a payload. */
		const char *type = an->class_name ? an->class_name : an->type;

		if (!strcmp(type, "command"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", payload_dir, type) <
			    (int)sizeof(path) &&
		    host_is_file(path, true))
			continue;
		if (an->class_name) {
			fprintf(stderr,
				"cadet run: %s: [anomaly] class %s: not an anomaly type of the catalogue (no payload %s); pick one of:",
				s->path, type, path);
			list_payloads(payload_dir);
			fputc('\n', stderr);
			return -ENOENT;
		}
		fprintf(stderr,
			"cadet run: %s: [anomaly] type %s: no payload %s; build the payloads with make, or pick a type that is there:",
			s->path, type, path);
		list_payloads(payload_dir);
		fprintf(stderr, " command\n");
		return -ENOENT;
	}
	return 0;
}
