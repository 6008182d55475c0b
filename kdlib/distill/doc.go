// Package distill holds kdrec's knowledge-distillation terms, one file per
// method, each a train.Term that adds its weighted loss and gradients to a
// student trained jointly with its base loss:
//
//	st := model.NewBPR(...)                       // the student
//	terms := []train.Term{st.Loss(), distill.RRD(lists, st, distill.RRDOptions{})}
//	train.Fit(ctx, st, split.Train, terms, cfg)
//
// Latent knowledge (representations): Hint (FitNet), DE, PHR, FTD, HTD.
//
// Ranking knowledge (the teacher's recommendation lists; docs/ranking-kd.md):
//
//   - BuildLists precomputes the teacher's top-N unobserved items per user
//     and top-N users per item, in one bounded-memory pass over the score
//     matrix, cached on disk by teacher and training data.
//   - Listwise is the one relaxed Plackett–Luce primitive (an ordered list
//     above an unordered set, log-sum-exp with suffix sums) shared by RRD,
//     IR-RRD, DCD and HetComp.
//   - RankSampler draws positions ∝ exp(−r/T) without replacement
//     (Gumbel-top-k), keeping the teacher's order.
//   - RD (Tang & Wang, KDD 2018), CD (Lee et al., ICDM 2019), RRD (Kang et
//     al., CIKM 2020) and its deterministic top-K variant, IRRRD (Kang et
//     al., Information Sciences 2021), DERRD (DE + RRD) and DCD (Lee & Kim,
//     CIKM 2021).
//
// Students are any model.PairScorer (DCD also needs model.Scorer, DE-RRD
// model.Representer). Terms resample in BeginEpoch from the epoch's private
// generator, in fixed chunks of rows, so results depend on the seed and not
// on the number of goroutines. Options are validated when a term is built;
// zero fields take the reference defaults of methods.md.
package distill
