#!/usr/bin/env python3
"""Times one operation of the authors' PyTorch code (the A side of
scripts/ab-authors.sh) on the data that scripts/ab/export writes.

The authors' modules are imported from their checkouts, given by path; this
driver only builds their inputs (their dict formats, from the exported
.npy files), replaces what has to be replaced to run on a CPU with
Python 3 and torch 1.13 (below), and reads the clocks. Nothing of theirs is
copied here and none of their files is changed.

One process times one operation once and prints one line,
"AB-RESULT {json}", with the process CPU time (time.process_time: user +
system over all threads) and the wall time (time.perf_counter) of the
operation, and the process's peak resident memory (set-up included).

Operations (the authors' function that runs, and what is timed):

  teacher  DE-RRD run.LOO_run, Models.BPR d=200: one epoch
  student  DE-RRD run.LOO_run, Models.BPR d=20: one epoch
  de       DE-RRD run.LOO_DE_run, Models.DE.BPR_DE (30 experts, d_s=20,
           d_t=200, lmbda_DE=0.01, end_T=1e-10, anneal_size=1e10, so
           epoch 0 runs at T=1): one epoch
  rrd      DE-RRD run.LOO_URRD_run, Utils.dataset.implicit_CF_dataset_URRD
           (K=40, L=40, T=10, lambda=0.001): one epoch
  irrrd    IR-RRD's Models and Utils with the LOO_IR_RRD_run of DE-RRD's
           run.py (the IR-RRD repository imports `run` but does not ship
           it; DE-RRD's run.py defines LOO_IR_RRD_run), item side K=20,
           L=20, T=10, lambda=0.0005: one epoch
  ftd      Topology_Distillation run.run_FTD, model.FTD (d_s=20,
           lmbda_TD=0.001): one epoch
  htd      Topology_Distillation run.run_HTD, model.HTD (K=30,
           choice='second', alpha=0.5, lmbda_TD=0.001; epoch 0 at T=1):
           one epoch
  loo      DE-RRD Utils.evaluation.evaluation (LOO_latent_factor_evaluate)
           of an untrained Models.BPR d=200: every user, valid and test,
           HR/NDCG/MRR@{5,10,20} among the held-out item and 499 candidates
  full     Topology_Distillation utils.evaluate of an untrained
           model.Base_model d=200, inside model.eval() and torch.no_grad()
           as its run functions call it: every user, valid and test,
           P/R/NDCG@{10,20,50} over all items, training items and the
           other part's item excluded
  hetcomp1 HetComp_WWW23 main.py itself (its module code, executed here):
           HetComp_MF d=6 on the 60/20/20 split, six teachers' trajectories
           from the pickles this driver writes (below); epoch 0, phase 1
           (overall_loss, weight 0.01)
  hetcomp2 the same, started in the state DKC leaves once every stage is
           final (v_results = [3]*6 instead of [0]*6): epoch 0 in phase 2
           (rank_loss, weight 0.005)
  hetcomp-student
           DE-RRD run.LOO_run, Models.BPR d=6 (the plain MF student, BPR
           only) on HetComp's 60/20/20 training data, Adam lr 0.001 and
           weight_decay 1e-5 (HetComp main.py's defaults): one epoch

HetComp (hetcomp1, hetcomp2). scripts/ab/export writes kdrec's benchmark
ensemble into DATA/hetcomp (see its writeHetComp); this driver turns it into
the four pickles main.py reads from ./Teachers/ (written once into
DATA/hetcomp/Teachers, rebuilt when the export changes):
  state_dict         {teacher: [n x m float32 importance matrix per stage]},
                     the importance kdrec's ensemble gives a rank position
                     r < N of a stage list, exp(-r/T), and 0 elsewhere (one
                     array object per distinct list: pickle keeps the
                     sharing, so the benchmarks' single list is stored once)
  top_perms          {teacher: [n x N int64 stage lists]}
  observed           n x K/10 int64, kdrec's P_u (export pads short rows)
  hidden_positives   n x 0: no items besides the training ones are kept
                     out of the negative sampling, as in kdrec's sampler
main.py is read from the checkout and executed with, in memory: its device
'cuda:3' -> 'cpu', sys.argv = [main.py, --random_seed SEED] (its defaults:
dim 6, lr 0.001, reg 1e-5, batches of 1024), its cwd DATA/hetcomp, the
load_data of Utils.data_utils returning the exported split (their
load_data reads Data/users.dat and splits it itself), and, for hetcomp2,
its v_results start value. Its epoch 0 is timed like the others' epochs:
from the dataset's negative_sampling to the call of evaluate (which main.py
makes after epochs 0, 10, ...; DKC runs only after the evaluation of
epochs 10, 20, ..., so no timed epoch includes it).

An epoch is timed from the call of the training set's negative_sampling
(the first thing each of their epochs does, after starting its own clock)
to the call of their evaluation at the end of that epoch, which the driver
replaces with a function that reads the clocks and stops the run: the
epoch's negative sampling, per-epoch sampling (URRD_sampling,
IR_reg_sampling), the DataLoader's 113 batches of 1024 with forward,
backward and Adam (lr 0.001, weight_decay 0.001, as in their mains), and
nothing of their evaluation.

Replacements (CPU, Python 3.11, torch 1.13), all made here at run time:
  - device torch.device('cpu') where their mains build 'cuda:N';
  - torch.cuda.LongTensor -> torch.LongTensor (run.py's URRD and IR-RRD
    loops cast index tensors with .type(torch.cuda.LongTensor));
  - a stand-in IPython.display module (display, clear_output that do
    nothing) when IPython is not installed: Topology_Distillation's run.py
    imports it to refresh a notebook;
  - their evaluation/printing functions inside the training runs (above).
"""

