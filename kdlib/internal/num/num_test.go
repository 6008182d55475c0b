package num

import (
	"encoding/json"
	"testing"
)

func TestFloat(t *testing.T) {
	for _, c := range []struct {
		v    any
		want float64
		ok   bool
	}{
		{3, 3, true}, {int32(-2), -2, true}, {uint(7), 7, true}, {float32(0.5), 0.5, true},
		{json.Number("1e-3"), 1e-3, true}, {json.Number("x"), 0, false}, {"3", 0, false}, {true, 0, false}, {nil, 0, false},
	} {
		got, ok := Float(c.v)
		if ok != c.ok || got != c.want {
			t.Errorf("Float(%#v) = %v, %v; want %v, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}
