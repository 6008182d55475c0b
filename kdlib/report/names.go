package report

import "strings"

// HumanName returns the legend name of a series name written the way code
// and run labels write it, from the one mapping of MethodStyles (the
// names the registrations declare):
//
//	"teacher bpr d=200"   → "BPR teacher (d=200)"
//	"student d=20"        → "student (d=20)"
//	"cl-drd"              → "CL-DRD"
//	"bpr"                 → "BPR-MF"
//	"de M=5 seed=1"       → "DE (M=5, seed=1)"
//
// A word is rewritten only when it is a registry key exactly as the
// registries spell it (lower case); other spellings of a known entry
// ("MF", "Teacher", "IR-RRD") are kept as written, so HumanName is
// idempotent and leaves names that are already human alone. The words are
// put in the order method, model kind, role, with the k=v parameters in
// parentheses at the end. A name with any other word ("DE (grid)", "d=10",
// "Recall@50"), or with two methods, two kinds or two roles, is returned
// unchanged.
func HumanName(name string) string {
	index := currentTable().index
	if m, ok := index[norm(name)]; ok {
		if strings.TrimSpace(name) == m.Key {
			return m.Name
		}
		return name
	}
	// slots: 0 method, 1 model kind, 2 role.
	var entry [3]*MethodStyle
	var word [3]string
	var params []string
	for _, w := range words(name) {
		if strings.Contains(w, "=") {
			params = append(params, w)
			continue
		}
		m, ok := index[norm(w)]
		if !ok {
			return name
		}
		slot := 0
		switch m.Source {
		case SourceModel:
			slot = 1
		case SourceRole:
			slot = 2
		}
		if entry[slot] != nil {
			return name
		}
		entry[slot], word[slot] = m, w
	}
	if entry == [3]*MethodStyle{} {
		return name
	}
	var parts []string
	for slot, m := range entry {
		switch {
		case m == nil:
		case word[slot] != m.Key:
			parts = append(parts, word[slot]) // already human: as written
		case slot == 1 && entry[2] != nil:
			parts = append(parts, m.short()) // "BPR teacher"
		default:
			parts = append(parts, m.Name)
		}
	}
	out := strings.Join(parts, " ")
	if len(params) > 0 {
		out += " (" + strings.Join(params, ", ") + ")"
	}
	return out
}
