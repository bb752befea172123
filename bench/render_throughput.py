"""Rendering throughput: the batch renderer against a bare single-process loop, on the same real clips, in one run.

The bare loop is what a notebook would write: `soundfile.read` + `librosa.resample` + `librosa.feature.melspectrogram`
with the same parameters, one clip after another, nothing written. The renderer does more per clip (onset
detection, alignment, colouring, PNG writing) and spreads it over every core. A fully cached re-run is timed last.

    python bench/render_throughput.py [--n 200] [--workers N] [--rounds 3]

Each round runs the three measurements in order on a fresh cache; the medians over rounds are reported, with
every round's ratios beside them (this 2-core machine is shared, so single runs vary by about ±10%).
"""
import argparse, json, random, tempfile, time
from pathlib import Path
import numpy as np, soundfile as sf, librosa
from fastcore.basics import defaults
from gunshot_fastai.audio import AUDIO_EXTS, data_root
from gunshot_fastai.render import render
from gunshot_fastai.spectrogram import SpecConfig

def bare_loop(paths, cfg):
    for p in paths:
        y, sr = sf.read(p, dtype='float32', always_2d=True)
        y = librosa.resample(y.mean(axis=1), orig_sr=sr, target_sr=cfg.sr)
        librosa.feature.melspectrogram(y=y, sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                       n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax)

def timed(f):
    t = time.perf_counter(); out = f(); return time.perf_counter() - t, out

def one_round(paths, cfg, workers):
    "Bare loop, first render into an empty cache, fully cached re-run: seconds for each."
    with tempfile.TemporaryDirectory() as out:
        t_bare, _ = timed(lambda: bare_loop(paths, cfg))
        t_first, first = timed(lambda: render(paths, out, cfg, n_workers=workers, progress=False))
        t_cached, cached = timed(lambda: render(paths, out, cfg, n_workers=workers, progress=False))
    assert len(first.rendered) == len(paths) and len(cached.cached) == len(paths), (first.summary(), cached.summary())
    return t_bare, t_first, t_cached

def main(n=200, workers=None, rounds=3):
    cfg, root = SpecConfig(), data_root()
    clips = sorted(p for p in root.rglob('*') if p.suffix.lower() in AUDIO_EXTS)
    paths = random.Random(0).sample(clips, n)
    bare_loop(paths[:2], cfg)  # warm-up: librosa loads its resampler lazily on first use (~1.4 s); not counted
    runs = np.array([one_round(paths, cfg, workers) for _ in range(rounds)])
    t_bare, t_first, t_cached = np.median(runs, axis=0)
    res = dict(clips=n, audio_seconds=round(sum(sf.info(p).duration for p in paths), 1), rounds=rounds,
               workers=workers if workers is not None else defaults.cpus,
               bare_loop_s=round(float(t_bare), 3), render_s=round(float(t_first), 3), cached_rerun_s=round(float(t_cached), 4),
               render_vs_bare=round(float(t_bare/t_first), 2), cached_vs_first=round(float(t_first/t_cached), 1),
               per_round_render_vs_bare=[round(float(b/f), 2) for b, f, _ in runs],
               per_round_cached_vs_first=[round(float(f/c), 1) for _, f, c in runs])
    print(f"{n} real clips ({res['audio_seconds']} s of audio) from {root}, {res['workers']} workers, median of {rounds} rounds")
    print(f"  bare loop (read+resample+melspectrogram, 1 process): {t_bare:7.2f} s  {n/t_bare:6.1f} clips/s")
    print(f"  renderer (+onset, align, colour, PNG write):         {t_first:7.2f} s  {n/t_first:6.1f} clips/s")
    print(f"  renderer, fully cached re-run:                       {t_cached:7.3f} s")
    print(f"  renderer / bare loop throughput: {res['render_vs_bare']}x (rounds: {res['per_round_render_vs_bare']})")
    print(f"  first run / cached re-run:       {res['cached_vs_first']}x (rounds: {res['per_round_cached_vs_first']})")
    out = Path(__file__).parent/'results'; out.mkdir(exist_ok=True)
    (out/'render_throughput.json').write_text(json.dumps(res, indent=1))
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=200); ap.add_argument('--workers', type=int, default=None)
    ap.add_argument('--rounds', type=int, default=3)
    a = ap.parse_args(); main(a.n, a.workers, a.rounds)
