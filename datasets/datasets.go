// Package datasets names the recommender data sets that kdrec works with and
// loads them into the types of package data.
//
// One data set is embedded and loads offline: citeulike-t, the CiteULike of
// the knowledge-distillation papers of SeongKu Kang et al. (see README.md for
// its source and citation):
//
//	x, err := datasets.Load("citeulike-t") // 5,219 users, 25,181 items, 125,580 interactions
//
// The licences of the others do not allow redistribution (MovieLens,
// KGAT Amazon-book) or say nothing about it, so they are loaded from a
// directory the user downloaded, given by Dir or by the environment variable
// KDREC_DATASETS. The layout is that of the kdrec dataset collection:
// <dir>/<Dataset.Folder>/<file>, or the folder itself; Lookup tells where each
// data set comes from. Data sets that ship a train/test(/valid) split load it
// with LoadSplit.
package datasets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"github.com/kdrec/kdrec/internal/textdist"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
)

// EnvDir names the environment variable that gives the default directory of
// the data sets that are not embedded.
const EnvDir = "KDREC_DATASETS"

// Dataset describes one data set: where it comes from, its terms, its files
// and what Load does with them.
type Dataset struct {
	// Name is the registry name passed to Load, e.g. "ml-100k".
	Name string
	// Title is a one-line description.
	Title string
	// Folder is the folder of the files in the collection layout, relative to
	// the collection root, e.g. "citeulike/citeulike-t".
	Folder string
	// Files lists the files Load reads (their pairs are joined), relative to
	// Folder. "a|b" means file a, or b where a is missing.
	Files []string
	// Format describes the file format.
	Format string
	// Source says where to download the files: the upstream location and,
	// where the files are a processed version, the original data.
	Source string
	// License summarises the terms of use as far as known.
	License string
	// Citation gives the reference(s) to cite when using the data.
	Citation string
	// Preprocessing says what Load does by default; Raw skips it.
	Preprocessing string
	// Splits lists the train/test(/valid) splits shipped with the data set,
	// the first being the default of LoadSplit; empty when there is none.
	Splits []SplitFiles
	// Embedded reports whether the module embeds the data (Load works offline).
	Embedded bool
	// Users, Items and Interactions count, after the default preprocessing,
	// the users and items with at least one interaction and the distinct
	// pairs. The index spaces of Load can be larger where the files skip ids
	// (ml-1m: 3,952 item indices; lastfm-lightgcn: 1,892 user indices).
	Users, Items, Interactions int

	kind       kind
	opts       []data.ReadOption
	minPerUser int
	ratings    bool // whether MinRating applies
	// sums holds the SHA-256 of the files of the kdrec collection (see its
	// SOURCES.md), by name relative to Folder; a file that differs loads
	// with a warning.
	sums map[string]string
}

// SplitFiles describes a split shipped with a data set.
type SplitFiles struct {
	// Name names the split for LoadSplit's SplitName option.
	Name string
	// Train, Valid and Test are files relative to the data set folder;
	// Valid is "" for a train/test split.
	Train, Valid, Test string
	// Note says how the split was made and anything LoadSplit changes.
	Note string

	kind kind
	opts []data.ReadOption
	// dropCold drops held-out pairs of users without training pairs.
	dropCold bool
}

type kind int

const (
	usersDat kind = iota
	adjacency
	movieLens
	delimited
)

func (k kind) read(r io.Reader, name string, opts ...data.ReadOption) (*data.Log, error) {
	switch k {
	case usersDat:
		return data.ReadUsersDat(r, name, opts...)
	case adjacency:
		return data.ReadAdjacency(r, name, opts...)
	case movieLens:
		return data.ReadMovieLens(r, name, opts...)
	}
	return data.ReadCSV(r, name, opts...)
}

//go:embed citeulike-t/users.dat.gz
var citeulikeT []byte

