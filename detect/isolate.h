/* SPDX-License-Identifier: MIT */
/*
 * Plugin isolation: a .so detector run in a child process of its own, so
 * that a crash, an exit() or a hang in it costs that detector only.
 *
 * Introduction
 *
 * iso_open() forks a child that dlopen()s the plugin itself (a crash in
 * its constructors or entry function is then the child's too), imports
 * its ops with the usual ABI check and sends back what the host needs
 * before init(): name, description, params_help, tick_ns, flags and which
 * callbacks exist. The host gets a struct cadet_detector_ops of proxies
 * with the same callbacks present, so a hosting layer drives it exactly
 * like an in-process detector.
 *
 * The proxies speak a binary protocol over one socketpair: each message is
 * a {u32 type, u32 len} header and len payload bytes padded to 8, so that
 * records stay aligned. Records, on_trace_begin and on_container are
 * batched (one write per 256 KiB); init, on_tick, on_trace_end, train_end,
 * fini, save_model and load_model wait for the child's answer. The child
 * sends score, alert and log calls back in the order it made them, ahead
 * of that answer, and the host delivers them in that order: results are
 * byte-identical to in-process ones. A batched callback that fails is
 * reported before the next answer; the child then calls nothing but
 * fini(), as the host would in-process.
 *
 * The host never waits more than the timeout for progress: a child that
 * reads nothing and answers nothing for that long is killed. A dead or
 * killed child disables its detector (iso_host_ops.disable) with what
 * happened and where: "killed by SIGSEGV (Segmentation fault) in
 * on_event, record at trace time 123", "exited with status 0 in init",
 * "no answer in 10 s in on_tick(2000000000): killed". A shared page tells
 * the host which callback the child was in.
 *
 * Files: isolate_proto.c, the message codec both sides use;
 * isolate_child.c, the child's loop; isolate.c, the host side (iso_open,
 * the proxies, deaths and timeouts); isolate_int.h, what they share.
 *
 * HowTo (detect/dethost.c does this):
 *   struct iso_det *x;
 *   ret = iso_open(path, timeout_s, &hops, &x, &ops, err, sizeof(err));
 *       0: ops filled; -ECHILD: the child died loading the plugin (@err
 *       says how: disable the detector, go on); other < 0: refused (bad
 *       ABI, no entry symbol, cannot dlopen: @err as plugin_load() says).
 *   state = x;                  ops.init() finds its channel in *state
 *   ops.init(&state, host, params, n, seed); ... ops.fini(state);
 *   iso_close(x);               kills the child if still there, frees
 */
#ifndef CADET_DETECT_ISOLATE_H
#define CADET_DETECT_ISOLATE_H

#include <stddef.h>

#include "cadet/detector.h"
#include "cadet/trace.h"

struct iso_det;

/* Default for --detector-timeout, seconds. */
#define ISO_DEFAULT_TIMEOUT_S 60

/*
 * What the proxies ask of their host beyond struct cadet_host, passed in
 * by the host (detect/dethost_int.h has its versions) so that isolation
 * does not depend on which host drives it.
 */
struct iso_host_ops {
	/* The record being delivered now (on_container sends it on). */
	const struct cadet_rec *(*cur_rec)(const struct cadet_host *h);
	/* Disable the detector for the rest of the run, with why. */
	void (*disable)(const struct cadet_host *h, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/* @hops must outlive the proxy; see the HowTo above for the rest. */
int iso_open(const char *path, int timeout_s, const struct iso_host_ops *hops,
	     struct iso_det **out, struct cadet_detector_ops *ops, char *err,
	     size_t errlen);
/* Kills the child if it is still there, reaps it, frees @x (may be NULL). */
void iso_close(struct iso_det *x);

#endif /* CADET_DETECT_ISOLATE_H */
