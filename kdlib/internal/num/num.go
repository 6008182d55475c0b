// Package num converts the numeric values that option tables hold: what a
// JSON spec decodes to (float64 or json.Number) and what a Go caller
// writes (any integer or float type).
package num

import "encoding/json"

// Float returns v as a float64 when v is a number of a Go numeric type or
// a json.Number, and false for anything else.
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
