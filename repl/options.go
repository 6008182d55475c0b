package repl

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type of an option's value.
type Kind int

const (
	// KindInt is a (signed) integer, checked against [Min, Max].
	KindInt Kind = iota
	// KindUint is a non-negative 64-bit integer such as a seed.
	KindUint
	// KindFloat is a number, checked against [Min, Max] ((Min, Max] with
	// ExclusiveMin).
	KindFloat
	// KindBool is true/false (also 1/0, yes/no, on/off).
	KindBool
	// KindString is free text (a path, a name).
	KindString
	// KindEnum is one of Choices.
	KindEnum
	// KindList is a comma-separated list of distinct Choices (kd=de,rrd).
	KindList
)

// Option describes one key=value option of a command, a model kind, a
// distillation method or a split method: its type, default and valid range.
// The parser, the help text and the completer read it.
type Option struct {
	// Name is the key, e.g. "dim". It holds no '=', '.', ';' or blank.
	Name string
	// Kind is the type of the value.
	Kind Kind
	// Default is the value used when the option is not given, written as
	// on the command line; "" means no default (the option is unset, or
	// required if Required).
	Default string
	// Required makes the option mandatory.
	Required bool
	// Min and Max bound KindInt and KindFloat values (inclusive); both zero
	// means unbounded. Use math.Inf for a one-sided bound.
	Min, Max float64
	// ExclusiveMin excludes Min itself (KindFloat): "a number in (0, 1]".
	ExclusiveMin bool
	// Choices lists the valid values of KindEnum and KindList options (and
	// completions of KindString ones).
	Choices []string
	// Elsewhere explains values of a KindEnum or KindList option that are
	// not choices here but are offered elsewhere (kd=hetcomp: by the
	// reproduce command); the error of such a value gives the explanation.
	Elsewhere map[string]string
	// Complete, if set, returns completions of a KindString value (data set
	// names, workspace objects, files); it does not restrict the value.
	Complete func(sh *Shell, prefix string) []string
	// Doc is a one-line description.
	Doc string
}

// IntOpt returns an integer option with default def and valid range [lo, hi].
func IntOpt(name string, def, lo, hi int, doc string) Option {
	return Option{Name: name, Kind: KindInt, Default: strconv.Itoa(def), Min: float64(lo), Max: float64(hi), Doc: doc}
}

// UintOpt returns a non-negative 64-bit integer option (seeds).
func UintOpt(name string, def uint64, doc string) Option {
	return Option{Name: name, Kind: KindUint, Default: strconv.FormatUint(def, 10), Doc: doc}
}

// FloatOpt returns a number option with default def and valid range
// [lo, hi] (math.Inf(1) for no upper bound).
func FloatOpt(name string, def, lo, hi float64, doc string) Option {
	return Option{Name: name, Kind: KindFloat, Default: formatFloat(def), Min: lo, Max: hi, Doc: doc}
}

// PositiveOpt returns a number option valid in (0, hi].
func PositiveOpt(name string, def, hi float64, doc string) Option {
	o := FloatOpt(name, def, 0, hi, doc)
	o.ExclusiveMin = true
	return o
}

// BoolOpt returns a boolean option.
func BoolOpt(name string, def bool, doc string) Option {
	return Option{Name: name, Kind: KindBool, Default: strconv.FormatBool(def), Doc: doc}
}

// EnumOpt returns an option whose value is one of choices.
func EnumOpt(name, def string, choices []string, doc string) Option {
	return Option{Name: name, Kind: KindEnum, Default: def, Choices: choices, Doc: doc}
}

// StringOpt returns a free-text option; complete (may be nil) proposes
// values to the completer.
func StringOpt(name, def string, complete func(sh *Shell, prefix string) []string, doc string) Option {
	return Option{Name: name, Kind: KindString, Default: def, Complete: complete, Doc: doc}
}

