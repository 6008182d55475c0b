package repl

// The knowledge-distillation methods of `train <student> <kind> kd=…`.
// None is registered yet: kdlib/distill is being written. Each method will
// be one registerMethod call, for example
//
//	registerMethod("de", MethodSpec{
//		Doc: "DE: distillation experts (Kang et al., KDD 2020), latent knowledge",
//		Options: []Option{
//			FloatOpt("lambda", 0.01, 0, math.Inf(1), "weight of the DE loss"),
//			IntOpt("experts", 5, 1, 64, "number of experts"),
//		},
//		New: func(env MethodEnv, o Values) (train.Term, error) {
//			return distill.DE(env.Teacher, env.Student, o.Float("lambda"), …)
//		},
//	})
//
// after which `train student bpr dim=20 kd=de lambda.de=0.01 experts.de=5`
// parses, completes and shows in `help train` and `list methods`.
func init() {}