const (
	grouplensTerms = "GroupLens (University of Minnesota) usage licence: research use only; " +
		"the data may not be redistributed without separate permission; no commercial use; " +
		"acknowledge the data set in publications."
	movieLensCitation = "F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. " +
		"ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19. https://doi.org/10.1145/2827872"
	citeULikeCitation = `Hao Wang, Binyi Chen and Wu-Jun Li. Collaborative Topic Regression with Social Regularization for Tag Recommendation. IJCAI 2013.

@inproceedings{DBLP:conf/ijcai/WangCL13,
  author    = {Hao Wang and
               Binyi Chen and
               Wu-Jun Li},
  title     = {Collaborative Topic Regression with Social Regularization
               for Tag Recommendation},
  booktitle = {IJCAI},
  year      = {2013}
}`
	citeULikeTerms = "No licence stated upstream; collected from citeulike.org (closed in 2019) and Google Scholar. " +
		"Research use with citation of the paper."
	lastFMTerms = "hetrec2011-lastfm-2k readme: made available for non-commercial use; " +
		"cite the Last.fm website (http://www.lastfm.com) and the HetRec 2011 workshop."
	lastFMCitation = "Iván Cantador, Peter Brusilovsky and Tsvi Kuflik. 2nd Workshop on Information Heterogeneity " +
		"and Fusion in Recommender Systems (HetRec 2011). RecSys 2011. Last.fm website, http://www.lastfm.com"
	lightGCNFormat = "LightGCN adjacency format: one line per user, \"user item item …\" separated by spaces, " +
		"0-based remapped ids (a line may hold only the user id)"
)

