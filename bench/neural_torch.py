#!/usr/bin/python3
"""PyTorch reference of the workbook's neural model (bench/tfjs.ts runs it when /usr/bin/python3 imports torch).

The same network as src/model/neural.ts: user and item nn.Embedding (N(0, init_std) init), concatenated,
Linear + ReLU per hidden size, Linear to 1 (output bias started at the mean training rating); MSE; Adam with
coupled L2 (weight_decay); mini-batches of shuffled training rows (torch.randperm), indexed directly (no DataLoader).
Reports wall time of each epoch's training steps and process CPU time (all threads) of the whole epoch as the
workbook's trainer runs it (steps, then the validation pass and a copy of the weights when validation improved: the
work our CPU figure covers, measured between onEpochEnd calls); --threads N sets torch's intra-op threads.
Input: CSVs of index triples u,i,r written by the bench. Prints one JSON line.
"""
import argparse, json, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--train", required=True)
p.add_argument("--val", required=True)
p.add_argument("--users", type=int, required=True)
p.add_argument("--items", type=int, required=True)
p.add_argument("--dim", type=int, default=64)
p.add_argument("--hidden", default="50")
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--batch", type=int, default=8192)
p.add_argument("--lr", type=float, default=0.005)
p.add_argument("--wd", type=float, default=2e-4)
p.add_argument("--init-std", type=float, default=0.01)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()
if a.threads > 0:
    torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)


def read(path):
    rows = [line.split(",") for line in open(path).read().split("\n") if line]
    u = torch.tensor([int(r[0]) for r in rows], dtype=torch.long)
    i = torch.tensor([int(r[1]) for r in rows], dtype=torch.long)
    r = torch.tensor([float(r[2]) for r in rows], dtype=torch.float32)
    return u, i, r


tu, ti, tr = read(a.train)
vu, vi, vr = read(a.val)
hidden = [int(h) for h in a.hidden.split(",")]


class NeuralCF(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(a.users, a.dim)
        self.item = nn.Embedding(a.items, a.dim)
        nn.init.normal_(self.user.weight, 0, a.init_std)
        nn.init.normal_(self.item.weight, 0, a.init_std)
        layers, inputs = [], 2 * a.dim
        for h in hidden:
            layers += [nn.Linear(inputs, h), nn.ReLU()]
            inputs = h
        out = nn.Linear(inputs, 1)
        nn.init.constant_(out.bias, float(tr.mean()))
        layers.append(out)
        self.mlp = nn.Sequential(*layers)

    def forward(self, u, i):
        return self.mlp(torch.cat((self.user(u), self.item(i)), 1)).squeeze(1)


model = NeuralCF()
opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.wd)
loss_fn = nn.MSELoss()
n = len(tr)
ms, cpu = [], []
best_se, best_state = float("inf"), None
for epoch in range(a.epochs):
    t0, c0 = time.perf_counter(), time.process_time()
    model.train()
    perm = torch.randperm(n)
    for s in range(0, n, a.batch):
        idx = perm[s:s + a.batch]
        opt.zero_grad()
        loss = loss_fn(model(tu[idx], ti[idx]), tr[idx])
        loss.backward()
        opt.step()
    ms.append((time.perf_counter() - t0) * 1000)  # the training steps: what our history's seconds time
    # The rest of an epoch of the workbook's trainer (src/model/train.ts), which our CPU figure includes: the
    # validation pass (squared and absolute errors) and a copy of the weights when validation improved.
    model.eval()
    with torch.no_grad():
        e = model(vu, vi) - vr
        se, ae = float((e * e).sum()), float(e.abs().sum())
        if se < best_se:
            best_se, best_state = se, {k: v.clone() for k, v in model.state_dict().items()}
    cpu.append((time.process_time() - c0) * 1000)  # all threads' CPU time
model.eval()
with torch.no_grad():
    val_mse = float(((model(vu, vi) - vr) ** 2).mean())
ms_sorted = sorted(ms)
print(json.dumps({"msPerEpochMedian": ms_sorted[len(ms) // 2], "msPerEpochMean": sum(ms) / len(ms), "cpuMsPerEpochMedian": sorted(cpu)[len(cpu) // 2], "epochs": a.epochs,
                  "valMse": val_mse, "threads": torch.get_num_threads(), "torch": torch.__version__}))
