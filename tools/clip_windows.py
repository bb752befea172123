"""Several windows of a clip scored together: does the default detector decide better than from its one onset window?

    python tools/clip_windows.py models/detect.pkl results/ablation/detect/clip_windows

The clip detector decides from one 2 s window, aligned at the clip's first onset at least half as strong as its
strongest (`audio.main_onset`). On a clip longer than its window that window can miss the shot: a door, a step or the
start of the file comes first. Here every validation clip of the model's fold is scored on more windows, as recorded and
in a stream with 4 s of a background of its fold before it (`conditions.in_stream(before=4)`, the backgrounds drawn as
`gunshot-evaluate --conditions` draws them), and each rule in `RULES` combines its windows into one probability:
the window at the main onset alone (today), the most probable of the windows at strong onsets at least 1 s or 2 s
apart, the window at the strongest onset, the most probable or the mean of that and the main one, and the mean of five
windows shifted by up to 0.1 s around the main onset (test-time shifts). Each window's probability goes to
`OUT/<condition>.csv` and each rule's figures, at the model's stored threshold and at the rule's own FNR <= 1 %
threshold, to `OUT/summary.csv`. About 5 minutes on 2 CPU cores.
"""
import argparse, time
from pathlib import Path
import numpy as np, pandas as pd, soxr, torch
from sklearn.metrics import roc_auc_score
from gunshot_fastai.core import atomic_write
from gunshot_fastai.load import load_model
from gunshot_fastai.evaluate import validation_frame
from gunshot_fastai.audio import load_audio, normalise, onsets, main_onset, align_onset
from gunshot_fastai.spectrogram import CLIP_SECONDS, to_feature_rate, log_mel
from gunshot_fastai.conditions import SR, in_stream, draw_backgrounds
from gunshot_fastai.mixtures import mixture_sources
from gunshot_fastai.metrics import fnr_threshold, report_path

SHIFTS = (-0.1, -0.05, 0., 0.05, 0.1)  # test-time shifts of the main window (s)

def spaced(times:np.ndarray, gap:float) -> list:
    "The first of `times` and each later one at least `gap` s after the last kept."
    kept = [times[0]]
    for t in times[1:]:
        if t - kept[-1] >= gap: kept.append(t)
    return kept

def window_onsets(y:np.ndarray, sr:int, most:int=16) -> dict:
    "The onsets each window is aligned at, by the role it plays in `RULES` (at most `most` a role: a 30 s clip's worth)."
    times, strength = onsets(y, sr)
    main = main_onset(y, sr)
    strong = times[strength >= 0.5*strength.max()] if len(times) else np.array([main])
    strongest = float(times[np.argmax(strength)]) if len(times) else main
    return {'main': [main], 'gap_1s': spaced(strong, 1.)[:most], 'gap_2s': spaced(strong, 2.)[:most],
            'strongest': [strongest], 'shifts': [main + s for s in SHIFTS]}

RULES = {  # rule: (the windows it reads, how it combines their P(gunshot))
    'main onset (today)': (['main'], np.max),
    'max over strong onsets 2 s apart': (['gap_2s'], np.max),
    'max over strong onsets 1 s apart': (['gap_1s'], np.max),
    'strongest onset': (['strongest'], np.max),
    'max of main and strongest': (['main', 'strongest'], np.max),
    'mean of main and strongest': (['main', 'strongest'], np.mean),
    'mean of 5 shifts (±0.1 s)': (['shifts'], np.mean)}

def clip_rows(model, y:np.ndarray, i:int) -> list[dict]:
    "P(gunshot) of each distinct window of clip `i` (audio `y` at the model's reading rate)."
    cfg = model.spec
    y = normalise(y, cfg.norm)
    roles = window_onsets(y, cfg.read_sr)
    starts = sorted({round(float(t), 4) for ts in roles.values() for t in ts})
    feats = np.stack([log_mel(to_feature_rate(align_onset(y, cfg.read_sr, cfg.duration, cfg.pre_roll, onset=t), cfg), cfg).astype(np.float32) for t in starts])
    p = dict(zip(starts, model.probabilities(feats)[:, model.classes.index(model.target)]))
    return [{'clip': i, 'role': r, 'onset': round(float(t), 4), 'p_gunshot': float(p[round(float(t), 4)])} for r, ts in roles.items() for t in ts]

def rule_figures(windows:pd.DataFrame, df:pd.DataFrame, threshold:float) -> list[dict]:
    "Each rule's TPR and FPR at `threshold` and at its own FNR <= 1 % threshold, ROC AUC, and windows a clip."
    is_shot, rows = (df.label == 'gunshot').to_numpy(), []
    for rule, (roles, combine) in RULES.items():
        w = windows[windows.role.isin(roles)].drop_duplicates(['clip', 'onset'])
        p = w.groupby('clip').p_gunshot.agg(combine).reindex(range(len(df))).to_numpy()
        own = fnr_threshold(is_shot, p)['value']
        rows.append({'rule': rule, 'windows_per_clip': len(w)/len(df), 'tpr': (p[is_shot] >= threshold).mean(), 'fpr': (p[~is_shot] >= threshold).mean(),
                     'false_alarms': int((p[~is_shot] >= threshold).sum()), 'own_threshold': own, 'fpr_at_own_threshold': (p[~is_shot] >= own).mean(),
                     'roc_auc': roc_auc_score(is_shot, p)})
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model'); ap.add_argument('out')
    a = ap.parse_args()
    out = Path(a.out)
    torch.set_num_threads(2)
    model = load_model(a.model)
    df = validation_frame(model)
    beds = draw_backgrounds(df.path, mixture_sources(fold=model.meta['valid_fold'])[0])  # as `conditions_report` draws them (seed 0)
    sr, summary = model.spec.read_sr, []
    audio = {'as_recorded': lambda i: load_audio(df.path[i], sr, reject_silent=True, first=CLIP_SECONDS),
             'in_stream_4s': lambda i: soxr.resample(in_stream(load_audio(df.path[i], SR), beds[i], before=4.), SR, sr, quality='HQ')}
    for condition, read in audio.items():
        t0 = time.perf_counter()
        windows = pd.DataFrame([r for i in range(len(df)) for r in clip_rows(model, read(i), i)])
        windows.insert(1, 'path', windows['clip'].map(lambda i: report_path(df.path[i])))
        windows.insert(2, 'label', windows['clip'].map(df.label.get))
        with atomic_write(out/f'{condition}.csv') as f: windows.to_csv(f, index=False)
        summary += [{'condition': condition, **r} for r in rule_figures(windows, df, model.threshold)]
        print(f'{condition}: {len(df)} clips, {windows.drop_duplicates(["clip", "onset"]).shape[0]} windows in {time.perf_counter() - t0:.0f} s', flush=True)
    summary = pd.DataFrame(summary)
    with atomic_write(out/'summary.csv') as f: summary.to_csv(f, index=False)
    print(summary.round(4).to_string(index=False))