var registry = []Dataset{
	{
		Name:          "ml-100k",
		Title:         "MovieLens 100K ratings (GroupLens)",
		Folder:        "ml-100k",
		Files:         []string{"u.data"},
		Format:        "u.data: tab-separated \"user item rating timestamp\", 1-based ids, ratings 1–5",
		Source:        "https://files.grouplens.org/datasets/movielens/ml-100k.zip (GroupLens, https://grouplens.org/datasets/movielens/100k/)",
		License:       grouplensTerms,
		Citation:      movieLensCitation,
		Preprocessing: "every rating is an interaction (MinRating(r) keeps ratings >= r); index = MovieLens id − 1",
		Users:         943, Items: 1682, Interactions: 100000,
		sums: map[string]string{
			"u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
		},
		kind:    movieLens,
		opts:    []data.ReadOption{data.KeepIDs(), data.OneBased()},
		ratings: true,
	},
	{
		Name:   "ml-1m",
		Title:  "MovieLens 1M, all 1,000,209 ratings binarised (implicit), as shipped by ReSN",
		Folder: "ml-1m/resn-implicit-full",
		Files:  []string{"train.txt", "test.txt"},
		Format: lightGCNFormat,
		Source: "https://github.com/LIN452/ReSN (data/ml-1m/{train,test}.txt); original ratings: " +
			"https://files.grouplens.org/datasets/movielens/ml-1m.zip (GroupLens)",
		License:  grouplensTerms,
		Citation: movieLensCitation + "\nSplit: ReSN (WSDM 2025), https://github.com/LIN452/ReSN",
		Preprocessing: "union of train and test; ids as in the files (0-based remapped; item indices 0..3951, " +
			"3,706 of them with interactions; the mapping to MovieLens ids is not shipped)",
		Users: 6040, Items: 3706, Interactions: 1000209,
		Splits: []SplitFiles{{
			Name: "resn", Train: "train.txt", Test: "test.txt", kind: adjacency,
			Note: "random ~80/20 split per user (every user keeps >= 10 training items); no validation part",
		}},
		sums: map[string]string{
			"train.txt": "917e2eabe7d102a603c8594f522a1569cb69d26d63f0d9d2f071f0a6d2ea0149",
			"test.txt":  "c52de8b0cb2fe1eec9c9746a16127636fa1236aed023179a44d303b69f1a4078",
		},
		kind: adjacency,
		opts: []data.ReadOption{data.KeepIDs()},
	},
	{
		Name:   "ml-1m-ge3",
		Title:  "MovieLens 1M, ratings >= 3 as positives (inferred), as shipped by LightGCN++",
		Folder: "ml-1m/lightgcnpp-rating-ge3",
		Files:  []string{"train.txt", "valid.txt", "test.txt"},
		Format: lightGCNFormat,
		Source: "https://github.com/geon0325/LightGCNpp (data/ml-1m/{train,valid,test}.txt); original ratings: " +
			"https://files.grouplens.org/datasets/movielens/ml-1m.zip (GroupLens)",
		License:       grouplensTerms,
		Citation:      movieLensCitation + "\nSplit: LightGCN++ (RecSys 2024), https://github.com/geon0325/LightGCNpp",
		Preprocessing: "union of train, valid and test (836,478 pairs = the ML-1M ratings >= 3); ids as in the files",
		Users:         6039, Items: 3628, Interactions: 836478,
		Splits: []SplitFiles{{
			Name: "lightgcnpp", Train: "train.txt", Valid: "valid.txt", Test: "test.txt", kind: adjacency,
			Note: "590,733 / 80,897 / 164,848 pairs",
		}},
		sums: map[string]string{
			"train.txt": "dfa3a7a866feade29ca5722ac0423c1b0317ac1f6ad38a55fc1a7ceeb9cee3bb",
			"valid.txt": "429fe0d750b304677898d7eeb1080764bbf06550b94c9508b8cc8cd0573e3dfc",
			"test.txt":  "0d58f78bbf606f401aec2efe3f519b945c458c8398955f986e03b880fbbd16a6",
		},
		kind: adjacency,
		opts: []data.ReadOption{data.KeepIDs()},
	},
	{
		Name:          "citeulike-a",
		Title:         "CiteULike-a user–article library matrix (Wang et al.)",
		Folder:        "citeulike/citeulike-a",
		Files:         []string{"users.dat"},
		Format:        "users.dat: line u (0-based) is \"count item item …\", 0-based article ids",
		Source:        "https://github.com/js05212/citeulike-a",
		License:       citeULikeTerms,
		Citation:      citeULikeCitation,
		Preprocessing: "none: users are lines, items the article ids",
		Users:         5551, Items: 16980, Interactions: 204986,
		sums: map[string]string{
			"users.dat": "53211d82c14ff261e595634d285ed9fbf8049cf81dcb751d924d695b9612a02c",
		},
		kind: usersDat,
		opts: []data.ReadOption{data.KeepIDs()},
	},
	{
		Name:   "citeulike-t",
		Title:  "CiteULike-t (Wang et al.), the CiteULike of DE-RRD, TD, IR-RRD and HetComp",
		Folder: "citeulike/citeulike-t",
		Files:  []string{"users.dat"},
		Format: "users.dat: line u (0-based) is \"count item item …\", 0-based article ids (0..25974)",
		Source: "https://github.com/js05212/citeulike-t (users.dat, embedded in this package); " +
			"splits: https://github.com/SeongKu-Kang/DE-RRD_CIKM20 (Dataset/citeULike/LOO) and " +
			"https://github.com/SeongKu-Kang/Topology_Distillation_KDD21 (dataset/), pickles converted to TSV",
		License:  citeULikeTerms,
		Citation: citeULikeCitation,
		Preprocessing: "users with >= 5 items; users renumbered 0..5218 in file order, items in order of first " +
			"appearance (line by line, along each line): the authors' numbering, identical to their splits. " +
			"Raw: all 7,947 users × 25,975 item ids (25,584 used), 134,860 pairs",
		Embedded: true,
		Users:    5219, Items: 25181, Interactions: 125580,
		Splits: []SplitFiles{
			{
				Name:  "derrd-loo",
				Train: "derrd-loo-split/derived_train.tsv",
				Valid: "derrd-loo-split/derived_valid.tsv",
				Test:  "derrd-loo-split/derived_test.tsv",
				Note: "leave-one-out split of DE-RRD/IR-RRD (seed 0): 115,142 train, one valid and one test item " +
					"per user; the sampled candidates are not shipped",
				kind: delimited,
				opts: []data.ReadOption{data.Header(false)},
			},
			{
				Name:  "td-loo",
				Train: "td-loo-split/derived_train.tsv",
				Valid: "td-loo-split/derived_valid.tsv",
				Test:  "td-loo-split/derived_test.tsv",
				Note:  "leave-one-out split of Topology Distillation (another random draw, same sizes)",
				kind:  delimited,
				opts:  []data.ReadOption{data.Header(false)},
			},
		},
		sums: map[string]string{
			"derrd-loo-split/derived_train.tsv": "454894c686237bc283b41c1a8e885d51633a5d7e8423733fd5ea94102eac0772",
			"derrd-loo-split/derived_valid.tsv": "6381da3c6acf0a2d154800aac9c1a20449c0b2dfb3d6d478abe860d85e7f1df5",
			"derrd-loo-split/derived_test.tsv":  "f07a00a65f10633b9830f338c7a8d184a44681b0d92e3a6d48c1ad58102b8677",
			"td-loo-split/derived_train.tsv":    "8fe560890fc0768b6f89ee38826845eb6ac5a3124353f5aa60acad11ef9752ff",
			"td-loo-split/derived_valid.tsv":    "718be04032601cd229d72c9737cee38b95ccdc70ca51fcc56dda197802632b4e",
			"td-loo-split/derived_test.tsv":     "422901887e8e2bb401bf9eb2d0d427df824f600d60798dfad28b130dc82648f9",
		},
		kind:       usersDat,
		opts:       []data.ReadOption{data.KeepIDs()},
		minPerUser: 5,
	},
	{
		Name:   "gowalla",
		Title:  "Gowalla check-ins as processed by NGCF/LightGCN (10-core)",
		Folder: "gowalla-lightgcn",
		Files:  []string{"train.txt|derived_train.txt", "test.txt"},
		Format: lightGCNFormat + "; the collection's derived_train.txt equals the upstream train.txt as a set",
		Source: "https://github.com/gusye1234/LightGCN-PyTorch (data/gowalla); original: SNAP loc-gowalla, " +
			"https://snap.stanford.edu/data/loc-gowalla.html",
		License: "SNAP states no formal licence; research use citing the paper. The LightGCN repositories have no licence file.",
		Citation: "Eunjoon Cho, Seth A. Myers and Jure Leskovec. Friendship and Mobility: User Movement in " +
			"Location-Based Social Networks. KDD 2011.\nProcessing: NGCF (Wang et al., SIGIR 2019) and LightGCN (He et al., SIGIR 2020).",
		Preprocessing: "union of train and test; ids as in the files",
		Users:         29858, Items: 40981, Interactions: 1027370,
		Splits: []SplitFiles{
			{
				Name: "lightgcn", Train: "train.txt|derived_train.txt", Test: "test.txt", kind: adjacency,
				Note: "the NGCF/LightGCN split: 810,128 train, 217,242 test; no validation part",
			},
			{
				Name: "lightgcnpp", Train: "lightgcnpp-split/train.txt", Valid: "lightgcnpp-split/valid.txt", Test: "test.txt",
				Note: "LightGCN++ splits the LightGCN train into 719,081 train + 91,047 valid; same test",
				kind: adjacency,
			},
		},
		sums: map[string]string{
			"derived_train.txt":          "0f086326b28a56c2e6dcb81d86ee72d4ccb7eed3a8d26788392356d8f51111cc",
			"test.txt":                   "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3",
			"lightgcnpp-split/train.txt": "d47e01d060624f389956c0b2f89a1ed8c453ea158631cd2b5320c241f3e1a073",
			"lightgcnpp-split/valid.txt": "ddc22c1cd9a7d14fd5cd0c98b1473b614f4323038fef74ae0d28cc9c92a08ba2",
		},
		kind: adjacency,
		opts: []data.ReadOption{data.KeepIDs()},
	},
	{
		Name:   "amazon-book",
		Title:  "Amazon-book as processed by KGAT",
		Folder: "amazon-book-kgat",
		Files:  []string{"train.txt", "test.txt"},
		Format: lightGCNFormat,
		Source: "https://github.com/xiangwang1223/knowledge_graph_attention_network (Data/amazon-book); " +
			"original: Amazon review data (McAuley et al.), book category",
		License: "KGAT Data/README.md: research use only; the data may not be redistributed without separate " +
			"permission; no de-anonymisation; no commercial use (the MIT licence of the code does not cover the data).",
		Citation: "Xiang Wang, Xiangnan He, Yixin Cao, Meng Liu and Tat-Seng Chua. KGAT: Knowledge Graph " +
			"Attention Network for Recommendation. KDD 2019.",
		Preprocessing: "union of train and test; ids as in the files",
		Users:         70679, Items: 24915, Interactions: 846434,
		Splits: []SplitFiles{{
			Name: "kgat", Train: "train.txt", Test: "test.txt", kind: adjacency,
			Note: "652,514 train, 193,920 test (88 users have no test item); no validation part",
		}},
		sums: map[string]string{
			"train.txt": "4d10106bb06a77e11df660429903c0067aeb85b86431807836b0d8b7edc30c38",
			"test.txt":  "f47eff9d35fb95c07d74251a991478a84095ce6c5969b0dafcb4afe99fc716ec",
		},
		kind: adjacency,
		opts: []data.ReadOption{data.KeepIDs()},
	},
	{
		Name:   "lastfm",
		Title:  "Last.fm listening data of 2K users (HetRec 2011)",
		Folder: "lastfm/hetrec2011-lastfm-2k",
		Files:  []string{"user_artists.dat"},
		Format: "user_artists.dat: header \"userID\\tartistID\\tweight\", then tab-separated records (weight = play count)",
		Source: "https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip " +
			"(https://grouplens.org/datasets/hetrec-2011/)",
		License:  lastFMTerms,
		Citation: lastFMCitation,
		Preprocessing: "every listened artist is an interaction (MinRating(w) keeps play counts >= w); " +
			"users and artists renumbered in order of first appearance, original ids in UserIDs/ItemIDs",
		Users: 1892, Items: 17632, Interactions: 92834,
		sums: map[string]string{
			"user_artists.dat": "254272fa721c3935e8be286d28c051b206844307128698ab4eaa41d483379416",
		},
		kind:    delimited,
		ratings: true,
	},
	{
		Name:          "lastfm-lightgcn",
		Title:         "Last.fm split shipped with LightGCN-PyTorch",
		Folder:        "lastfm/lightgcn-pytorch-split",
		Files:         []string{"data1.txt", "test1.txt"},
		Format:        "tab-separated \"user item x\", 1-based ids; the third column is ignored (as by the LightGCN loader)",
		Source:        "https://github.com/gusye1234/LightGCN-PyTorch (data/lastfm)",
		License:       lastFMTerms,
		Citation:      lastFMCitation + "\nSplit: LightGCN (He et al., SIGIR 2020), https://github.com/gusye1234/LightGCN-PyTorch",
		Preprocessing: "union of data1 and test1; index = id − 1 (1,892 user indices as in the LightGCN code, 1,880 with data)",
		Users:         1880, Items: 4489, Interactions: 52668,
		Splits: []SplitFiles{{
			Name: "lightgcn", Train: "data1.txt", Test: "test1.txt",
			Note: "42,135 train, 10,533 test; LoadSplit drops the 3 test pairs of the 2 users (ids 741, 1675) " +
				"without training data; no validation part",
			kind:     delimited,
			opts:     []data.ReadOption{data.Header(false), data.OneBased()},
			dropCold: true,
		}},
		sums: map[string]string{
			"data1.txt": "c82af3228cbbda2f55a39244de09ed93292894f1d0d9f1908ebb57e27598fded",
			"test1.txt": "de4417c0e6123284ce59a0934bcf5288ec1ec8774a18a1eef453c9952dfa48f9",
		},
		kind: delimited,
		opts: []data.ReadOption{data.Header(false), data.KeepIDs(), data.OneBased()},
	},
}

