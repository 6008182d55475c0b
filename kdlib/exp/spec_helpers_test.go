package exp

// Helpers for writing specs in tests.

func bpr(dim int) ModelSpec { return ModelSpec{Kind: "bpr", Dim: dim} }

func teacherOf(m ModelSpec) *TeacherSpec { return &TeacherSpec{ModelSpec: m} }

// kd builds one distillation term; opts alternate keys and values.
func kd(method string, lambda float64, opts ...any) KDTerm {
	t := KDTerm{Method: method, Lambda: lambda}
	if len(opts) > 0 {
		t.Options = Options{}
		for k := 0; k+1 < len(opts); k += 2 {
			t.Options[opts[k].(string)] = opts[k+1]
		}
	}
	return t
}

// plainRow is a variant without distillation (and without a teacher).
func plainRow(label string, m ModelSpec) Variant {
	return Variant{Label: label, Set: map[string]any{"student": m, "teacher": nil, "kd": nil}}
}

// kdRow is a variant with the given distillation terms.
func kdRow(label string, terms ...KDTerm) Variant {
	return Variant{Label: label, Set: map[string]any{"kd": terms}}
}
