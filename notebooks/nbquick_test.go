package notebooks

// The notebooks' reduced-scale training path, without Jupyter. By default
// the notebooks draw from the results ledger and train nothing, so the
// code that trains (KDREC_QUICK, KDREC_RETRAIN) is exercised here: every
// notebook's code cells become one Go program, the way GoNB assembles them
// (the declaration cells at package level, each %% cell a function run as
// a fresh process), and each %% cell runs in order under KDREC_QUICK=1.

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// quickNotice is nbkit.QuickNotice: the first words of the caption of
// every figure drawn at reduced scale (and written on the figure).
const quickNotice = "Reduced scale (KDREC_QUICK=1): not a result."

// EnvQuickTest names the environment variable that enables
// TestQuickNotebooks (scripts/ci-notebooks.sh sets it): it trains every
// notebook at reduced scale, minutes of CPU.
const EnvQuickTest = "KDREC_NB_QUICK"

// TestQuickNotebooks runs the code of every notebook (KDREC_NB_ONLY
// restricts them) at reduced scale without Jupyter, cell by cell, with an
// empty artefact cache, and checks that each cell succeeds, that every
// declared figure and table is written (none may be left undrawn: at
// reduced scale the notebook trains what it draws, the specs' quick
// budgets through exp.RunSweep) and that every figure says on itself that
// it is reduced scale. Enabled by KDREC_NB_QUICK=1.
func TestQuickNotebooks(t *testing.T) {
	if v := os.Getenv(EnvQuickTest); v == "" || v == "0" {
		t.Skipf("%s not set: the reduced-scale training path of the notebooks is run by scripts/ci-notebooks.sh (minutes of CPU)", EnvQuickTest)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	nbdir := filepath.Join(root, "notebooks")
	work := t.TempDir()
	figs := os.Getenv("KDREC_FIGURES")
	if figs == "" {
		figs = filepath.Join(work, "figures")
	}
	srcs := sources(t)
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src := srcs[name]
			prog, cells, err := assemble(src)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			bin := buildProgram(t, root, filepath.Join(work, name), prog)
			since := time.Now().Add(-time.Second)
			// A fresh artefact cache, shared by the notebooks of this run
			// (their scratch ledger is in it): records are never replaced,
			// so a cache kept from an earlier run would let the notebooks
			// draw that run's records instead of training through the
			// current code.
			env := append(os.Environ(), "KDREC_QUICK=1", "KDREC_RETRAIN=", "GONB_DIR="+nbdir, "KDREC_FIGURES="+figs, "KDREC_ROOT="+root,
				"KDREC_CACHE="+filepath.Join(work, "cache"))
			for _, c := range cells {
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
				cmd := exec.CommandContext(ctx, bin, strconv.Itoa(c))
				cmd.Env, cmd.Dir = env, nbdir
				out, err := cmd.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("%s: cell %d (%s) failed: %v\n%s", name, c, firstLine(string(src.Cells[c].Source)), err, tail(out, 4000))
				}
				t.Logf("%s: cell %d (%s) in %.1fs", name, c, firstLine(string(src.Cells[c].Source)), time.Since(start).Seconds())
			}
			checkFigures(t, name, src, figs, since, false)
			checkTables(t, name, src, figs, since, false)
			if k := src.Metadata.Kdrec; k != nil {
				for _, f := range k.Figures {
					b, err := os.ReadFile(filepath.Join(figs, f+".caption.txt"))
					if err != nil || !strings.HasPrefix(string(b), quickNotice) {
						t.Errorf("%s: figure %s does not say it is reduced scale (draw it with nbkit.ShowFigure): caption %q, %v", name, f, b, err)
					}
				}
			}
		})
	}
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// assemble turns a notebook into one Go program as GoNB runs it: the
// declaration cells (imports, types, functions, vars) at package level, and
// each %% cell as a function called cell<index>; main runs the cell named
// by its argument. Shell lines (!cmd) are left out.
func assemble(nb *notebook) (prog []byte, cells []int, err error) {
	var imports []string
	var decls, funcs bytes.Buffer
	for k, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		var lines []string
		for _, l := range strings.Split(string(c.Source), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "!") {
				lines = append(lines, l)
			}
		}
		src := strings.Join(lines, "\n")
		if strings.TrimSpace(src) == "" {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(src), "%%") {
			body := strings.SplitN(strings.TrimSpace(src), "\n", 2)
			text := ""
			if len(body) == 2 {
				text = body[1]
			}
			fmt.Fprintf(&funcs, "func cell%d() {\n%s\n}\n\n", k, text)
			cells = append(cells, k)
			continue
		}
		fset := token.NewFileSet()
		file := "package main\n" + src
		f, err := parser.ParseFile(fset, "cell.go", file, parser.ParseComments)
		if err != nil {
			return nil, nil, fmt.Errorf("cell %d: %w", k, err)
		}
		for _, is := range f.Imports {
			spec := is.Path.Value
			if is.Name != nil {
				spec = is.Name.Name + " " + spec
			}
			if !slices.Contains(imports, spec) {
				imports = append(imports, spec)
			}
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				continue
			}
			start := d.Pos()
			switch x := d.(type) {
			case *ast.GenDecl:
				if x.Doc != nil {
					start = x.Doc.Pos()
				}
			case *ast.FuncDecl:
				if x.Doc != nil {
					start = x.Doc.Pos()
				}
			}
			decls.WriteString(file[fset.Position(start).Offset:fset.Position(d.End()).Offset])
			decls.WriteString("\n\n")
		}
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by TestQuickNotebooks from a notebook; DO NOT EDIT.\n\npackage main\n\nimport (\n\tnbharnessos \"os\"\n")
	for _, is := range imports {
		b.WriteString("\t" + is + "\n")
	}
	b.WriteString(")\n\n")
	b.Write(decls.Bytes())
	b.Write(funcs.Bytes())
	b.WriteString("func main() {\n\tswitch nbharnessos.Args[1] {\n")
	for _, k := range cells {
		fmt.Fprintf(&b, "\tcase %q:\n\t\tcell%d()\n", strconv.Itoa(k), k)
	}
	b.WriteString("\tdefault:\n\t\tpanic(\"no cell \" + nbharnessos.Args[1])\n\t}\n}\n")
	return b.Bytes(), cells, nil
}

