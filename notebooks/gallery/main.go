// Command gallery regenerates the gallery of docs/figures.md from the
// figure files (nbkit.Gallery): every figure of docs/figures and every
// figure the notebooks declare, all in docs/figures (nbkit.FiguresFolder),
// with its preview, files, caption or note, and the command that
// regenerates it. scripts/run-notebooks.sh --render runs it.
//
//	go run ./notebooks/gallery [-root DIR] [-check]
//
// With -check it writes nothing and exits 1 when the gallery differs from
// the files (the test notebooks.TestGallery checks the same).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kdrec/kdrec/notebooks/nbkit"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "only check that "+nbkit.GalleryDoc+" matches the figure files")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gallery: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	changed, err := nbkit.UpdateGallery(*root, *check)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "gallery: %v\n", err)
		os.Exit(1)
	case changed && *check:
		fmt.Fprintf(os.Stderr, "gallery: %s differs from the figure files: run go run ./notebooks/gallery\n", nbkit.GalleryDoc)
		os.Exit(1)
	case changed:
		fmt.Printf("gallery: %s regenerated\n", nbkit.GalleryDoc)
	default:
		fmt.Printf("gallery: %s up to date\n", nbkit.GalleryDoc)
	}
}
