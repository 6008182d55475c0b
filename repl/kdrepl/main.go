// Command kdrepl is kdrec's research shell. This file holds the
// command-line entry point; `kdrepl quickstart` runs the README's main job.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/kdrec/kdrec/kdlib/exp"
	"golang.org/x/term"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("kdrepl", flag.ContinueOnError)
	quiet := fs.Bool("q", false, "quiet: no progress bars")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch fs.Arg(0) {
	case "quickstart":
		o := exp.DefaultQuickstart()
		if !*quiet {
			o.Log = os.Stderr
			o.Plain = !term.IsTerminal(int(os.Stderr.Fd()))
		}
		tb, err := exp.Quickstart(ctx, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kdrepl quickstart:", err)
			return 1
		}
		tb.WriteText(os.Stdout)
		return 0
	default:
		fmt.Fprintln(os.Stderr, "usage: kdrepl [-q] quickstart")
		return 2
	}
}
