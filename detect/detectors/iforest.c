// SPDX-License-Identifier: MIT
/*
 * iforest: Isolation Forest (Liu, Ting and Zhou, ICDM 2008) over the
 * rate features of features.h (a window of `span` METRICS records) plus
 * the entropy of the container's syscall mix over the same records
 * (SYSCALL_HIST), each normalised per container role: (x - median) /
 * spread with the role's robust training statistics (det_robust_fit(),
 * floored at min_spread, and at log1p(1 / span) for rates and ratios).
 * One forest is grown on every role's normalised vectors: a vector is
 * isolated quickly when it is far from its own role's normal, whatever
 * the role.
 *
 * At train_end `trees` trees are grown, each on `psi` vectors drawn
 * without replacement (all of them when fewer), to a height limit of
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
 *
 * The first `warmup` METRICS records of a container (start-up) and its
 * teardown record are not samples; a window scores once it is full; a
 * role no training run had is not scored. examples/detectors/sk_iforest.py
 * builds the same vectors for scikit-learn's IsolationForest.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"
#include "detect/edge.h"

#define IF_EULER 0.5772156649015329
#define IF_MAX_NODES (1u << 24)
#define IF_ENTROPY DET_NRF /* the syscall-mix entropy */
#define IF_DIM (DET_NRF + 1)
#define IF_NR 512 /* syscall numbers kept apart */

struct if_node {
	int32_t feat; /* -1: leaf */
	uint32_t size; /* leaf: training vectors that reached it */
	int32_t left;
	int32_t right;
	double split; /* x[feat] < split goes left */
};

struct if_tree {
	struct if_node *nodes;
	size_t n;
	size_t cap;
};

struct if_cont {
	char *name; /* first: see det_cont_get() */
	uint64_t records; /* METRICS records, edges left out */
	struct det_rwin w;
	bool fresh;
	uint64_t last_tick;
	/* Syscall counts since the last METRICS record, then per record of
	 * the window (slots in step with w). */
	double pend[IF_NR];
	double hist[DET_RWIN_MAX][IF_NR];
};

struct if_role {
	struct det_rows rows; /* raw training vectors */
	double med[IF_DIM];
	double spread[IF_DIM];
	bool fitted;
};

struct if_state {
	const struct cadet_host *host;
	uint64_t ntrees;
	uint64_t psi;
	uint64_t seed;
	uint64_t span;
	uint64_t warmup;
	double min_spread;
	enum cadet_phase phase;
	uint32_t run;
	struct det_map conts;
	struct role_models *roles; /* struct if_role */
	double (*data)[IF_DIM]; /* normalised training vectors */
	size_t ndata;
	struct if_tree *trees;
	size_t nbuilt;
	uint64_t psi_used; /* min(psi, ndata) at training */
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

static void role_init(void *p)
{
	struct if_role *r = p;

	r->rows.dim = IF_DIM;
}

static void role_fini(void *p)
{
	struct if_role *r = p;

	det_rows_release(&r->rows);
}

static struct role_models *if_roles_new(void)
{
	return role_models__new(sizeof(struct if_role), role_init, role_fini);
}

static void if_fini(void *state)
{
	struct if_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, det_cont_free);
	role_models__free(s->roles);
	forest_free(s);
	free(s->data);
	free(s);
}