// List returns every data set of the registry.
func List() []Dataset {
	out := make([]Dataset, len(registry))
	for k, d := range registry {
		out[k] = d.clone()
	}
	return out
}

// clone copies d so that callers cannot change the registry.
func (d Dataset) clone() Dataset {
	d.Files, d.Splits = slices.Clone(d.Files), slices.Clone(d.Splits)
	return d
}

// Lookup returns the data set called name. An unknown name gives an error
// listing the known names, nearest first.
func Lookup(name string) (Dataset, error) {
	for _, d := range registry {
		if d.Name == name {
			return d.clone(), nil
		}
	}
	names := make([]string, len(registry))
	for k, d := range registry {
		names[k] = d.Name
	}
	key := strings.ToLower(name)
	slices.SortStableFunc(names, func(a, b string) int { return textdist.Levenshtein(key, a) - textdist.Levenshtein(key, b) })
	return Dataset{}, fmt.Errorf("datasets: unknown data set %q; known: %s", name, strings.Join(names, ", "))
}

// Option configures Load, LoadLog, LoadDir and LoadSplit.
type Option func(*config)

type config struct {
	dir       string
	raw       bool
	minRating *float64
	split     string
}

// Dir gives the directory of a data set that is not embedded: either the
// root of the collection layout (holding <Folder>/<file>) or the data set's
// folder itself. Without it the directory named by KDREC_DATASETS is used.
// Embedded data sets ignore it except for LoadSplit.
func Dir(path string) Option { return func(c *config) { c.dir = path } }

