// SPDX-License-Identifier: MIT
/*
 * bpf_attach: loads a BPF object, attaches all its programs and holds them
 * until SIGINT/SIGTERM. bench/syscall_cost.sh uses it for the empty
 * sys_enter program (bench/empty.bpf.c): this bpftool has no autoattach.
 *
 *   bpf_attach OBJ.bpf.o        prints "attached N" once ready
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int n = 0, err;

	if (argc != 2) {
		fprintf(stderr, "usage: bpf_attach OBJ.bpf.o\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bpf_attach: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "bpf_attach: cannot load %s: %s\n", argv[1],
			strerror(-err));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		/* The link lives until the process exits. */
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "bpf_attach: cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			return 1;
		}
		n++;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached %d\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
