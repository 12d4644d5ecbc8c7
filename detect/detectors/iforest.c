// SPDX-License-Identifier: MIT
/*
 * iforest: Isolation Forest (Liu, Ting and Zhou, ICDM 2008) over the
 * per-container per-tick METRICS feature vector of detectors.h (13
 * features, each log1p-scaled).
 *
 * Training ticks' vectors of every training container are collected; at
 * train_end `trees` trees are grown, each on `psi` vectors drawn without
 * replacement (all of them when fewer), to a height limit of
 * ceil(log2(psi)). An inner node splits on a feature drawn uniformly
 * among those not constant in the node, at a value drawn uniformly in
 * (min, max). Validation and test ticks score
 *
 *   s(x) = 2 ^ (-E[h(x)] / c(psi)),  c(n) = 2 H(n - 1) - 2 (n - 1) / n,
 *
 * h(x) the depth reached plus c(size) of the leaf (c(1) = 0, c(2) = 1,
 * H(i) = ln i + 0.5772156649, as scikit-learn computes it). Randomness
 * comes only from the seed given to init(): xoshiro256** seeded through
 * splitmix64, so a seed gives the same forest on any machine.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"

#define IF_EULER 0.5772156649015329
#define IF_MAX_NODES (1u << 24)

struct if_node {
	int32_t feat;           /* -1: leaf */
	uint32_t size;          /* leaf: training vectors that reached it */
	int32_t left;
	int32_t right;
	double split;           /* x[feat] < split goes left */
};

struct if_tree {
	struct if_node *nodes;
	size_t n;
	size_t cap;
};

struct if_cont {
	struct det_macc acc;
	uint64_t last_tick;
};

struct if_state {
	const struct cadet_host *host;
	uint64_t ntrees;
	uint64_t psi;
	uint64_t seed;
	enum cadet_phase phase;
	struct det_map conts;
	double (*data)[DET_NFEAT];      /* training vectors */
	size_t ndata;
	size_t capdata;
	struct if_tree *trees;
	size_t nbuilt;
	uint64_t psi_used;      /* min(psi, ndata) at training */
	bool warned;
};

/* Average path length of an unsuccessful search in a BST of n nodes. */
static double c_factor(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return 1;
	return 2 * (log(n - 1) + IF_EULER) - 2 * (n - 1) / n;
}

static void forest_free(struct if_state *s)
{
	for (size_t i = 0; s->trees && i < s->nbuilt; i++)
		free(s->trees[i].nodes);
	free(s->trees);
	s->trees = NULL;
	s->nbuilt = 0;
}

static void if_fini(void *state)
{
	struct if_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, free);
	forest_free(s);
	free(s->data);
	free(s);
}

static int if_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = { "trees", "psi", NULL };
	struct if_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->seed = seed;
	s->phase = CADET_PHASE_TEST;
	ret = det_params_check(host, "iforest", params, nparams, known);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "trees",
				    100, 1, 10000, &s->ntrees);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "psi",
				    256, 2, 1u << 20, &s->psi);
	if (ret) {
		if_fini(s);
		return ret;
	}
	*state = s;
	return 0;
}

static int node_add(struct if_tree *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct if_node *nn;

		if (cap > IF_MAX_NODES)
			return -E2BIG;
		nn = realloc(t->nodes, cap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		t->nodes = nn;
		t->cap = cap;
	}
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[0]));
	t->nodes[t->n].feat = -1;
	return (int)t->n++;
}

/* Grows the subtree over idx[0..n) and returns its root's index. */
static int grow(struct if_state *s, struct det_rng *rng, struct if_tree *t,
		size_t *idx, size_t n, unsigned int depth, unsigned int limit)
{
	double lo[DET_NFEAT], hi[DET_NFEAT], split;
	int cand[DET_NFEAT], ncand = 0, node, l, r, f;
	size_t k = 0;

	node = node_add(t);
	if (node < 0)
		return node;
	t->nodes[node].size = n;
	if (depth >= limit || n <= 1)
		return node;
	for (int j = 0; j < DET_NFEAT; j++) {
		lo[j] = hi[j] = s->data[idx[0]][j];
		for (size_t i = 1; i < n; i++) {
			double v = s->data[idx[i]][j];

			if (v < lo[j])
				lo[j] = v;
			if (v > hi[j])
				hi[j] = v;
		}
		if (hi[j] > lo[j])
			cand[ncand++] = j;
	}
	if (!ncand)
		return node;
	f = cand[det_rng_below(rng, ncand)];
	/* u in (0, 1): both sides get at least one vector. */
	split = lo[f] + ((double)(det_rng_next(rng) >> 11) + 0.5) * 0x1.0p-53 *
				(hi[f] - lo[f]);
	if (split <= lo[f] || split > hi[f])
		split = (lo[f] + hi[f]) / 2;
	for (size_t i = 0; i < n; i++) {
		if (s->data[idx[i]][f] < split) {
			size_t tmp = idx[i];

			idx[i] = idx[k];
			idx[k++] = tmp;
		}
	}
	l = grow(s, rng, t, idx, k, depth + 1, limit);
	if (l < 0)
		return l;
	r = grow(s, rng, t, idx + k, n - k, depth + 1, limit);
	if (r < 0)
		return r;
	t->nodes[node].feat = f;
	t->nodes[node].split = split;
	t->nodes[node].left = l;
	t->nodes[node].right = r;
	return node;
}