import argparse
import importlib
import json
import os
import random
import resource
import sys
import time
import types

OPS = ("teacher", "student", "de", "htd", "ftd", "rrd", "irrrd", "loo", "full", "hetcomp1", "hetcomp2", "hetcomp-student")


class EpochDone(Exception):
    """Raised by the stand-in evaluation to stop a run after one epoch."""


class Clock:
    """Process CPU and wall clock readings around one operation."""

    def __init__(self):
        self.cpu0 = self.wall0 = self.cpu1 = self.wall1 = None

    def start(self):
        if self.cpu0 is None:
            self.wall0 = time.perf_counter()
            self.cpu0 = time.process_time()

    def stop(self):
        if self.cpu1 is None:
            self.cpu1 = time.process_time()
            self.wall1 = time.perf_counter()

    def result(self):
        if self.cpu0 is None or self.cpu1 is None:
            raise RuntimeError("the operation was not timed: its start or end was never reached")
        return self.cpu1 - self.cpu0, self.wall1 - self.wall0


def fail(msg):
    print("authors.py: " + msg, file=sys.stderr)
    sys.exit(2)


def load_data(d):
    """Reads scripts/ab/export's files into the authors' dict formats."""
    import numpy as np

    need = ["meta.json", "train.npy", "valid.npy", "test.npy", "candidates.npy",
            "teacher_user.npy", "teacher_item.npy", "user_lists.npy", "item_lists.npy"]
    for f in need:
        if not os.path.isfile(os.path.join(d, f)):
            fail("%s: missing %s (run scripts/ab/export -out %s)" % (d, f, d))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    ld = lambda name: np.load(os.path.join(d, name))
    users, items = int(meta["users"]), int(meta["items"])
    train = ld("train.npy").tolist()
    valid, test = ld("valid.npy").tolist(), ld("test.npy").tolist()
    cand = ld("candidates.npy")

    # {user: {item: 1}} as in their pickles (train_mat_0, Train).
    train_mat = {}
    for u, i in train:
        train_mat.setdefault(u, {})[i] = 1
    # Users with both a valid and a test item (every user under kdrec's LOO).
    held = [u for u in range(users) if valid[u] >= 0 and test[u] >= 0]
    return types.SimpleNamespace(
        meta=meta, users=users, items=items, train_mat=train_mat,
        valid_sample={u: valid[u] for u in held},
        test_sample={u: test[u] for u in held},
        candidates={u: {int(i): 1 for i in cand[u]} for u in held},
        valid_mat={u: {valid[u]: 1} for u in held},
        test_mat={u: {test[u]: 1} for u in held},
        teacher=lambda: (ld("teacher_user.npy"), ld("teacher_item.npy")),
        user_lists=lambda: rows_dict(ld("user_lists.npy")),
        item_lists=lambda: rows_dict(ld("item_lists.npy")),
    )


def rows_dict(a):
    """{row: [entries]} from a padded list matrix (−1 ends a short row)."""
    out = {}
    for r, row in enumerate(a.tolist()):
        out[r] = [x for x in row if x >= 0]
    return out


