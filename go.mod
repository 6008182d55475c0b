module github.com/kdrec/kdrec

go 1.26.8

require (
	golang.org/x/sys v0.50.0 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
