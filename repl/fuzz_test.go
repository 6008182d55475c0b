package repl

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// fuzzSeeds are statements of every command, valid and broken.
var fuzzSeeds = []string{
	"", ";;", "#", "help", "help train", "help export results", "list", "list datasets", "show", "show m", "show loo",
	"set seed=3 quiet=false progress=lines protocol=full", "set seed=-1",
	"load tiny", "load citeulike-t as=c raw=true", "load ml-100k min-rating=4 dir=x", "load nosuch",
	"split loo seed=2 candidates=5", "split ratio valid=0.1 test=0.1 as=r", "split ratio valid=0.9 test=0.9",
	"split shipped name=derrd-loo", "split import train=a.tsv test=b.tsv", "split loo short=drop candidates=1000000",
	"train t bpr dim=4 epochs=3", "train s bpr dim=2 kd=hint lambda.hint=0.5 teacher=m", "train s bpr kd=hint,fitnet bridge.hint=linear",
	"train s bpr protocol=full eval-every=1 patience=1 restore-best=false lazy-adam=true batch=1 lr=10 wd=10",
	"train s bpr split=loo seed=18446744073709551615 init-std=10", "train m bpr dim=4096",
	"eval m", "eval m full part=valid", "eval m latency users=1000000", "eval m loo split=loo",
	"compare m m2", "compare m m2 protocol=full metrics=Recall@10,NDCG@50", "compare m m2 metrics=,",
	"plot curves m out=f.svg", "plot curves m metric=HR@10 part=test", "plot loss m m2 out=l.csv",
	"save m m.ckpt; load-model m3 m.ckpt; compare m m3", "load-model x nofile", "save m ../../etc/x",
	"export results r.json; export results r.csv m; export history m h.json; export table t.md",
	"compare m m2; export table t.html; export table t.txt format=json",
	"drop m; show", "drop loo; train z bpr", "quickstart teacher-epochs=1", "quit", "exit; show",
	`load "tiny" as='t 2'`, `show "a\"b"`, "train s bpr dim=2 dim=3", "train = =", "a=b c=d", "eval m ful",
	"train x bpr dim=3 epochs=2 eval-every=1 protocol=loo; plot curves x m2",
	"reproduce derrd-curves quick out=sw", "reproduce td-params full shard=1/3 keep-going=true", "reproduce x fast shard=a",
	"load path=a.csv cols=user,item,time kcore=2 name=a", "load path=a.csv,b.csv sep=tab header=no plot=d.svg", "load path=,",
	"plot degrees out=d.svg", "plot degrees tiny out=d.csv", "split llo candidates=5", "split llo short=drop",
	"split import train=a.tsv test=b.tsv protocol=loo candidates=3", "train s bpr dim=2 kd=hint epochs=2",
	"export embeddings m e.npy topk=3; import embeddings m3 e.npy; compare m m3", "export embeddings m2 d/; import embeddings x d/manifest.json",
	"export embeddings m e.safetensors; import embeddings x e.safetensors score=neg-sq-dist; train s bpr dim=2 kd=fitnet teacher=x",
	"import embeddings x users=e.user_embeddings.npy items=e.item_embeddings.npy ids=e.npy.json split=loo", "export embeddings m l.npy topk=2 lists-only=true",
}

// fuzzShell returns a shell in a sandbox with cheap commands: a synthetic
// data set whatever the name, at most one epoch of training, files in
// memory, a stub quickstart, a split (loo) and two trained models (m, m2).
func fuzzShell(t testing.TB, dir string) *Shell {
	sh := New(Config{Out: io.Discard, Err: io.Discard, Registry: withTwoMethods(), Dir: dir, Files: newMemFiles(), Quiet: true})
	sh.sandbox, sh.maxEpochs = true, 1
	sh.loadDataset = func(name string, opts ...datasets.Option) (*data.Interactions, error) {
		if name != "tiny" {
			if _, err := datasets.Lookup(name); err != nil {
				return nil, err
			}
		}
		return tinyLoader("tiny")
	}
	sh.quickstart = func(ctx context.Context, o exp.QuickstartOptions) (*report.Table, error) {
		return &report.Table{Header: []string{"model"}, Rows: [][]string{{"teacher"}}}, nil
	}
	sh.builtinSpec = smallSpec
	if err := sh.Exec(context.Background(), "load tiny; split loo candidates=10; train m bpr dim=4; train m2 bpr dim=2"); err != nil {
		t.Fatal(err)
	}
	return sh
}

// FuzzExec runs arbitrary lines through the parser and the executor (and
// the completer): no input may panic — a recovered panic ("internal
// error") fails too — and every error is one line.
func FuzzExec(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, line string) {
		sh := fuzzShell(t, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := sh.Exec(ctx, line)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "internal error") {
				t.Fatalf("%q: %v", line, err)
			}
			if strings.Contains(msg, "\n") {
				t.Fatalf("%q: multi-line error %q", line, msg)
			}
		}
		for k := 0; k <= len(line); k += max(1, len(line)/4) {
			sh.Completer().Do([]rune(line[:k]), len([]rune(line[:k])))
		}
	})
}

// FuzzParse checks that Parse never panics and that its statements, put
// back together, parse to the same words.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		sts, err := Parse(line)
		if err != nil {
			return
		}
		for _, st := range sts {
			if len(st.Words) == 0 {
				t.Fatalf("%q: empty statement", line)
			}
			again, err := Parse(st.Text)
			if err != nil || len(again) != 1 || len(again[0].Words) != len(st.Words) {
				t.Fatalf("%q: statement %q does not parse back (%v)", line, st.Text, err)
			}
			for k, w := range st.Words {
				if again[0].Words[k].Text != w.Text || again[0].Words[k].Eq != w.Eq {
					t.Fatalf("%q: word %d %+v reparses as %+v", line, k, w, again[0].Words[k])
				}
			}
		}
	})
}