def dict_to_list(m):
    """The authors' dict_to_list: (user, item, 1) in dict order."""
    return [(u, i, 1) for u in m for i in m[u]]


def use_checkout(*paths):
    """Puts the checkouts first on sys.path (in order) and forgets modules
    of the same names imported from elsewhere."""
    for p in reversed(paths):
        sys.path.insert(0, os.path.abspath(p))
    for name in list(sys.modules):
        if name.split(".")[0] in ("run", "model", "utils", "Models", "Utils", "data_utils"):
            del sys.modules[name]


def stub_ipython():
    try:
        importlib.import_module("IPython.display")
    except ImportError:
        pkg = types.ModuleType("IPython")
        disp = types.ModuleType("IPython.display")
        disp.display = lambda *a, **k: None
        disp.clear_output = lambda *a, **k: None
        pkg.display = disp
        sys.modules["IPython"], sys.modules["IPython.display"] = pkg, disp


class limit:
    """A DataLoader seen through its first n batches (all when n is 0),
    counting the batches it gives; .dataset is the loader's."""

    def __init__(self, loader, n):
        self.loader, self.n, self.dataset, self.batches = loader, n, loader.dataset, 0

    def __iter__(self):
        for k, b in enumerate(self.loader):
            if self.n and k >= self.n:
                return
            self.batches += 1
            yield b

    def __len__(self):
        return min(len(self.loader), self.n) if self.n else len(self.loader)


def time_epoch(clock, dataset, run):
    """Runs run() until the stand-in evaluation stops it after one epoch;
    the clock starts when the epoch's negative sampling is called."""
    orig = dataset.negative_sampling

    def sampling(*a, **k):
        clock.start()
        return orig(*a, **k)

    dataset.negative_sampling = sampling
    try:
        run()
    except EpochDone:
        return
    raise RuntimeError("the run ended without reaching its evaluation")


def load_hetcomp(d):
    """Reads scripts/ab/export's DATA/hetcomp files: the 60/20/20 split in
    the dict formats of HetComp's load_data, the stage lists and P_u."""
    import numpy as np

    need = ["meta.json", "train.npy", "valid.npy", "test.npy", "lists.npy", "slots.npy", "observed.npy"]
    for f in need:
        if not os.path.isfile(os.path.join(d, f)):
            fail("%s: missing %s (run scripts/ab/export -out %s)" % (d, f, os.path.dirname(d)))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    ld = lambda name: np.load(os.path.join(d, name))
    users, items = int(meta["users"]), int(meta["items"])

    def mat(name):
        m = {}
        for u, i in ld(name).tolist():
            m.setdefault(u, {})[i] = 1
        return m

    train_mat = mat("train.npy")
    valid_mat, test_mat = mat("valid.npy"), mat("test.npy")
    lists = ld("lists.npy")
    if lists.shape[0] % users:
        fail("%s: lists.npy has %d rows, not a multiple of %d users" % (d, lists.shape[0], users))
    return types.SimpleNamespace(
        dir=d, meta=meta, users=users, items=items, train_mat=train_mat,
        # [u, i, 1] in train_mat order, as their load_data returns train_ints
        train_ints=[[u, i, 1] for u in train_mat for i in train_mat[u]],
        valid_mat=valid_mat, test_mat=test_mat,
        lists=lists.reshape(-1, users, lists.shape[1]), slots=ld("slots.npy"), observed=ld("observed.npy"))


