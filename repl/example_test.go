package repl_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/repl"
)

// Add a split method to the shell: `split loo-drop` makes a leave-one-out
// split that drops the users with fewer than three interactions (the
// built-in loo refuses them by default), with a candidates= option. (The
// file's ids are strings, so its header is stated: header=yes.) The
// method goes into a copy of the default registry, which a shell is then
// configured with; kdrepl's own main uses repl.Default, which a program of
// one's own can extend the same way before starting the shell.
func ExampleRegistry_RegisterSplit() {
	reg := repl.Default.Clone()
	reg.RegisterSplit("loo-drop", repl.SplitSpec{
		Doc: "leave-one-out without the users that have fewer than 3 interactions",
		Options: []repl.Option{
			repl.IntOpt("candidates", 100, 1, 1<<20, "unobserved items sampled per user"),
		},
		New: func(env repl.SplitEnv, o repl.Values) (*data.Split, error) {
			return data.LeaveOneOutWithOptions(env.X, env.Seed, data.LOOOptions{
				NumCandidates: o.Int("candidates"),
				ShortUsers:    data.ShortUsersDrop,
			})
		},
	})

	dir, err := os.MkdirTemp("", "kdrec-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	csv := "user,item\nana,a\nana,b\nana,c\nana,d\nbob,a\nbob,c\nbob,e\ncid,b\ncid,e\n" +
		"dan,a\ndan,b\ndan,e\ndan,f\neve,c\neve,f\neve,g\neve,h\n"
	if err := os.WriteFile(filepath.Join(dir, "small.csv"), []byte(csv), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	sh := repl.New(repl.Config{Out: os.Stdout, Err: io.Discard, Registry: reg, Dir: dir, Quiet: true})
	if err := sh.Exec(context.Background(), "load path=small.csv header=yes; split loo-drop candidates=3"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// small: 5 users, 8 items, 17 interactions, density 0.425000 (per user 2..4, per item 1..3)
	//   interactions per user: min 2, 10% 2, 25% 3, median 4, 75% 4, 90% 4, max 4, mean 3.4
	//   interactions per item: min 1, 10% 1, 25% 1, median 2, 75% 3, 90% 3, max 3, mean 2.1
	//   times: none
	//   from small.csv (header=yes)
	// loo-drop: loo seed=0 cand=3 short=drop of small: 5 users × 8 items; train 7, valid 4, test 4 interactions, 3 candidates per user
}