static int if_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = {"trees",  "psi",	    "span",
					    "warmup", "min_spread", NULL};
	struct if_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->seed = seed;
	s->phase = CADET_PHASE_TEST;
	s->roles = if_roles_new();
	ret = s->roles ? 0 : -ENOMEM;
	if (!ret)
		ret = det_params_check(host, "iforest", params, nparams, known);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "trees",
				    100, 1, 10000, &s->ntrees);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "psi",
				    256, 2, 1u << 20, &s->psi);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "span", 4,
				    1, DET_RWIN_MAX, &s->span);
	if (!ret)
		ret = det_param_u64(host, "iforest", params, nparams, "warmup",
				    3, 0, 1000000, &s->warmup);
	if (!ret)
		ret = det_param_double(host, "iforest", params, nparams,
				       "min_spread", 0.05, 1e-9, 1e6,
				       &s->min_spread);
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
	double lo[IF_DIM], hi[IF_DIM], split;
	int cand[IF_DIM], ncand = 0, node, l, r, f;
	size_t k = 0;

	node = node_add(t);
	if (node < 0)
		return node;
	t->nodes[node].size = n;
	if (depth >= limit || n <= 1)
		return node;
	for (int j = 0; j < IF_DIM; j++) {
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

static const char *if_feat_name(int f)
{
	return f == IF_ENTROPY ? "syscall_entropy" : det_rf_names[f];
}

/* The floor of feature @f's spread. */
static double if_floor(const struct if_state *s, int f)
{
	double res = log1p(1.0 / (double)s->span);

	if (f == DET_RF_RSS || f == DET_RF_TASKS || f == IF_ENTROPY ||
	    res < s->min_spread)
		return s->min_spread;
	return res;
}

static void if_normalise(const struct if_role *r, const double *x, double *out)
{
	for (int f = 0; f < IF_DIM; f++)
		out[f] = (x[f] - r->med[f]) / r->spread[f];
}

/* Per role: median and spread; every role's vectors, normalised. */
static int if_roles_fit(struct if_state *s)
{
	double floor[IF_DIM];
	size_t total = 0, k = 0;
	int ret;

	for (int f = 0; f < IF_DIM; f++)
		floor[f] = if_floor(s, f);
	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		const struct if_role *r = role_models__model(s->roles, i);

		total += r->rows.n;
	}
	free(s->data);
	s->ndata = 0;
	s->data = malloc((total ? total : 1) * sizeof(*s->data));
	if (!s->data)
		return -ENOMEM;
	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		struct if_role *r = role_models__model(s->roles, i);

		if (!r->rows.n)
			continue;
		ret = det_robust_fit(r->rows.x, r->rows.run, r->rows.n, IF_DIM,
				     floor, r->med, r->spread);
		if (ret)
			return ret;
		r->fitted = true;
		for (size_t j = 0; j < r->rows.n; j++)
			if_normalise(r, &r->rows.x[j * IF_DIM], s->data[k++]);
		det_rows_release(&r->rows);
	}
	s->ndata = k;
	return 0;
}

