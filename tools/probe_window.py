"""The frozen AudioSet probe on 2 s and 4 s windows whose padding is real background: is the 4 s gain the padding?

    python tools/probe_window.py results/ablation/detect/probe_window

On five detection folds the probe scores 0.995 on 4 s windows against 0.984 on 2 s
(`results/ablation/detect/context_4s`), but most gunshot clips (the Kaggle guns) last 2 s, so a 4 s window of one is
half digital silence, which other sounds' windows rarely have: the probe may read the padding, not the sound. Here every
window's padding is filled with a natural background of the clip's own fold (`augment.FillSilence`, one fixed draw per
clip), at the level of the clip's edge or of its quietest tenth of a second (`FILLS`), so silence cannot stand for
"gunshot"; then the probe (`baselines.logistic_predictions`) is fit on four folds and scores the fifth, five times, per
window length and level. Each fold's predictions go to `OUT/<window>-<fill>/fold<k>/predictions.csv` and a summary to
`OUT/summary.csv`. About 10 minutes on 2 CPU cores.
"""
import argparse, itertools, random, time
from dataclasses import replace
from pathlib import Path
import numpy as np, pandas as pd, torch
from gunshot_fastai.core import atomic_write
from gunshot_fastai.spectrogram import MN04_SPEC, read_window, to_feature_rate, log_mel, spec_input
from gunshot_fastai.data import task_table, background_clips
from gunshot_fastai.augment import FillSilence
from gunshot_fastai.models import audioset_model, mn04_embedding
from gunshot_fastai.baselines import logistic_predictions
from gunshot_fastai.metrics import detection_metrics, fnr_threshold, report_path

WINDOWS = {'2s': {}, '4s': dict(duration=4., pre_roll=0.5)}  # `SpecConfig` changes per window, as `--duration 4 --pre-roll 0.5`
FILLS = ('edge', 'floor')  # `FillSilence`'s levels

def filled_embeddings(df:pd.DataFrame, spec, net, level:str='edge', bs:int=32) -> np.ndarray:
    "The frozen network's embedding of each clip's window, its padding filled from its own fold's backgrounds."
    fills = {k: FillSilence(background_clips(g), level=level, p=1.) for k, g in df.groupby('fold')}
    out, batch = [], []
    for i, row in enumerate(df.itertuples()):
        random.seed(i); np.random.seed(i)  # one fixed draw per clip
        y = fills[row.fold](read_window(row.path, spec), sample_rate=spec.read_sr)
        batch.append(spec_input(log_mel(to_feature_rate(y, spec), spec).astype(np.float32), spec))
        if len(batch) == bs or i == len(df) - 1:
            with torch.inference_mode(): out.append(mn04_embedding(net, torch.from_numpy(np.stack(batch))).numpy())
            batch = []
    return np.concatenate(out)

def fold_figures(p:pd.DataFrame) -> dict:
    "Accuracy at P >= 0.5, ROC AUC, and the false alarms at the fold's own FNR <= 1 % threshold."
    is_shot = (p.label == 'gunshot').to_numpy()
    t = fnr_threshold(is_shot, p.p_gunshot.to_numpy())['value']
    d = detection_metrics(is_shot, p.p_gunshot)
    return {'accuracy': (p.pred == p.label).mean(), 'roc_auc': d['roc_auc'], 'fnr': d['fnr'], 'fpr': d['fpr'],
            'fpr_at_fnr_1pct': (p.p_gunshot[~is_shot] >= t).mean()}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('out')
    out = Path(ap.parse_args().out)
    torch.set_num_threads(2)
    df, net, rows = task_table('detect'), audioset_model(), []
    for (window, change), level in itertools.product(WINDOWS.items(), FILLS):
        t0 = time.perf_counter()
        emb = filled_embeddings(df, replace(MN04_SPEC, **change), net, level)
        print(f'{window}, padding filled at the {level} level: {len(df)} windows embedded in {time.perf_counter() - t0:.0f} s', flush=True)
        for k in sorted(df.fold.unique()):
            p = logistic_predictions(df, emb, k, ['gunshot', 'other'])
            p['path'] = p.path.map(report_path)
            with atomic_write(out/f'{window}-{level}'/f'fold{k}'/'predictions.csv') as f: p.to_csv(f, index=False)
            rows.append({'window': window, 'fill': level, 'fold': k, **fold_figures(p)})
    summary = pd.DataFrame(rows)
    with atomic_write(out/'summary.csv') as f: summary.to_csv(f, index=False)
    print(summary.drop(columns='fold').groupby(['window', 'fill']).agg(['mean', 'std']).round(4).T.to_string())
