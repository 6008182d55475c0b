// Package eval implements the evaluation protocols of kdrec (methods.md
// §2.4), paired significance tests between two evaluations, efficiency
// measurements, the topology-preservation measures of Topology
// Distillation, and the top-K selection of full ranking.
//
// # Protocols
//
// Both protocols evaluate one part of a data.Split, Valid or Test, for every
// user with at least one held-out item in that part (others are skipped),
// and keep every metric per user in a Result. Means are plain averages over
// the evaluated users. Scoring runs on runtime.GOMAXPROCS goroutines with
// per-worker buffers; each user's values depend only on the model and the
// split, never on scheduling or the number of workers.
//
// Sampled leave-one-out (LOO, §2.4a, DE-RRD / IR-RRD / PHR code). User u has
// one held-out target t in the evaluated part, at most one held-out item o
// in the other part, and sampled unobserved candidates C_u (499 per user,
// shared by both parts). The target is ranked among itself and C_u; o is
// removed from the ranking. With s(u,i) the model's score, the 1-based rank
// of the target is
//
//	p = 1 + |{c ∈ C_u : s(u,c) > s(u,t)}|
//
// (ties go to the target by default; see Ties; NaN scores rank last, a NaN
// target below every candidate), and at each cut-off N (default 5, 10, 20):
//
//	HR@N   = 1[p ≤ N]
//	NDCG@N = 1[p ≤ N] / log₂(p + 1)
//	MRR@N  = 1[p ≤ N] / p
//
// Full ranking (FullRanking, §2.4b, TD / HetComp code). User u has the
// held-out set G_u in the evaluated part. Every item is scored; the user's
// training items and held-out items of the other part are excluded (the
// valid items when evaluating test, the test items when evaluating valid).
// The remaining items are ordered by descending score, equal scores by
// ascending item index, giving the list π_u(1), π_u(2), …; items scored NaN
// are left out (never hits). With
// hit_r = 1[π_u(r) ∈ G_u], at each cut-off K (default 10, 20, 50):
//
//	Recall@K = Σ_{r=1..K} hit_r / |G_u|
//	DCG@K    = Σ_{r=1..K} hit_r / log₂(r + 1)
//	IDCG@K   = Σ_{r=1..min(|G_u|,K)} 1 / log₂(r + 1)
//	NDCG@K   = DCG@K / IDCG@K
//
// Only the top max(K) items are selected (TopK, a bounded heap), never a
// full sort of the catalogue. With a single held-out item per part, as in
// the TD split, Recall@K equals HR@K over the full catalogue.
//
// # Results
//
// A Result lists the metric names in table order (cut-off major: HR@5,
// NDCG@5, MRR@5, HR@10, …; or Recall@10, NDCG@10, Recall@20, …), the
// evaluated users ascending, and the per-user values. Mean and Means give
// the averages; SortMetrics orders names taken from a map; Filter restricts
// a result to a user group; Merge joins the results of user shards.
//
// # Significance
//
// Compare runs two paired two-sided tests on the per-user values of one
// metric in two Results over the same users; PairedT and WilcoxonSignedRank
// work on plain vectors. With d_k = a_k − b_k over n users:
//
//	paired t:   t = d̄ / (s_d / √n),  df = n − 1,  p = 2·F_t(−|t|; df)
//
// where s_d is the sample standard deviation (divisor n − 1). The Wilcoxon
// signed-rank test drops zero differences (N remain), ranks |d_k| with
// average ranks for ties, and uses V = W⁺ = Σ_{d_k > 0} rank_k; it is exact
// for N < 50 without ties or zeros, and otherwise
//
//	μ = N(N+1)/4,  σ² = N(N+1)(2N+1)/24 − Σ_j (t_j³ − t_j)/48
//	z = (V − μ − ½·sign(V − μ)) / σ,  p = 2·Φ(−|z|)
//
// with t_j the sizes of the tie groups, matching R's wilcox.test defaults.
// Per-user HR values take only the values 0 and 1, so their differences are
// heavily tied: the normal approximation with tie correction is the
// relevant one at the scale of real data sets.
//
// # Efficiency
//
// Inference measures the mean time of one user's inference: one ScoreAll
// call and, when asked, the selection of the top K items not in the
// training data (Latency is the scoring alone); models that implement
// ParamCounter report their parameter counts (NumParams).
//
// # Topology preservation
//
// NewTopology draws a sample of users and items (Users among all users,
// Items among the items with training interactions) and keeps a teacher's
// cosine similarities between every pair of the n sampled entities and
// each entity's K nearest neighbours. Measure compares another model's
// space with it: with cos_s and cos_t the cosine similarities in the
// measured and the teacher's space,
//
//	Discrepancy = Σ_{a<b} (cos_s(a,b) − cos_t(a,b))² / (n(n−1)/2)
//	KNN         = (1/n) Σ_a |NN_s(a) ∩ NN_t(a)| / K
//
// where NN(a) are the K entities of the sample most similar to a (equal
// similarities by lower index). The teacher itself scores 0 and 1.
//
// # Top-K selection
//
// TopK and TopKFunc return the indices of the k best scores, best first,
// with excluded indices skipped, equal scores ordered by lower index and NaN
// ranked like −Inf (below every finite score). They are what FullRanking
// uses. The selection itself lives in the internal package topk, below both
// eval and distill, and the teacher ranking lists of the distillation
// methods call it there, so distill does not import eval.
package eval
