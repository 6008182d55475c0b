package distill

// The cross-epoch state of the terms that have one (train.Stateful), for
// training checkpoints: CD's one-time draw, HetComp's curriculum, MTD's
// weight record, DE's and HTD's count of evaluated networks. Every other
// term's state is a function of the parameters, the epoch index and the
// epoch's generator, which the trainer derives itself.

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// encodeState encodes v (a struct of exported fields) for MarshalState.
func encodeState(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeState decodes what encodeState wrote into v, for UnmarshalState;
// what names the term in the error.
func decodeState(what string, b []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return fmt.Errorf("distill: %s: state: %w", what, err)
	}
	return nil
}