static int if_train_end(void *state)
{
	struct if_state *s = state;
	struct det_rng rng;
	unsigned int limit;
	size_t *idx = NULL;
	int ret;

	forest_free(s);
	ret = if_roles_fit(s);
	if (ret)
		return ret;
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

static struct if_cont *cont_get(struct if_state *s, uint64_t cg,
				const char *name)
{
	struct if_cont *c;
	bool created;

	c = det_cont_get(&s->conts, cg, name, sizeof(*c), det_cont_free,
			 &created);
	if (c && created)
		det_rwin_init(&c->w, s->span);
	return c;
}

static int if_container(void *state, const struct cadet_container_desc *d,
			int added)
{
	struct if_state *s = state;
	struct if_cont *c;

	if (!added)
		return 0;
	c = cont_get(s, d->cgroup_id, d->name);
	return c ? det_cont_rename(c, d->name) : -ENOMEM;
}

/* Adds a SYSCALL_HIST record's counts to the container's pending ones. */
static void if_hist(struct if_cont *c, const struct cadet_rec *rec)
{
	const struct cadet_rec_syscall_hist *h = (const void *)rec;
	const char *p = (const char *)rec + h->hist.off;

	if (h->hist.off + (uint64_t)h->hist.len > rec->size)
		return;
	for (size_t i = 0; i + 1 < h->hist.len / sizeof(uint32_t); i += 2) {
		uint32_t nr, cnt;

		memcpy(&nr, p + i * sizeof(nr), sizeof(nr));
		memcpy(&cnt, p + (i + 1) * sizeof(cnt), sizeof(cnt));
		c->pend[nr < IF_NR ? nr : IF_NR - 1] += cnt;
	}
}

static int if_event(void *state, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *m = (const void *)rec;
	struct if_state *s = state;
	struct if_cont *c;
	size_t slot;

	if (rec->type == CADET_REC_SYSCALL_HIST &&
	    rec->size >= sizeof(struct cadet_rec_syscall_hist)) {
		c = cont_get(s, rec->cgroup_id, NULL);
		if (!c)
			return -ENOMEM;
		if_hist(c, rec);
		return 0;
	}
	if (rec->type != CADET_REC_METRICS || rec->size < sizeof(*m) ||
	    det_edge_metrics_marked(m))
		return 0;
	c = cont_get(s, rec->cgroup_id, NULL);
	if (!c)
		return -ENOMEM;
	if (++c->records <= s->warmup) {
		memset(c->pend, 0, sizeof(c->pend));
		return 0;
	}
	/* The slot det_rwin_push() fills: the syscalls go beside it. */
	slot = c->w.next;
	det_rwin_push(&c->w, m);
	memcpy(c->hist[slot], c->pend, sizeof(c->pend));
	memset(c->pend, 0, sizeof(c->pend));
	c->fresh = true;
	return 0;
}

/* Shannon entropy (nats) of the window's syscall counts. */
static double if_entropy(const struct if_cont *c)
{
	double q[IF_NR] = {0}, t = 0, h = 0;

	for (size_t w = 0; w < c->w.n; w++)
		for (int i = 0; i < IF_NR; i++)
			q[i] += c->hist[w][i];
	for (int i = 0; i < IF_NR; i++)
		t += q[i];
	for (int i = 0; i < IF_NR && t > 0; i++)
		if (q[i] > 0)
			h -= q[i] / t * log(q[i] / t);
	return h;
}

static int if_tick(void *state, uint64_t ts)
{
	struct if_state *s = state;

	for (size_t i = 0; i < s->conts.n; i++) {
		struct if_cont *c = s->conts.v[i].val;
		double x[IF_DIM], z[IF_DIM];
		const struct if_role *r;
		uint64_t start;

		if (!c->fresh)
			continue;
		c->fresh = false;
		start = c->last_tick && c->last_tick < ts
				? c->last_tick
				: det_rwin_start(&c->w);
		c->last_tick = ts;
		if (c->w.n < c->w.span)
			continue;
		det_rwin_features(&c->w, x);
		x[IF_ENTROPY] = if_entropy(c);
		if (s->phase == CADET_PHASE_TRAIN) {
			struct if_role *tr =
				role_models__get(s->roles, c->name, true);

			if (!tr || det_rows_add(&tr->rows, x, s->run))
				return -ENOMEM;
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
		r = role_models__get(s->roles, c->name, false);
		if (!r || !r->fitted)
			continue;
		if_normalise(r, x, z);
		if (s->host->score)
			s->host->score(s->host, s->conts.v[i].key, start, ts,
				       if_score(s, z));
	}
	return 0;
}

static int if_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct if_state *s = state;

	if (s->phase == CADET_PHASE_TRAIN)
		s->run++;
	return 0;
}

static int if_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct if_state *s = state;

	det_map_clear(&s->conts, det_cont_free);
	s->phase = t->phase;
	return 0;
}

