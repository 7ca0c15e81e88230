# The bench's reference training step in PyTorch, the same as main/models/referenceStep.ts:
# a GRU sequence autoencoder (8 features, hidden 64, 48 steps, batch 128, Adam) plus one
# update of a GRU discriminator. Prints {"ms": median, "best": ..., "threads": ..., "blas": ...} as JSON.
import json
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.set_num_threads(threads)
torch.manual_seed(1)
F, H, T, B = 8, 64, 48, 128

encoder = torch.nn.GRU(F, H)
decoder = torch.nn.GRU(H, H)
out = torch.nn.Linear(H, F)
disc = torch.nn.GRU(F, H)
disc_out = torch.nn.Linear(H, 1)
ae_opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()) + list(out.parameters()), lr=1e-3)
d_opt = torch.optim.Adam(list(disc.parameters()) + list(disc_out.parameters()), lr=1e-3)
data = torch.randn(T, B, F)
bce = torch.nn.BCEWithLogitsLoss()


def step():
    ae_opt.zero_grad()
    states, _ = encoder(data)
    decoded, _ = decoder(states)
    reconstruction = out(decoded)
    loss = torch.mean((reconstruction - data) ** 2)
    loss.backward()
    ae_opt.step()
    d_opt.zero_grad()
    fake = reconstruction.detach()
    _, real_last = disc(data)
    _, fake_last = disc(fake)
    real = disc_out(real_last[-1])
    synthetic = disc_out(fake_last[-1])
    d_loss = bce(real, torch.ones_like(real)) + bce(synthetic, torch.zeros_like(synthetic))
    d_loss.backward()
    d_opt.step()


for _ in range(3):
    step()
times = []
for _ in range(steps):
    started = time.perf_counter()
    step()
    times.append((time.perf_counter() - started) * 1000)
times.sort()
ms = times[len(times) // 2]
blas = [line.strip() for line in torch.__config__.show().splitlines() if 'BLAS_INFO' in line]
print(json.dumps({'ms': ms, 'best': times[0], 'threads': threads, 'torch': torch.__version__, 'blas': blas[0][:80] if blas else 'unknown'}))
