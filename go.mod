module github.com/kdrec/kdrec

go 1.26.8

require (
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/ergochat/readline v0.1.3 // indirect
	golang.org/x/text v0.23.0 // indirect
)