static int if_train_end(void *state)
{
	struct if_state *s = state;
	struct det_rng rng;
	unsigned int limit;
	size_t *idx = NULL;
	int ret = 0;

	forest_free(s);
	if (!s->ndata) {
		det_log(s->host, "iforest: no training METRICS: nothing to "
				 "learn from, no scores");
		return 0;
	}
	s->psi_used = s->psi < s->ndata ? s->psi : s->ndata;
	limit = (unsigned int)ceil(log2(s->psi_used > 2 ? s->psi_used : 2));
	s->trees = calloc(s->ntrees, sizeof(*s->trees));
	idx = malloc(s->ndata * sizeof(*idx));
	if (!s->trees || !idx) {
		ret = -ENOMEM;
		goto cleanup;
	}
	det_rng_seed(&rng, s->seed);
	for (size_t t = 0; t < s->ntrees; t++) {
		/* Partial Fisher-Yates: the first psi_used are the sample. */
		for (size_t i = 0; i < s->ndata; i++)
			idx[i] = i;
		for (size_t i = 0; i < s->psi_used; i++) {
			size_t j = i + det_rng_below(&rng, s->ndata - i);
			size_t tmp = idx[i];

			idx[i] = idx[j];
			idx[j] = tmp;
		}
		ret = grow(s, &rng, &s->trees[t], idx, s->psi_used, 0, limit);
		s->nbuilt = t + 1;
		if (ret < 0)
			goto cleanup;
		ret = 0;
	}
	det_log(s->host, "iforest: %zu trees on %llu of %zu training vectors",
		s->nbuilt, (unsigned long long)s->psi_used, s->ndata);
cleanup:
	free(idx);
	if (ret)
		forest_free(s);
	return ret;
}

static double path_len(const struct if_tree *t, const double *x)
{
	const struct if_node *n = &t->nodes[0];
	double depth = 0;

	while (n->feat >= 0) {
		n = &t->nodes[x[n->feat] < n->split ? n->left : n->right];
		depth++;
	}
	return depth + c_factor(n->size);
}

static double if_score(const struct if_state *s, const double *x)
{
	double sum = 0;

	for (size_t t = 0; t < s->nbuilt; t++)
		sum += path_len(&s->trees[t], x);
	return pow(2, -(sum / s->nbuilt) / c_factor(s->psi_used));
}

static int if_event(void *state, const struct cadet_rec *rec)
{
	struct if_state *s = state;
	struct if_cont *c;

	if (rec->type != CADET_REC_METRICS ||
	    rec->size < sizeof(struct cadet_rec_metrics))
		return 0;
	c = det_map_get(&s->conts, rec->cgroup_id);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || det_map_put(&s->conts, rec->cgroup_id, c)) {
			free(c);
			return -ENOMEM;
		}
	}
	det_macc_add(&c->acc, (const void *)rec);
	return 0;
}

static int if_tick(void *state, uint64_t ts)
{
	struct if_state *s = state;

	for (size_t i = 0; i < s->conts.n; i++) {
		struct if_cont *c = s->conts.v[i].val;
		double x[DET_NFEAT];
		uint64_t start;

		if (!c->acc.n)
			continue;
		det_macc_features(&c->acc, x);
		start = c->last_tick && c->last_tick < ts ? c->last_tick :
							    c->acc.first_ts;
		memset(&c->acc, 0, sizeof(c->acc));
		c->last_tick = ts;
		if (s->phase == CADET_PHASE_TRAIN) {
			if (s->ndata == s->capdata) {
				size_t cap = s->capdata ? s->capdata * 2 : 1024;
				void *nd = realloc(s->data,
						   cap * sizeof(*s->data));

				if (!nd)
					return -ENOMEM;
				s->data = nd;
				s->capdata = cap;
			}
			memcpy(s->data[s->ndata++], x, sizeof(x));
			continue;
		}
		if (!s->nbuilt) {
			if (!s->warned)
				det_log(s->host, "iforest: not trained (no "
						 "training traces or model): "
						 "no scores");
			s->warned = true;
			continue;
		}
		if (s->host->score)
			s->host->score(s->host, s->conts.v[i].key, start, ts,
				       if_score(s, x));
	}
	return 0;
}