def hetcomp_teachers(H):
    """Writes (once) the pickles HetComp's load_teacher_trajectory reads
    into H.dir/Teachers and returns H.dir (main.py's working directory).
    A stamp of the export's files decides whether existing pickles are
    still this export's."""
    import pickle
    import numpy as np

    tdir = os.path.join(H.dir, "Teachers")
    stamp = {f: os.stat(os.path.join(H.dir, f)).st_mtime_ns for f in ("meta.json", "lists.npy", "slots.npy", "observed.npy")}
    stamp_file = os.path.join(tdir, "export-stamp.json")
    try:
        with open(stamp_file) as f:
            if json.load(f) == stamp:
                return H.dir
    except (OSError, ValueError):
        pass
    names = H.meta["teachers"]
    if len(names) != 6 or "MF" not in names:
        fail("%s: HetComp's main.py reads six teachers, the first named MF (its model_list); the export has %s" % (H.dir, names))
    n, m, T = H.users, H.items, float(H.meta["temperature"])
    imps, perms = [], []
    for l in H.lists:
        imp = np.zeros((n, m), dtype=np.float32)
        w = np.exp(-np.arange(l.shape[1]) / T).astype(np.float32)
        rows, cols = np.nonzero(l >= 0)
        imp[rows, l[rows, cols]] = w[cols]
        imps.append(imp)
        perms.append(l.astype(np.int64) if (l >= 0).all() else [r[r >= 0].astype(np.int64) for r in l])
    state_dict = {x: [imps[k] for k in H.slots[ix]] for ix, x in enumerate(names)}
    top_perms = {x: [perms[k] for k in H.slots[ix]] for ix, x in enumerate(names)}
    tmp = tdir + ".tmp%d" % os.getpid()
    os.makedirs(tmp)
    for name, obj in (("state_dict", state_dict), ("top_perms", top_perms),
                      ("observed", H.observed.astype(np.int64)), ("hidden_positives", np.zeros((n, 0), dtype=np.int64))):
        with open(os.path.join(tmp, name), "wb") as f:
            pickle.dump(obj, f, protocol=4)
    with open(os.path.join(tmp, "export-stamp.json"), "w") as f:
        json.dump(stamp, f)
    if os.path.isdir(tdir):
        import shutil
        shutil.rmtree(tdir)
    os.rename(tmp, tdir)
    return H.dir


def replace_once(src, old, new, path):
    """src with its single occurrence of old replaced; fails naming path
    when old does not occur exactly once (another version of main.py)."""
    n = src.count(old)
    if n != 1:
        fail("%s: expected exactly one %r to replace, found %d (not the main.py this driver was written for?)" % (path, old, n))
    return src.replace(old, new)