// ListOpt returns a comma-separated list option over choices.
func ListOpt(name string, choices []string, doc string) Option {
	return Option{Name: name, Kind: KindList, Choices: choices, Doc: doc}
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// bounded reports whether the option has a range.
func (o *Option) bounded() bool { return o.Min != 0 || o.Max != 0 }

// Expect describes the valid values, for help and error messages:
// "an integer in [1, 4096]", "a number in (0, 1]", "one of loo, full".
func (o *Option) Expect() string {
	switch o.Kind {
	case KindInt, KindFloat:
		what := "an integer"
		if o.Kind == KindFloat {
			what = "a number"
		}
		if !o.bounded() {
			return what
		}
		lo, hi := formatFloat(o.Min), formatFloat(o.Max)
		if o.Kind == KindInt {
			lo, hi = strconv.FormatFloat(o.Min, 'f', -1, 64), strconv.FormatFloat(o.Max, 'f', -1, 64)
		}
		left := "["
		if o.ExclusiveMin {
			left = "("
		}
		switch {
		case math.IsInf(o.Max, 1) && o.ExclusiveMin:
			return what + " > " + lo
		case math.IsInf(o.Max, 1):
			return what + " >= " + lo
		case math.IsInf(o.Min, -1):
			return what + " <= " + hi
		}
		return fmt.Sprintf("%s in %s%s, %s]", what, left, lo, hi)
	case KindUint:
		return "a non-negative integer"
	case KindBool:
		return "true or false"
	case KindEnum:
		return "one of " + strings.Join(o.Choices, ", ")
	case KindList:
		if len(o.Choices) == 0 {
			return "a comma-separated list (none available yet)"
		}
		return "a comma-separated list of " + strings.Join(o.Choices, ", ")
	}
	return "text"
}

// TypeName is a short type for help tables: "int", "float", "bool", …
func (o *Option) TypeName() string {
	return [...]string{"int", "uint", "float", "bool", "text", "choice", "list"}[o.Kind]
}

// parse converts a value written on the command line.
func (o *Option) parse(s string) (any, error) {
	bad := func() error { return fmt.Errorf("%s=%s: want %s", o.Name, s, o.Expect()) }
	switch o.Kind {
	case KindInt:
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, bad()
		}
		if o.bounded() && (float64(v) < o.Min || float64(v) > o.Max) {
			return nil, fmt.Errorf("%s=%s is out of range: want %s", o.Name, s, o.Expect())
		}
		return v, nil
	case KindUint:
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	case KindFloat:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) {
			return nil, bad()
		}
		if o.bounded() && (v < o.Min || v > o.Max || (o.ExclusiveMin && v == o.Min)) {
			return nil, fmt.Errorf("%s=%s is out of range: want %s", o.Name, s, o.Expect())
		}
		return v, nil
	case KindBool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
		return nil, bad()
	case KindEnum:
		if why, ok := o.Elsewhere[s]; ok {
			return nil, fmt.Errorf("%s=%s: %s", o.Name, s, why)
		}
		if !slices.Contains(o.Choices, s) {
			return nil, fmt.Errorf("%s=%s: want %s%s", o.Name, s, o.Expect(), didYouMean(s, o.Choices))
		}
		return s, nil
	case KindList:
		if s == "" {
			return []string(nil), nil
		}
		parts := strings.Split(s, ",")
		for k, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("%s=%s: empty element; want %s", o.Name, s, o.Expect())
			}
			if why, ok := o.Elsewhere[p]; ok {
				return nil, fmt.Errorf("%s=%s: %s", o.Name, s, why)
			}
			if !slices.Contains(o.Choices, p) {
				return nil, fmt.Errorf("%s=%s: unknown %q; want %s%s", o.Name, s, p, o.Expect(), didYouMean(p, o.Choices))
			}
			if slices.Contains(parts[:k], p) {
				return nil, fmt.Errorf("%s=%s: %q is listed twice", o.Name, s, p)
			}
		}
		return parts, nil
	}
	return s, nil
}

// Values holds the parsed options of one statement (defaults filled in).
// The getters panic on a name outside the schema or of another type, a
// programming error that the shell turns into an error message.
type Values struct {
	vals  map[string]any
	given map[string]bool
	raw   map[string]string
	order []string // given options, in the order written
}

// Given reports whether the option was written on the command line (rather
// than taken from its default).
func (v Values) Given(name string) bool { return v.given[name] }

// Has reports whether the option has a value (given or default).
func (v Values) Has(name string) bool {
	_, ok := v.vals[name]
	return ok
}

// Raw returns the option as written, or its default.
func (v Values) Raw(name string) string { return v.raw[name] }

