// SPDX-License-Identifier: MIT
/*
 * Container engines: the Docker inspect parser on answers of a real
 * dockerd (tests/fixtures/engines), the OCI bundle look-up on a state dir
 * laid out as containerd's (with the spec docker's containerd wrote, and
 * with the annotations of Kubernetes' CRI plugin added), podman's store,
 * and the resolver: queued, then answered, never blocking but when told.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "recorder/engines.h"
#include "lib/util/fs.h"

#define FIXTURES "tests/fixtures/engines"
#define MOBY_ID "663c0b60ac756e0aeae4e2d44d8c3095d665992026f87d8c6a61e6c0aa700bd8"

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "re");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

static void test_docker_parse(void **state)
{
	struct engine_meta m;
	size_t len;
	char *s;

	s = slurp(FIXTURES "/docker-inspect.json", &len);
	assert_int_equal(engine_docker_parse(s, len, &m), 0);
	assert_string_equal(m.name, "dkoci");
	assert_string_equal(m.image, "cadet-base");
	assert_string_equal(m.pod, "");
	free(s);

	/* Kubernetes labels: the container's name and its pod. */
	s = slurp(FIXTURES "/docker-inspect-k8s.json", &len);
	assert_int_equal(engine_docker_parse(s, len, &m), 0);
	assert_string_equal(m.name, "nginx");
	assert_string_equal(m.pod, "web-0");
	assert_string_equal(m.pod_namespace, "shop");
	free(s);

	assert_int_equal(engine_docker_parse("{\"message\":\"x\"}", 15, &m),
			 -EINVAL);
	assert_int_equal(engine_docker_parse("not json", 8, &m), -EINVAL);
}

/* <dir>/io.containerd.runtime.v2.task/<ns>/<id>/config.json from the
 * fixture, with @annotations (NULL: as it is). */
static void put_bundle(const char *dir, const char *ns, const char *id,
		       json_t *annotations)
{
	char path[1024];
	json_t *spec = json_load_file(FIXTURES "/containerd-moby-config.json",
				      0, NULL);

	assert_non_null(spec);
	if (annotations)
		json_object_set_new(spec, "annotations", annotations);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/%s/%s",
		 dir, ns, id);
	assert_int_equal(util_mkdir_p(path), 0);
	strcat(path, "/config.json");
	assert_int_equal(json_dump_file(spec, path, 0), 0);
	json_decref(spec);
}

static void test_oci_lookup(void **state)
{
	char dir[] = "/tmp/cadet-engines.XXXXXX";
	struct engine_meta m;

	assert_non_null(mkdtemp(dir));
	put_bundle(dir, "moby", MOBY_ID, NULL);
	put_bundle(dir, "k8s.io", "abc123",
		   json_pack("{s:s, s:s, s:s, s:s}",
			     "io.kubernetes.cri.container-name", "api",
			     "io.kubernetes.cri.sandbox-name", "api-7d9f-x2",
			     "io.kubernetes.cri.sandbox-namespace", "prod",
			     "io.kubernetes.cri.image-name",
			     "registry.local/api:1.2"));

	/* Plain containerd: the namespace, no name of its own. */
	assert_int_equal(engine_oci_lookup(dir, MOBY_ID, &m), 0);
	assert_string_equal(m.pod_namespace, "moby");
	assert_string_equal(m.name, "");

	assert_int_equal(engine_oci_lookup(dir, "abc123", &m), 0);
	assert_string_equal(m.name, "api");
	assert_string_equal(m.pod, "api-7d9f-x2");
	assert_string_equal(m.pod_namespace, "prod");
	assert_string_equal(m.image, "registry.local/api:1.2");

	assert_int_equal(engine_oci_lookup(dir, "nosuch", &m), -ENOENT);
	rm_tree(dir);
}

static void test_podman_parse(void **state)
{
	/* The shape of containers/storage's containers.json. */
	static const char store[] =
		"[{\"id\":\"aa11\",\"names\":[\"db\"],\"image\":\"e1f2\","
		"\"metadata\":\"{\\\"image-name\\\":\\\"docker.io/library/postgres:16\\\",\\\"name\\\":\\\"db\\\"}\"},"
		"{\"id\":\"bb22\",\"names\":[\"cache\"],\"image\":\"c3d4\"}]";
	struct engine_meta m;

	assert_int_equal(engine_podman_parse(store, strlen(store), "aa11", &m),
			 0);
	assert_string_equal(m.name, "db");
	assert_string_equal(m.image, "docker.io/library/postgres:16");
	assert_int_equal(engine_podman_parse(store, strlen(store), "bb22", &m),
			 0);
	assert_string_equal(m.name, "cache");
	assert_string_equal(m.image, "c3d4");
	assert_int_equal(engine_podman_parse(store, strlen(store), "cc33", &m),
			 -ENOENT);
	assert_int_equal(engine_podman_parse("{}", 2, "aa11", &m), -EINVAL);
}

static void test_resolver(void **state)
{
	char dir[] = "/tmp/cadet-engines.XXXXXX";
	struct engines_opts o = {.sz = sizeof(o), .timeout_ms = 60000};
	struct container_info c = {.runtime = CADET_RT_CONTAINERD};
	struct engines *e;
	int err;

	assert_non_null(mkdtemp(dir));
	put_bundle(dir, "k8s.io", "abc123",
		   json_pack("{s:s}", "io.kubernetes.cri.container-name",
			     "api"));
	o.containerd_state = dir;
	o.docker_host = "unix:///nonexistent/docker.sock";
	e = engines__new(&o);
	assert_non_null(e);

	/* Not blocking: queued first, answered later. */
	strcpy(c.id, "abc123");
	strcpy(c.name, "abc123");
	err = engines__fill(e, &c);
	assert_true(err == -EAGAIN || err == 0);
	while (err == -EAGAIN) {
		while (!engines__settled(e))
			usleep(1000);
		err = engines__fill(e, &c);
	}
	assert_int_equal(err, 0);
	assert_string_equal(c.name, "api");
	assert_string_equal(c.pod_namespace, "k8s.io");

	/* Told to wait: the answer comes with the call. A daemon that is
	 * not there is not asked again: the id stays the name. */
	engines__set_wait(e, 60000);
	c = (struct container_info){.runtime = CADET_RT_DOCKER};
	strcpy(c.id, "0123abcd");
	strcpy(c.name, "0123abcd");
	assert_int_equal(engines__fill(e, &c), -ENOENT);
	assert_string_equal(c.name, "0123abcd");

	/* runc's names come from its state, not from an engine. */
	c.runtime = CADET_RT_RUNC;
	assert_int_equal(engines__fill(e, &c), -ENOENT);
	engines__free(e);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_parse),
		cmocka_unit_test(test_oci_lookup),
		cmocka_unit_test(test_podman_parse),
		cmocka_unit_test(test_resolver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
