package model

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Shared helpers of the kinds' Shapes functions: each mirrors the sizes its
// constructor gives the tensors (TestEveryKindHasShapes checks that they
// agree), so Decode can compare a checkpoint's configuration with its
// tensors before building the model.

// embShapes are a user and an item table of d columns.
func embShapes(user, item string, users, items, d int) []TensorShape {
	return []TensorShape{{user, users, d}, {item, items, d}}
}

// ncfShapes are the tensors of newNCF: the GMF tables (NeuMF), the MLP
// tables, the tower whose widths halve from 2d, and the output layer.
func ncfShapes(raw json.RawMessage, gmf bool) ([]TensorShape, error) {
	var c NCFConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.Dim <= 0 || c.Dim > MaxTensorSide/2 {
		return nil, fmt.Errorf("dim %d out of range", c.Dim)
	}
	if c.Layers == 0 {
		c.Layers = 1
	}
	// Widths halve from 2d, so more than 32 layers never fit an int32 dim.
	if c.Layers < 0 || c.Layers > 32 {
		return nil, fmt.Errorf("%d hidden layers do not fit dim %d", c.Layers, c.Dim)
	}
	sizes := []int{2 * c.Dim}
	for k := 0; k < c.Layers; k++ {
		sizes = append(sizes, sizes[k]/2)
	}
	if sizes[len(sizes)-1] < 1 {
		return nil, fmt.Errorf("%d hidden layers do not fit dim %d", c.Layers, c.Dim)
	}
	var out []TensorShape
	g := 0
	if gmf {
		g = c.Dim
		out = embShapes("user_emb_mf", "item_emb_mf", c.Users, c.Items, c.Dim)
	}
	out = append(out, embShapes("user_emb_mlp", "item_emb_mlp", c.Users, c.Items, c.Dim)...)
	for k := 0; k < c.Layers; k++ {
		name := "tower." + strconv.Itoa(k)
		out = append(out, TensorShape{name + ".weight", sizes[k+1], sizes[k]}, TensorShape{name + ".bias", 1, sizes[k+1]})
	}
	return append(out, TensorShape{"out.weight", 1, g + sizes[c.Layers]}, TensorShape{"out.bias", 1, 1}), nil
}

// aeShapes are the tensors of newAutoencoder: the per-row embedding, the
// encoder and the decoder (rows are users for CDAE, items for ItemAE).
func aeShapes(raw json.RawMessage, itemSide bool) ([]TensorShape, error) {
	var c withGraph[CDAEConfig]
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	m := c.Model
	if m.Hidden == 0 {
		m.Hidden = 60
	}
	rows, units, rowName := m.Users, m.Items, "user_emb"
	if itemSide {
		rows, units, rowName = m.Items, m.Users, "item_emb"
	}
	H := m.Hidden
	return []TensorShape{{rowName, rows, H}, {"enc_weight", units, H}, {"enc_bias", 1, H}, {"dec_weight", units, H}, {"dec_bias", units, 1}}, nil
}
