"""The default detector's probe refit on training clips under recording conditions: does the pair then hear far shots?

    python tools/probe_conditions.py models/detect.pkl results/ablation/detect/probe_conditions.csv

The detector answers beside the probe it started from (`learner.BesideProbe`), which was fit on the training clips as
recorded and so never heard a distant or band-limited shot. This refits that probe (`learner.linear_probe`, loaded with
`learner.load_probe`) on the embedding of the training folds' clips as recorded plus two passes of them changed by
`augment.recording_conditions`: its defaults (what fine-tuning trains under) and a far draw (backgrounds on 80 % of the
clips, at -5 to 15 dB). For each fit it stores the FNR <= 1 % threshold of fold 1 as recorded and scores fold 1 under
`conditions.CONDITIONS` (`conditions_report`). `refit_clean` reproduces the detector as exported: a check of the script.
About 20 minutes on 2 CPU cores. The table in `08_train` came from this script.
"""
import argparse, random
import numpy as np, pandas as pd, torch
from fastai.callback.hook import Hook
from gunshot_fastai.load import load_model
from gunshot_fastai.data import task_table, background_clips
from gunshot_fastai.augment import AugmentWaveform, recording_conditions
from gunshot_fastai.learner import last_linear, linear_probe, load_probe
from gunshot_fastai.metrics import fnr_threshold
from gunshot_fastai.conditions import conditions_report
from gunshot_fastai.cache import feature_cache

DRAWS = {'default': {}, 'far': dict(snr_db=(-5., 15.), p_background=0.8)}  # `recording_conditions` options per pass
FITS = {'refit_clean': ['clean'], 'clean+default': ['clean', 'default0', 'default1'], 'clean+far': ['clean', 'far0', 'far1'],
        'clean+default+far': ['clean', 'default0', 'far0']}  # the passes each probe is fit on

def embeddings(model, net, features:list, bs:int=64) -> np.ndarray:
    "The inputs of `net`'s last linear layer for `features`, through `model`'s input pipeline."
    out = []
    with Hook(last_linear(net), lambda m, i, o: i[0].detach().float().cpu()) as h, torch.no_grad():
        for i in range(0, len(features), bs):
            net(model.learn.dls.valid.after_batch(model.input.encode(np.stack(features[i:i + bs])))); out.append(h.stored)
    return torch.cat(out).numpy()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model'); p.add_argument('out')
    a = p.parse_args()
    model = load_model(a.model)
    probe = model.learn.model.probe
    df = task_table('detect')
    train, valid = (df[df.fold != model.meta['valid_fold']].reset_index(drop=True), df[df.fold == model.meta['valid_fold']].reset_index(drop=True))
    y = train.label.map({c: i for i, c in enumerate(model.classes)}).to_numpy()
    x = {'clean': embeddings(model, probe, [model.features(f) for f in train.path])}
    beds = background_clips(train)
    for name, opts in DRAWS.items():
        changed = AugmentWaveform(model.spec, recording_conditions(beds, **opts), feature_cache())
        for k in range(2):
            np.random.seed(k); random.seed(k)
            x[f'{name}{k}'] = embeddings(model, probe, [changed.encodes(f) for f in train.path])
    is_shot, rows = (valid.label == model.target).to_numpy(), []
    for fit, passes in FITS.items():
        load_probe(probe, linear_probe().fit(np.concatenate([x[k] for k in passes]), np.concatenate([y]*len(passes))))
        p_shot = model.scores(valid.path)[:, model.classes.index(model.target)]
        model.meta['threshold'] = {'class': model.target, 'value': fnr_threshold(is_shot, p_shot)['value']}
        rows.append(conditions_report(model, conditions=('original', 'far_10db', 'far_0db', 'recorder_8khz')).assign(probe_fit=fit))
        print(rows[-1][['probe_fit', 'condition', 'tpr', 'fpr', 'roc_auc', 'threshold']].to_string(index=False), flush=True)
    pd.concat(rows).to_csv(a.out, index=False)