// Raw skips the default preprocessing (see Dataset.Preprocessing): the data
// as in the files, e.g. all 7,947 users of citeulike-t with their article ids.
// The registry's counts, which are those after the preprocessing, are then
// not checked.
func Raw() Option { return func(c *config) { c.raw = true } }

// MinRating keeps only the records whose rating (ml-100k) or play count
// (lastfm) is at least r; see data.MinRating. Other data sets reject it.
func MinRating(r float64) Option { return func(c *config) { c.minRating = &r } }

// SplitName selects a split of Dataset.Splits by name for LoadSplit; by
// default the first is used.
func SplitName(name string) Option { return func(c *config) { c.split = name } }

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Load returns the data set called name after its default preprocessing
// (Raw skips it). Embedded data sets load offline; others are read from Dir
// or KDREC_DATASETS.
//
// What loads is checked against the registry: with the default
// preprocessing (neither Raw nor MinRating), users, items and interactions
// must equal Dataset.Users, Items and Interactions, or Load refuses the
// files with an error naming them (a file cut short loads no longer as
// the data set). What the readers notice without refusing — a file whose
// SHA-256 differs from the collection's copy, a last line without a
// newline, repeated pairs merged — is returned in Interactions.Warnings
// (Log.Warnings, Split.Warnings) for the caller to show.
func Load(name string, opts ...Option) (*data.Interactions, error) {
	l, err := LoadLog(name, opts...)
	if err != nil {
		return nil, err
	}
	return l.Build()
}