def run_hetcomp_main(a, H, clock, stop_after_epoch):
    """Executes HetComp_WWW23's main.py (see the module doc) until the
    stand-in evaluate stops it after epoch 0; returns (batches, phase)."""
    import numpy as np
    import torch.utils.data as tdata

    if a.op == "hetcomp2" and not (H.slots[:, 0] == H.slots[:, -1]).all():
        fail("%s: hetcomp2 starts main.py with every stage final but keeps its stage-0 targets; the export's first and last stage lists differ" % H.dir)
    use_checkout(a.hetcomp, os.path.join(a.hetcomp, "Utils"))
    import Utils.data_utils as DU
    import Utils.evaluation as EV
    import Utils.dataloader as DL

    split = (H.users, H.items, H.train_mat, H.train_ints, H.valid_mat, H.test_mat)
    # Their modules star-import each other (Utils/ is also imported as the
    # top-level data_utils), so main.py's star imports may take a name from
    # any of them: replace it in every one that holds it.
    mods = [DU, EV, DL, sys.modules.get("data_utils")]
    for name, f in (("load_data", lambda *_a, **_k: split), ("evaluate", stop_after_epoch)):
        for mod in mods:
            if mod is not None and hasattr(mod, name):
                setattr(mod, name, f)
    orig_ns = DL.train_dataset.negative_sampling

    def sampling(self, *x, **k):
        clock.start()
        return orig_ns(self, *x, **k)

    DL.train_dataset.negative_sampling = sampling
    loaders = []
    real_loader = tdata.DataLoader

    def loader(*x, **k):
        loaders.append(limit(real_loader(*x, **k), a.max_batches))
        return loaders[-1]

    tdata.DataLoader = loader
    path = os.path.join(a.hetcomp, "main.py")
    with open(path) as f:
        src = f.read()
    src = replace_once(src, "torch.device('cuda:3')", "torch.device('cpu')", path)
    if a.op == "hetcomp2":
        src = replace_once(src, "v_results = np.asarray([0, 0, 0, 0, 0, 0])", "v_results = np.asarray([3, 3, 3, 3, 3, 3])", path)
    cwd, argv = os.getcwd(), sys.argv
    os.chdir(hetcomp_teachers(H))
    sys.argv = [path, "--random_seed", str(a.seed)]
    g = {"__name__": "__main__", "__file__": path}
    try:
        exec(compile(src, path, "exec"), g)
    except EpochDone:
        pass
    else:
        raise RuntimeError("main.py ended without reaching its evaluation")
    finally:
        os.chdir(cwd)
        sys.argv = argv
        tdata.DataLoader = real_loader
    phase = 1 if np.asarray(g["v_results"]).sum() < 18 else 2
    return sum(x.batches for x in loaders), phase


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--op", required=True, choices=OPS)
    ap.add_argument("--data", required=True, help="directory written by scripts/ab/export")
    ap.add_argument("--de-rrd", default=os.environ.get("KDREC_AB_DE_RRD"), help="checkout of SeongKu-Kang/DE-RRD_CIKM20")
    ap.add_argument("--ir-rrd", default=os.environ.get("KDREC_AB_IR_RRD"), help="checkout of SeongKu-Kang/IR-RRD_INS21")
    ap.add_argument("--td", default=os.environ.get("KDREC_AB_TD"), help="checkout of SeongKu-Kang/Topology_Distillation_KDD21")
    ap.add_argument("--hetcomp", default=os.environ.get("KDREC_AB_HETCOMP"), help="checkout of SeongKu-Kang/HetComp_WWW23")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-batches", type=int, default=0,
                    help="stop an epoch after this many batches (a wiring check: the time is then not an epoch's)")
    a = ap.parse_args()

    need = {"irrrd": ["de_rrd", "ir_rrd"], "ftd": ["td"], "htd": ["td"], "full": ["td"],
            "hetcomp1": ["hetcomp"], "hetcomp2": ["hetcomp"]}.get(a.op, ["de_rrd"])
    for k in need:
        p = getattr(a, k)
        if not p or not os.path.isdir(p):
            fail("--%s: %r is not a directory (the checkout the operation %s needs)" % (k.replace("_", "-"), p, a.op))

    import numpy as np
    import torch
    import torch.optim as optim
    import torch.utils.data as tdata

    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    cpu = torch.device("cpu")
    torch.cuda.LongTensor = torch.LongTensor  # see the module doc

    if a.op.startswith("hetcomp"):
        D = load_hetcomp(os.path.join(a.data, "hetcomp"))
    else:
        D = load_data(a.data)
    uc, ic = D.users, D.items
    clock = Clock()

    def stop_after_epoch(*_a, **_k):
        clock.stop()
        raise EpochDone()

    def teacher_tensors():
        tu, ti = D.teacher()
        return torch.from_numpy(tu), torch.from_numpy(ti)

    opt = types.SimpleNamespace(max_epoch=1000, early_stop=20, es_epoch=0)
    detail = {}

    if a.op in ("hetcomp1", "hetcomp2"):
        batches, phase = run_hetcomp_main(a, D, clock, stop_after_epoch)
        detail = {"batches": batches, "phase": phase, "split": D.meta["split"]}
    elif a.op in ("teacher", "student", "de", "rrd", "irrrd", "loo", "hetcomp-student"):
        if a.op == "irrrd":
            use_checkout(a.ir_rrd, a.de_rrd)
        else:
            use_checkout(a.de_rrd)
        from Models.BPR import BPR
        import Utils.dataset as DS
        train_mat = D.train_mat
        inter = dict_to_list(train_mat)

        if a.op == "loo":
            from Utils.evaluation import evaluation
            model = BPR(uc, ic, 200, cpu).to(cpu)
            test_ds = DS.implicit_CF_dataset_test(uc, D.test_sample, D.valid_sample, D.candidates)
            template = {"best_score": -999, "best_result": -1, "final_result": -1}
            eval_dict = {5: dict(template), 10: dict(template), 20: dict(template),
                         "early_stop": 0, "early_stop_max": 20, "final_epoch": 0}
            clock.start()
            _, res, _ = evaluation(model, cpu, eval_dict, 0, test_ds)
            clock.stop()
            detail = {"users": len(test_ds.user_list), "valid_H10": res["valid"]["H10"], "test_H10": res["test"]["H10"]}
        else:
            import run as R
            R.evaluation = stop_after_epoch
            R.LOO_print_result = lambda *a, **k: None
            R.print_final_result = lambda *a, **k: None
            if a.op in ("teacher", "student", "hetcomp-student"):
                ds = DS.implicit_CF_dataset(uc, ic, train_mat, inter, 1)
                model = BPR(uc, ic, {"teacher": 200, "student": 20, "hetcomp-student": 6}[a.op], cpu)
                go = lambda: R.LOO_run(opt, model, cpu, optimizer, loader, None, None)
            elif a.op == "de":
                from Models.DE import BPR_DE
                ds = DS.implicit_CF_dataset(uc, ic, train_mat, inter, 1)
                tu, ti = teacher_tensors()
                model = BPR_DE(uc, ic, tu, ti, gpu=cpu, student_dim=20, num_experts=30)
                opt.lmbda_DE, opt.end_T, opt.anneal_size = 0.01, 1e-10, 1e10
                detail["T"] = opt.end_T * opt.anneal_size
                go = lambda: R.LOO_DE_run(opt, model, cpu, optimizer, loader, None, model_save_path=None)
            elif a.op == "rrd":
                ds = DS.implicit_CF_dataset_URRD(uc, ic, train_mat, inter, 1, cpu, D.user_lists(), 10, 40, 40)
                model = BPR(uc, ic, 20, cpu)
                opt.URRD_lmbda = 0.001
                go = lambda: R.LOO_URRD_run(opt, model, cpu, optimizer, loader, None, model_save_path=None)
            else:  # irrrd
                ds = DS.implicit_CF_dataset_URRD(uc, ic, train_mat, inter, 1, cpu, D.user_lists(), 10, 40, 40)
                ir = DS.implicit_CF_dataset_IR_reg(uc, ic, train_mat, inter, 1, cpu, D.item_lists(), 10, 20, 20)
                model = BPR(uc, ic, 20, cpu)
                opt.URRD_lmbda, opt.IR_reg_lmbda = 0.001, 0.0005
                go = lambda: R.LOO_IR_RRD_run(opt, model, cpu, optimizer, loader, None, ir, model_save_path=None)
            loader = limit(tdata.DataLoader(ds, batch_size=1024, shuffle=True), a.max_batches)
            model = model.to(cpu)
            # HetComp's main.py trains with reg 1e-5, DE-RRD's and IR-RRD's mains with 0.001.
            optimizer = optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-5 if a.op == "hetcomp-student" else 0.001)
            time_epoch(clock, ds, go)
            detail["batches"] = loader.batches
    else:  # ftd, htd, full: Topology_Distillation
        use_checkout(a.td)
        stub_ipython()
        import model as TDM
        import utils as TDU
        train_mat = D.train_mat
        ds = TDU.train_dataset(uc, ic, train_mat, TDU.dict_2_list(train_mat))
        test_ds = TDU.test_dataset(uc, ic, D.valid_mat, D.test_mat)
        loader = tdata.DataLoader(ds, batch_size=1024, shuffle=True)
        if a.op == "full":
            model = TDM.Base_model(uc, ic, 200, cpu).to(cpu)
            clock.start()
            model.eval()
            with torch.no_grad():
                res = TDU.evaluate(model, cpu, loader, test_ds)
            clock.stop()
            detail = {"users": len(D.test_mat), "valid_R50": res["valid"]["R50"], "test_R50": res["test"]["R50"]}
        else:
            import run as R
            R.evaluate = stop_after_epoch
            R.display = R.clear_output = lambda *a, **k: None
            loader = limit(loader, a.max_batches)
            tu, ti = teacher_tensors()
            run_dict = {"train_loader": loader, "test_dataset": test_ds, "lr": 0.001, "reg": 0.001, "gpu": cpu,
                        "max_epoch": 100, "eval_period": 10, "lmbda_TD": 0.001, "alpha": 0.5}
            if a.op == "ftd":
                model = TDM.FTD(uc, ic, tu, ti, gpu=cpu, student_dim=20).to(cpu)
                go = lambda: R.run_FTD(run_dict, model)
            else:
                model = TDM.HTD(uc, ic, tu, ti, gpu=cpu, student_dim=20, K=30, choice="second").to(cpu)
                go = lambda: R.run_HTD(run_dict, model)
            time_epoch(clock, ds, go)
            detail["batches"] = loader.batches
            if a.op == "htd":
                detail["T"] = model.T

    cpu_s, wall_s = clock.result()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out = {"side": "authors", "op": a.op, "cpu_s": cpu_s, "wall_s": wall_s, "peak_rss_mb": rss,
           "threads": torch.get_num_threads(), "torch": torch.__version__, "numpy": np.__version__,
           "python": sys.version.split()[0], "blas": blas_library(), "seed": a.seed, "max_batches": a.max_batches, "detail": detail}
    print("AB-RESULT " + json.dumps(out), flush=True)


def blas_library():
    """The BLAS shared library mapped into this process (torch calls it
    for its matrix products when built with BLAS_INFO=generic, as Debian's
    is), e.g. .../openblas-pthread/libblas.so.3."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "blas" in os.path.basename(p).lower():
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    return ",".join(sorted(libs))


if __name__ == "__main__":
    main()
