"""Seconds per training batch of the default detector's loader, alone and with the model's step, per worker count.

    python tools/loader_timing.py --workers 0 2 [--threads 1] [--batches 20]

The loader is `make main`'s: `detect`'s clips under its recording conditions (`augment.recording_conditions`) read
through `block.task_dataloaders` with `num_workers=N`, batches of 64; the step is mn04's forward and backward pass.
`--threads` sets torch's thread count for the model first (default: torch's own). Fill the window cache first (one
`make main`): a cold cache times the reading of audio files instead. The figures in `06_block` and `07c_schedule`
came from this script.
"""
import argparse, time
import torch
from gunshot_fastai.data import task_table, background_clips
from gunshot_fastai.cache import with_features, feature_cache
from gunshot_fastai.models import arch_spec
from gunshot_fastai.augment import AugmentWaveform, recording_conditions
from gunshot_fastai.block import task_dataloaders
from gunshot_fastai.learner import make_learner

def seconds_per_batch(dls, step=None, batches:int=20, warmup:int=3) -> float:
    "Mean seconds per batch of `dls.train` after `warmup` batches, with `step(xb, yb)` run on each if given."
    for n, (xb, yb) in enumerate(dls.train):
        if n == warmup: t0 = time.perf_counter()
        if step: step(xb, yb)
        if n == warmup + batches - 1: return (time.perf_counter() - t0)/batches
    raise ValueError(f"the loader has fewer than {warmup + batches} batches")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--batches', type=int, default=20)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    spec = arch_spec('mn04')
    df = with_features(task_table('detect'), spec, progress=False)
    beds = background_clips(df[df.fold != 1])
    for workers in a.workers:
        dls = task_dataloaders(df, 1, spec, bs=64, seed=0, num_workers=workers,
                               wave_tfms=[AugmentWaveform(spec, recording_conditions(beds), feature_cache())])
        learn = make_learner(dls, 'mn04', 'audioset', probe=False)
        model, opt = learn.model.train(), torch.optim.SGD(learn.model.parameters(), lr=1e-4)
        def step(xb, yb):
            learn.loss_func(model(xb), yb).backward(); opt.step(); opt.zero_grad()
        alone, with_step = seconds_per_batch(dls, batches=a.batches), seconds_per_batch(dls, step, a.batches)
        print(f"workers {workers}, torch threads {torch.get_num_threads()}: loader alone {alone:.2f} s a batch, "
              f"with the model's step {with_step:.2f} s", flush=True)
