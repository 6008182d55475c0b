// Package nn holds the numerical building blocks shared by every model and
// distillation term: trainable parameters with their gradients and
// optimizer state, the Adam optimizer with PyTorch's coupled L2 weight decay,
// the initialisers PyTorch uses by default, and small dense kernels.
//
// Everything is float32, as in the reference PyTorch code. Gradients are
// accumulated into Param.G by the code that computes a loss; Adam.Step then
// updates the values and clears the gradients.
package nn