static int if_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct if_state *s = state;

	det_map_clear(&s->conts, free);
	s->phase = t->phase;
	return 0;
}

/*
 * Model file (text, exact doubles):
 *   cadet-iforest 1
 *   features 13 cpu_ns rss_bytes ...
 *   trees T psi P
 *   tree NODES        then NODES lines "FEAT SPLIT LEFT RIGHT SIZE"
 */
static int if_save(void *state, const char *path)
{
	struct if_state *s = state;
	FILE *f;

	if (!s->nbuilt) {
		det_log(s->host, "iforest: no model to save (not trained)");
		return -ENODATA;
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "cadet-iforest 1\nfeatures %d", DET_NFEAT);
	for (int j = 0; j < DET_NFEAT; j++)
		fprintf(f, " %s", det_feature_names[j]);
	fprintf(f, "\ntrees %zu psi %llu\n", s->nbuilt,
		(unsigned long long)s->psi_used);
	for (size_t t = 0; t < s->nbuilt; t++) {
		const struct if_tree *tr = &s->trees[t];

		fprintf(f, "tree %zu\n", tr->n);
		for (size_t i = 0; i < tr->n; i++)
			fprintf(f, "%d %a %d %d %u\n", tr->nodes[i].feat,
				tr->nodes[i].split, tr->nodes[i].left,
				tr->nodes[i].right, tr->nodes[i].size);
	}
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int if_load(void *state, const char *path)
{
	struct if_state *s = state;
	struct if_tree *trees = NULL;
	unsigned long long psi;
	size_t ntrees = 0, t = 0;
	char name[64];
	int ver, nfeat, ret = -EINVAL;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "cadet-iforest %d features %d", &ver, &nfeat) != 2 ||
	    ver != 1 || nfeat != DET_NFEAT)
		goto bad;
	for (int j = 0; j < DET_NFEAT; j++)
		if (fscanf(f, "%63s", name) != 1 ||
		    strcmp(name, det_feature_names[j]))
			goto bad;
	if (fscanf(f, " trees %zu psi %llu", &ntrees, &psi) != 2 ||
	    !ntrees || ntrees > 10000 || psi < 1 || psi > (1u << 20))
		goto bad;
	trees = calloc(ntrees, sizeof(*trees));
	if (!trees) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (t = 0; t < ntrees; t++) {
		struct if_tree *tr = &trees[t];
		size_t n;

		if (fscanf(f, " tree %zu", &n) != 1 || !n || n > IF_MAX_NODES)
			goto bad;
		tr->nodes = calloc(n, sizeof(*tr->nodes));
		if (!tr->nodes) {
			ret = -ENOMEM;
			goto cleanup;
		}
		tr->n = tr->cap = n;
		for (size_t i = 0; i < n; i++) {
			struct if_node *nd = &tr->nodes[i];

			if (fscanf(f, "%d %la %d %d %u", &nd->feat, &nd->split,
				   &nd->left, &nd->right, &nd->size) != 5)
				goto bad;
			/* Children after their parent: no loops. */
			if (nd->feat >= DET_NFEAT || nd->feat < -1 ||
			    (nd->feat >= 0 &&
			     (nd->left <= (int)i || nd->right <= (int)i ||
			      nd->left >= (int)n || nd->right >= (int)n)))
				goto bad;
		}
	}
	forest_free(s);
	s->trees = trees;
	s->nbuilt = ntrees;
	s->psi_used = psi;
	fclose(f);
	return 0;
bad:
	det_log(s->host, "iforest: %s is not a valid iforest model file "
			 "(written by save_model of this version)",
		path);
cleanup:
	for (size_t i = 0; trees && i < ntrees; i++)
		free(trees[i].nodes);
	free(trees);
	fclose(f);
	return ret;
}

const struct cadet_detector_ops detector_iforest_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "iforest",
	.description = "Isolation Forest over per-container METRICS feature "
		       "vectors (seeded)",
	.params_help = "trees=100: number of trees; psi=256: subsample size "
		       "per tree",
	.init = if_init,
	.on_trace_begin = if_trace_begin,
	.on_event = if_event,
	.on_tick = if_tick,
	.train_end = if_train_end,
	.fini = if_fini,
	.save_model = if_save,
	.load_model = if_load,
};
