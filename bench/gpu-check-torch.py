"""The wei2018 CRNN of bench/train-reference.py (same layers, random data,
Adam, binary cross-entropy) trained in PyTorch on the GPU when CUDA is
available (else the CPU), printing samples/s as JSON; bench/gpu-check.sh
runs it beside the webgpu and CPU-path timings.

usage: python3 gpu-check-torch.py BATCH SECONDS FRAMES
"""
import importlib.util
import json
import os
import sys
import time

import torch
from torch import nn

batch, seconds, frames = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
spec = importlib.util.spec_from_file_location(
    "train_reference_model", os.path.join(os.path.dirname(os.path.abspath(__file__)), "train-reference.py"))
# train-reference.py trains at import from its argv; only its Crnn class is wanted here.
src = open(spec.origin).read().split("\nmodel = Crnn()")[0]
ns = {}
exec(compile(src.replace("batch, threads, seconds, frames = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])", "").replace("torch.set_num_threads(threads)", ""), spec.origin, "exec"), ns)
Crnn = ns["Crnn"]

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
model = Crnn().to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(batch, 1, frames, 128, device=device)
y = (torch.rand(batch, 7, device=device) > 0.7).float()
loss_fn = nn.BCELoss()


def step():
    opt.zero_grad()
    loss = loss_fn(model(x).clamp(1e-7, 1 - 1e-7), y)
    loss.backward()
    opt.step()
    return loss


step().item()  # warm-up
steps, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds or steps < 2:
    last = step()
    steps += 1
last.item()  # waits for the GPU
elapsed = time.perf_counter() - t0
print(json.dumps({"torch": torch.__version__, "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(0),
                  "steps": steps, "samplesPerSecond": steps * batch / elapsed}))