func (v Values) get(name string) any {
	x, ok := v.vals[name]
	if !ok {
		panic(fmt.Sprintf("repl: option %q has no value (not in the schema, or no default)", name))
	}
	return x
}

// Int returns an integer option.
func (v Values) Int(name string) int { return v.get(name).(int) }

// Uint returns a non-negative integer option.
func (v Values) Uint(name string) uint64 { return v.get(name).(uint64) }

// Float returns a number option.
func (v Values) Float(name string) float64 { return v.get(name).(float64) }

// Bool returns a boolean option.
func (v Values) Bool(name string) bool { return v.get(name).(bool) }

// String returns a text or choice option, "" when it has no value.
func (v Values) String(name string) string {
	x, ok := v.vals[name]
	if !ok {
		return ""
	}
	return x.(string)
}

// List returns a list option, nil when it has no value.
func (v Values) List(name string) []string {
	x, ok := v.vals[name]
	if !ok {
		return nil
	}
	return x.([]string)
}

// givenWords returns the options written on the command line as
// key=value words, in the order written.
func givenWords(v Values) []string {
	var out []string
	for _, n := range v.order {
		out = append(out, n+"="+v.raw[n])
	}
	return out
}

// parseOptions checks the option words of a statement against schema and
// fills in defaults. what names the thing being configured in messages
// ("train", "bpr").
func parseOptions(what string, schema []Option, words []Word) (Values, error) {
	v := Values{vals: map[string]any{}, given: map[string]bool{}, raw: map[string]string{}}
	for _, w := range words {
		key := w.Key()
		if key == "" {
			return v, fmt.Errorf("%s: %q has no option name before '='; write name=value", what, w.Text)
		}
		k := slices.IndexFunc(schema, func(o Option) bool { return o.Name == key })
		if k < 0 {
			return v, unknownOption(what, key, schema)
		}
		if v.given[key] {
			return v, fmt.Errorf("%s: option %s is given twice", what, key)
		}
		x, err := schema[k].parse(w.Value())
		if err != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		v.vals[key], v.given[key], v.raw[key] = x, true, w.Value()
		v.order = append(v.order, key)
	}
	for _, o := range schema {
		if v.given[o.Name] {
			continue
		}
		if o.Required {
			return v, fmt.Errorf("%s: option %s=<%s> is required", what, o.Name, o.Expect())
		}
		if o.Default == "" && o.Kind != KindString {
			continue
		}
		x, err := o.parse(o.Default)
		if err != nil {
			return v, fmt.Errorf("%s: bad default of %s (a bug in its schema): %w", what, o.Name, err)
		}
		v.vals[o.Name], v.raw[o.Name] = x, o.Default
	}
	return v, nil
}

// unknownOption is the error for an option outside the schema: the nearest
// names and the list of valid ones.
func unknownOption(what, key string, schema []Option) error {
	names := make([]string, len(schema))
	for k, o := range schema {
		names[k] = o.Name
	}
	if len(names) == 0 {
		return fmt.Errorf("%s: unknown option %s: %s takes no options", what, key, what)
	}
	// Method-scoped options (<option>.<method>) are too many to list.
	plain := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return strings.Contains(n, ".") })
	valid := strings.Join(plain, ", ")
	if len(plain) < len(names) {
		valid += ", and the <option>.<method> options of the kd methods (help " + what + " lists them)"
	}
	return fmt.Errorf("%s: unknown option %s%s; valid: %s", what, key, didYouMean(key, names), valid)
}

// checkSchema panics if a schema is malformed: duplicate or badly formed
// names, or defaults outside their own range. Registries call it when an
// entry is registered, so mistakes show at start-up.
func checkSchema(what string, schema []Option) {
	seen := map[string]bool{}
	for _, o := range schema {
		if o.Name == "" || strings.ContainsAny(o.Name, "=.; \t#'\"") {
			panic(fmt.Sprintf("repl: %s: bad option name %q", what, o.Name))
		}
		if seen[o.Name] {
			panic(fmt.Sprintf("repl: %s: option %s declared twice", what, o.Name))
		}
		seen[o.Name] = true
		if o.Default != "" {
			if _, err := o.parse(o.Default); err != nil {
				panic(fmt.Sprintf("repl: %s: default of %s: %v", what, o.Name, err))
			}
		}
	}
}