// LoadDir is Load reading from dir; see Dir.
func LoadDir(name, dir string, opts ...Option) (*data.Interactions, error) {
	return Load(name, append(slices.Clip(opts), Dir(dir))...)
}

// LoadLog is Load returning the data.Log, in file order, so that further
// filters (data.Log.KCore, say) keep numbering items by first appearance.
func LoadLog(name string, opts ...Option) (*data.Log, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	c := newConfig(opts)
	if c.split != "" {
		return nil, fmt.Errorf("datasets: %s: SplitName applies to LoadSplit only", name)
	}
	readOpts := slices.Clone(d.opts)
	if c.minRating != nil {
		if !d.ratings {
			return nil, fmt.Errorf("datasets: %s has no ratings: MinRating does not apply", name)
		}
		readOpts = append(readOpts, data.MinRating(*c.minRating))
	}
	var l *data.Log
	if d.Embedded {
		l, err = d.readEmbedded(readOpts)
	} else {
		l, err = d.readFiles(c, d.Files, d.kind, readOpts)
	}
	if err != nil {
		return nil, err
	}
	if !c.raw && d.minPerUser > 0 {
		l = l.Filter(d.minPerUser, 0)
		l.Name = d.Name
	}
	if !c.raw && c.minRating == nil {
		if err := d.checkCounts(c, l); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// checkCounts compares the users and items with interactions and the
// distinct pairs of l, loaded with the default preprocessing, with the
// registry's counts: a file cut short or altered must not load as the
// data set without a word.
func (d *Dataset) checkCounts(c *config, l *data.Log) error {
	users := make([]bool, l.NumUsers)
	items := make([]bool, l.NumItems)
	nu, ni := 0, 0
	for _, p := range l.Pairs {
		if !users[p.User] {
			users[p.User] = true
			nu++
		}
		if !items[p.Item] {
			items[p.Item] = true
			ni++
		}
	}
	if nu == d.Users && ni == d.Items && len(l.Pairs) == d.Interactions {
		return nil
	}
	where := "the embedded copy"
	if !d.Embedded {
		if dir, err := d.locate(c, d.Files[0]); err == nil {
			var paths []string
			for _, f := range d.Files {
				paths = append(paths, filepath.Join(dir, resolve(dir, f)))
			}
			where = strings.Join(paths, " + ")
		}
	}
	return fmt.Errorf("datasets: %s: %s holds %d users, %d items and %d interactions; the registry's %s has %d, %d and %d: "+
		"the file is cut short, altered or another version (download it again from %s; datasets.Raw() loads it unchecked)",
		d.Name, where, nu, ni, len(l.Pairs), d.Name, d.Users, d.Items, d.Interactions, d.Source)
}

// OpenEmbedded returns the decompressed file of an embedded data set
// (users.dat of citeulike-t), byte for byte as published upstream.
func OpenEmbedded(name string) (io.ReadCloser, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if !d.Embedded {
		return nil, fmt.Errorf("datasets: %s is not embedded; download it from %s", name, d.Source)
	}
	return gzip.NewReader(bytes.NewReader(citeulikeT))
}

func (d *Dataset) readEmbedded(opts []data.ReadOption) (*data.Log, error) {
	r, err := OpenEmbedded(d.Name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	l, err := d.kind.read(r, d.Name+"/"+d.Files[0], opts...)
	if err == nil {
		l.Warnings = nil // the module's own copy, as published (no final newline)
	}
	return l, err
}

// readFiles reads files (relative to the data set folder) and joins them.
func (d *Dataset) readFiles(c *config, files []string, k kind, opts []data.ReadOption) (*data.Log, error) {
	dir, err := d.locate(c, files[0])
	if err != nil {
		return nil, err
	}
	logs := make([]*data.Log, len(files))
	for n, f := range files {
		name := resolve(dir, f)
		if logs[n], err = readFile(filepath.Join(dir, name), k, opts, d.sums[name]); err != nil {
			return nil, err
		}
	}
	if len(logs) == 1 {
		return logs[0], nil
	}
	return data.Concat(d.Name, logs...)
}

// readFile reads one file of a data set; when sum (hex SHA-256) is known
// and the file's differs, the Log carries a warning saying so, and when it
// matches, the file is the registry's copy, whose quirks are known (the
// CiteULike users.dat ends without a newline): the reader's warnings are
// dropped.
func readFile(path string, k kind, opts []data.ReadOption, sum string) (*data.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	l, err := k.read(io.TeeReader(f, h), path, opts...)
	if err != nil || sum == "" {
		return l, err
	}
	io.Copy(h, f) // a reader may stop before the end (trailing blank lines)
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		l.Warnings = append(l.Warnings, fmt.Sprintf("%s: SHA-256 %s…, not the %s… of the registry's copy: another version of the file", path, got[:12], sum[:12]))
	} else {
		l.Warnings = nil
	}
	return l, nil
}

// resolve picks the first existing alternative of a file name "a|b|…"
// (the first when none exists, for the error message).
func resolve(dir, name string) string {
	alts := strings.Split(name, "|")
	for _, a := range alts {
		if _, err := os.Stat(filepath.Join(dir, a)); err == nil {
			return a
		}
	}
	return alts[0]
}

// locate finds the folder of d under the configured directory, checking
// that probe (a file of d) is there.
func (d *Dataset) locate(c *config, probe string) (string, error) {
	root := c.dir
	if root == "" {
		root = os.Getenv(EnvDir)
	}
	if root == "" {
		return "", fmt.Errorf("datasets: %s is not embedded: download it from %s and pass datasets.Dir or set %s",
			d.Name, d.Source, EnvDir)
	}
	for _, dir := range []string{filepath.Join(root, filepath.FromSlash(d.Folder)), root} {
		if _, err := os.Stat(filepath.Join(dir, resolve(dir, probe))); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("datasets: %s: %s not found in %s or %s; download it from %s",
		d.Name, strings.Split(probe, "|")[0], filepath.Join(root, filepath.FromSlash(d.Folder)), root, d.Source)
}

// Check reports whether Load (or, with SplitName, LoadSplit) would find the
// files of the data set called name, without reading them: it returns the
// error Load would give for an unknown name, a data set that is not
// embedded when neither Dir nor KDREC_DATASETS is set, an unknown split or
// a missing file, and nil otherwise. Sweeps call it for every data set of a
// spec before the first run trains.
func Check(name string, opts ...Option) error {
	d, err := Lookup(name)
	if err != nil {
		return err
	}
	c := newConfig(opts)
	files := d.Files
	if c.split != "" {
		s, err := d.split(c.split)
		if err != nil {
			return err
		}
		files = nil
		for _, f := range []string{s.Train, s.Valid, s.Test} {
			if f != "" {
				files = append(files, f)
			}
		}
	} else if d.Embedded {
		return nil
	}
	for _, f := range files {
		if _, err := d.locate(c, f); err != nil {
			return err
		}
	}
	return nil
}

// split returns the shipped split called name ("" for the first).
func (d *Dataset) split(name string) (SplitFiles, error) {
	if len(d.Splits) == 0 {
		return SplitFiles{}, fmt.Errorf("datasets: %s ships no split", d.Name)
	}
	if name == "" {
		return d.Splits[0], nil
	}
	k := slices.IndexFunc(d.Splits, func(s SplitFiles) bool { return s.Name == name })
	if k < 0 {
		var names []string
		for _, s := range d.Splits {
			names = append(names, s.Name)
		}
		return SplitFiles{}, fmt.Errorf("datasets: %s has no split %q; known: %s", d.Name, name, strings.Join(names, ", "))
	}
	return d.Splits[k], nil
}

// LoadSplit loads a split shipped with the data set called name (the first
// of Dataset.Splits, or the one named by SplitName) from Dir or
// KDREC_DATASETS, with the ids of the files, which for every split listed
// here are those of Load. A train/test split leaves Valid empty for every
// user. The Split is checked with data.Split.Validate; Candidates stay nil.
func LoadSplit(name string, opts ...Option) (*data.Split, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	c := newConfig(opts)
	if c.raw || c.minRating != nil {
		return nil, fmt.Errorf("datasets: %s: Raw and MinRating do not apply to LoadSplit", name)
	}
	s, err := d.split(c.split)
	if err != nil {
		return nil, err
	}
	readOpts := append(slices.Clone(s.opts), data.KeepIDs())
	var parts [3]*data.Log
	for k, f := range []string{s.Train, s.Valid, s.Test} {
		if f == "" {
			continue
		}
		if parts[k], err = d.readFiles(c, []string{f}, s.kind, readOpts); err != nil {
			return nil, err
		}
	}
	if s.dropCold {
		parts[1], parts[2] = dropCold(parts[0], parts[1]), dropCold(parts[0], parts[2])
	}
	return data.JoinSplit(d.Name+" "+s.Name, parts[0], parts[1], parts[2])
}

// dropCold removes from held the pairs of users without pairs in train.
func dropCold(train, held *data.Log) *data.Log {
	if held == nil {
		return nil
	}
	seen := make([]bool, max(train.NumUsers, held.NumUsers))
	for _, p := range train.Pairs {
		seen[p.User] = true
	}
	out := *held
	out.Pairs = slices.DeleteFunc(slices.Clone(held.Pairs), func(p data.Pair) bool { return !seen[p.User] })
	return &out
}
