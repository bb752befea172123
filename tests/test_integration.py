"Rendering real clips from the data root (`../shared/data` in CI)."
import librosa
import numpy as np
import pandas as pd
import pytest
from gunshot_fastai.core import data_root
from gunshot_fastai.audio import load_audio, normalise, align_onset
from gunshot_fastai.cache import render
from gunshot_fastai.spectrogram import SpecConfig, clip_features, log_mel

@pytest.fixture(scope='module')
def root():
    root = data_root()
    assert (root/'gunshots'/'manifest.csv').is_file(), f"real data not found under {root}: set GUNSHOT_DATA or see data/README.md"
    return root

def twenty_clips(root):
    "20 real clips: 3 from each gunshot-manifest dataset with its label spread, plus ESC-50 clips, chosen by a fixed seed."
    m = pd.read_csv(root/'gunshots'/'manifest.csv')
    picks = m.groupby('dataset', group_keys=False).apply(lambda d: d.sample(3, random_state=0))
    esc = sorted((root/'esc50'/'audio').glob('*.flac'))
    esc = [esc[i] for i in np.random.default_rng(0).choice(len(esc), 20 - len(picks), replace=False)]
    return [root/p for p in picks.path] + esc

def test_render_20_real_clips(root, tmp_path):
    cfg = SpecConfig()
    clips = twenty_clips(root)
    assert len(clips) == 20
    report = render(clips, tmp_path, cfg, n_workers=2, progress=False)
    assert report.ok, report.summary()
    assert len(report.rendered) == 20
    for p in report.rendered:
        db = np.load(p)
        assert db.shape == (128, 201) and np.isfinite(db).all()
        assert db.std() > 3, f"{p.name} is (nearly) uniform"
    again = render(clips, tmp_path, cfg, n_workers=2, progress=False)
    assert (len(again.rendered), len(again.cached)) == (0, 20)

def _rise_at_pre_roll(db, cfg):
    "How much louder (dB) the window is just after the pre-roll than during it."
    energy = librosa.power_to_db(librosa.db_to_power(db).sum(axis=0))
    k = round(cfg.pre_roll*cfg.sr/cfg.hop_length)
    return energy[k:2*k].mean() - energy[:k - 2].mean()

def test_real_gunshots_start_at_the_pre_roll(root):
    "Onset alignment puts a real gunshot's rise at 0.1 s in most clips; cropping from the start does not."
    m = pd.read_csv(root/'gunshots'/'manifest.csv')
    shots = m[m.is_gunshot == 1].sample(20, random_state=1)
    cfg = SpecConfig()
    aligned = [_rise_at_pre_roll(clip_features(root/p, cfg), cfg) for p in shots.path]
    naive = [_rise_at_pre_roll(log_mel(align_onset(normalise(load_audio(root/p)), onset=cfg.pre_roll), cfg), cfg)
             for p in shots.path]  # onset=pre_roll: the window simply starts at the clip's start
    assert np.mean(np.array(aligned) > 3) >= 0.8, np.round(aligned, 1)
    assert np.mean(np.array(naive) > 3) <= 0.5, np.round(naive, 1)

def test_partial_esc50_copy_renders_what_exists_and_reports_the_rest(root, tmp_path):
    meta = pd.read_csv(root/'esc50'/'meta'/'esc50.csv')
    present = {p.name for p in (root/'esc50'/'audio').iterdir()}
    fold4 = meta[meta.fold == 4].head(30)
    csv = tmp_path/'fold4.csv'
    extra = pd.DataFrame({'filename': ['1-000000-Z-99.flac']})  # a row whose clip does not exist anywhere
    pd.concat([fold4[['filename']], extra]).to_csv(csv, index=False)
    report = render([csv], tmp_path/'out', root=root/'esc50'/'audio', n_workers=2, progress=False)
    expected_ok = sum(f in present for f in fold4.filename)
    assert len(report.rendered) == expected_ok
    assert [(p.name, r) for p, r in report.failed] == [('1-000000-Z-99.flac', 'file not found')]