/*
 * Model file (text, exact doubles):
 *   cadet-iforest 2
 *   features 24 cpu_ms_s tx_bytes_s ... syscall_entropy
 *   span S
 *   roles R           then R times: "role NAME", "med" and "spread"
 *                     lines of 24 values
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
	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		const char *n = role_models__name(s->roles, i);

		if (!*n || strpbrk(n, " \t\n\r")) {
			det_log(s->host,
				"iforest: role name '%s' cannot be "
				"saved (empty or with blanks)",
				n);
			return -EINVAL;
		}
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "cadet-iforest 2\nfeatures %d", IF_DIM);
	for (int j = 0; j < IF_DIM; j++)
		fprintf(f, " %s", if_feat_name(j));
	fprintf(f, "\nspan %llu\nroles %zu\n", (unsigned long long)s->span,
		role_models__cnt(s->roles));
	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		const struct if_role *r = role_models__model(s->roles, i);

		/* A name is one word in the file ("" never is a role). */
		fprintf(f, "role %s\nmed", role_models__name(s->roles, i));
		for (int j = 0; j < IF_DIM; j++)
			fprintf(f, " %a", r->med[j]);
		fprintf(f, "\nspread");
		for (int j = 0; j < IF_DIM; j++)
			fprintf(f, " %a", r->spread[j]);
		fprintf(f, "\n");
	}
	fprintf(f, "trees %zu psi %llu\n", s->nbuilt,
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
	struct role_models *roles = NULL;
	unsigned long long psi, span;
	size_t ntrees = 0, t = 0, nroles;
	char name[256];
	int ver, nfeat, ret = -EINVAL;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "cadet-iforest %d features %d", &ver, &nfeat) != 2 ||
	    ver != 2 || nfeat != IF_DIM)
		goto bad;
	for (int j = 0; j < IF_DIM; j++)
		if (fscanf(f, "%255s", name) != 1 ||
		    strcmp(name, if_feat_name(j)))
			goto bad;
	if (fscanf(f, " span %llu roles %zu", &span, &nroles) != 2 ||
	    span != s->span || nroles > 100000)
		goto bad;
	roles = if_roles_new();
	if (!roles) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nroles; i++) {
		struct if_role *r;

		if (fscanf(f, " role %255s med", name) != 1)
			goto bad;
		r = role_models__get(roles, name, true);
		if (!r) {
			ret = -ENOMEM;
			goto cleanup;
		}
		r->fitted = true;
		for (int j = 0; j < IF_DIM; j++)
			if (fscanf(f, "%la", &r->med[j]) != 1)
				goto bad;
		if (fscanf(f, " spread") != 0)
			goto bad;
		for (int j = 0; j < IF_DIM; j++)
			if (fscanf(f, "%la", &r->spread[j]) != 1 ||
			    !(r->spread[j] > 0))
				goto bad;
	}
	if (fscanf(f, " trees %zu psi %llu", &ntrees, &psi) != 2 || !ntrees ||
	    ntrees > 10000 || psi < 1 || psi > (1u << 20))
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
			if (nd->feat >= IF_DIM || nd->feat < -1 ||
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
	role_models__free(s->roles);
	s->roles = roles;
	fclose(f);
	return 0;
bad:
	det_log(s->host,
		"iforest: %s is not a valid iforest model file "
		"(written by save_model of this version)",
		path);
cleanup:
	for (size_t i = 0; trees && i < ntrees; i++)
		free(trees[i].nodes);
	free(trees);
	role_models__free(roles);
	fclose(f);
	return ret;
}

const struct cadet_detector_ops detector_iforest_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "iforest",
	.description = "Isolation Forest over METRICS rates, ratios and the "
		       "syscall-mix entropy, normalised per container role "
		       "(seeded)",
	.params_help = "trees=100: number of trees; psi=256: subsample size "
		       "per tree; span=4: METRICS records per window; "
		       "warmup=3: start-up records left out; min_spread=0.05: "
		       "least normalising spread",
	.init = if_init,
	.on_trace_begin = if_trace_begin,
	.on_container = if_container,
	.on_event = if_event,
	.on_tick = if_tick,
	.on_trace_end = if_trace_end,
	.train_end = if_train_end,
	.fini = if_fini,
	.save_model = if_save,
	.load_model = if_load,
};
