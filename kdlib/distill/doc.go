// Package distill holds kdrec's knowledge-distillation terms, one file per
// method, each a train.Term that adds its weighted loss and gradients to a
// student trained jointly with its base loss:
//
//	rrd, err := distill.RRD(lists, student, distill.RRDOptions{}) // zero fields: the reference values
//	if err != nil { … }
//	res, err := train.Fit(ctx, student, split.Train, []train.Term{student.Loss(), rrd}, cfg)
//
// Every method's file also registers the method (Register): its name, kind,
// reference weight, options table and builder. Build makes the terms of a
// list of methods configured by name, as specs and the REPL write them
// (see ExampleBuild); adding a method is writing one file that registers
// itself, its figure style included (Method.Figure; examples/scorematch).
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
// Students are any model.PairScorer (CD's student guide and DCD also need
// model.Scorer, DE-RRD model.Representer). Terms resample in BeginEpoch
// from the epoch's private generator, in fixed chunks of rows, so results
// depend on the seed and not on the number of goroutines. Options are
// validated when a term is built; zero fields take the reference defaults
// of methods.md. Where no author code exists, CD and DCD follow the
// third-party KDs code and PHR the hyperkdma re-implementation; their
// Variant "kdrec-v1" keeps kdrec's earlier versions (VariantKdrecV1).
package distill