// buildProgram writes prog as the main package of a module in dir that
// requires this repository (a replace to root, its go.sum), builds it and
// returns the binary.
func buildProgram(t *testing.T, root, dir string, prog []byte) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mod := fmt.Sprintf("module kdrecnotebook\n\ngo 1.26\n\nrequire github.com/kdrec/kdrec v0.0.0-00010101000000-000000000000\n\nreplace github.com/kdrec/kdrec => %s\n", root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range map[string][]byte{"go.mod": []byte(mod), "go.sum": sum, "main.go": prog} {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "notebook")
	cmd := exec.Command("go", "build", "-mod=mod", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s\n(program in %s)", err, out, dir)
	}
	return bin
}

// TestAssemble checks the GoNB emulation on a small notebook, and that
// every notebook of this directory assembles into a program that parses
// (a syntax check of every notebook, always run).
func TestAssemble(t *testing.T) {
	nb := &notebook{Cells: []cell{
		{CellType: "code", Source: "!*go mod edit -replace x=y"},
		{CellType: "markdown", Source: "# title"},
		{CellType: "code", Source: "import (\n\t\"fmt\"\n\t\"strings\"\n)\n\n// f doubles.\nfunc f(x int) int { return 2 * x }"},
		{CellType: "code", Source: "%%\nfmt.Println(f(2))"},
		{CellType: "code", Source: "import \"strings\"\n\nvar upper = strings.ToUpper"},
		{CellType: "code", Source: "%%\n!ls\nfmt.Println(upper(\"x\"))\nreturn"},
	}}
	prog, cells, err := assemble(nb)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cells, []int{3, 5}) {
		t.Errorf("cells %v, want [3 5]", cells)
	}
	src := string(prog)
	for _, want := range []string{"\"fmt\"\n", "func cell3() {\nfmt.Println(f(2))\n}", "// f doubles.\nfunc f(x int)", "case \"5\":\n\t\tcell5()"} {
		if !strings.Contains(src, want) {
			t.Errorf("program lacks %q:\n%s", want, src)
		}
	}
	if strings.Count(src, "\"strings\"") != 1 || strings.Contains(src, "!ls") || strings.Contains(src, "mod edit") {
		t.Errorf("imports not merged or shell lines kept:\n%s", src)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "main.go", prog, 0); err != nil {
		t.Errorf("assembled program does not parse: %v\n%s", err, src)
	}
	for name, nb := range sources(t) {
		prog, _, err := assemble(nb)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := parser.ParseFile(token.NewFileSet(), name+".go", prog, 0); err != nil {
			t.Errorf("%s: the notebook's code does not parse as one program: %v", name, err)
		}
	}
}
