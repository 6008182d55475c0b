// Package interop moves models' representations in and out of kdrec as
// NumPy .npy files and safetensors files, the formats a Python stack
// (numpy, PyTorch, RecBole) reads and writes without running code.
//
// Export: FromModel takes the user and item matrices of any
// model.Factorized model (BPR-MF, LightGCN, CML, CDAE, ItemAE — the models
// whose scores follow from such matrices by a stated score form), their
// biases, optionally every user's top-K lists, and the data set's
// identifiers; Write writes them in the layout the path asks for (LayoutOf)
// with a JSON manifest that holds the score form, the sizes and the ID
// maps.
//
// Import: Read reads such an export, or the matrices of a teacher trained
// elsewhere (two .npy files, or a .safetensors file with the tensors'
// names), optionally with an ID map; Embeddings.Teacher aligns the rows to
// a data set's users and items by identifier (or by position) and returns
// a frozen model.Factors, which every distillation method accepts as its
// teacher: latent methods read its representations, ranking methods its
// scores.
//
// Reading is safe by construction: neither format can hold code (no
// pickle is ever read), and every file is checked — its size against a
// bound before it is read, then its header, dtype and shape against the
// bytes present before anything is allocated for its values, then its
// values, which must be finite. Errors name the file and what does not
// fit. Writing goes through model.WriteFileAtomic.
//
// docs/interop.md shows both sides, with the Python code.
package interop
